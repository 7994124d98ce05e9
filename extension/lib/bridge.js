/**
 * The panel's way to the host: the panel sends runtime messages to the
 * background, which owns the one native port. Only the extension's own pages
 * are answered, and only for the actions a panel needs. A login outlives the
 * panel (which closes when the login window takes the focus): its state is kept
 * here and broadcast to any open panel.
 */

import { HostError, describe } from "./errors.js";

const PANEL_ACTIONS = new Set(["status", "lookup", "modify", "sync", "logout", "login_cancel"]);
const LOGIN_MARGIN_S = 30;

/** A HostError as a plain object for a message: what to show and what to do. */
export function plain(error) {
  const { message, fix } = describe(error);
  const detail = error?.detail ?? (error?.message !== message ? error?.message : null);
  return { code: error?.code ?? "internal_error", message, fix, detail: detail ?? null };
}

export class PanelBridge {
  constructor({ ext, host, saver, indicator }) {
    this.ext = ext;
    this.host = host;
    this.saver = saver;
    this.indicator = indicator;
    this.login = { state: "idle" };
  }

  /** `runtime.onMessage` listener (answers through `respond`, so it returns true). */
  onMessage(message, sender, respond) {
    if (!this.fromPanel(sender) || typeof message?.kind !== "string") return false;
    this.handle(message).then(respond, (error) => respond({ ok: false, error: plain(error) }));
    return true;
  }

  fromPanel(sender) {
    return sender?.id === this.ext.runtime.id &&
      String(sender.url ?? "").startsWith(this.ext.runtime.getURL(""));
  }

  async handle(message) {
    if (message.kind === "host") return this.call(message.action, message.params, message.tabId);
    if (message.kind === "save-tab") {
      const result = await this.saver.saveTab(await this.ext.tabs.get(message.tabId));
      return result.ok ? { ok: true, data: result.data } : { ok: false, error: plain(result.error) };
    }
    if (message.kind === "login") return this.startLogin(message.params ?? {});
    if (message.kind === "login-state") return { ok: true, data: this.login };
    throw new HostError("invalid_request", `unknown message kind "${message.kind}"`);
  }

  async call(action, params = {}, tabId = null) {
    if (!PANEL_ACTIONS.has(action)) {
      throw new HostError("invalid_request", `the panel cannot ask for "${action}"`);
    }
    try {
      const data = await this.host.request(action, params, { retryNow: true });
      if (action === "modify" && tabId !== null) await this.indicator.refresh(tabId);
      return { ok: true, data, about: this.host.about };
    } catch (error) {
      return { ok: false, error: plain(error), about: this.host.about };
    }
  }

  async startLogin(params) {
    if (this.login.state === "waiting") return { ok: true, data: this.login };
    this.update({ state: "waiting", url: null });
    const timeout = ((params.timeout ?? 300) + LOGIN_MARGIN_S) * 1000;
    const onEvent = (event) => {
      if (event.data?.stage === "authorize") {
        this.update({ ...this.login, url: event.data.url, shownIn: event.data.shown_in ?? "window" });
      }
    };
    try {
      const account = await this.host.request("login", params, { timeout, onEvent, retryNow: true });
      this.update({ state: "done", account });
    } catch (error) {
      this.update({ state: "failed", error: plain(error) });
    }
    return { ok: this.login.state === "done", data: this.login };
  }

  update(login) {
    this.login = login;
    this.ext.runtime.sendMessage({ kind: "login-changed", login }).catch(() => {
      // no panel is open: it reads the state when it opens
    });
  }
}
