/**
 * The way to the host for the extension's pages (the panel, the reading list
 * and the set-up page): they send runtime messages to the background, which owns
 * the one native port. Each reply to a page's request has `about`: the last `hello`
 * (versions, and `service`: the account's service, its login fields and capabilities;
 * `services`: every service's). Only the extension's own pages are answered, and only for
 * the actions those pages need. A login outlives the panel (which closes when the
 * login window takes the focus): its state (the service's name and title, where its page
 * opened, a device code to approve elsewhere; never what was typed) is kept here and
 * broadcast to any open page; its outcome is told once. What the pages learn about the
 * account (status, login, logout) keeps the tabs' marks, and the service whose
 * capabilities the pages show, true.
 */

import { HostError, describe } from "./errors.js";
import { BADGES } from "./feedback.js";
import { serviceNamed, servicesOf } from "./service.js";

const PAGE_ACTIONS = new Set(["status", "lookup", "list", "tags", "modify", "modify_many", "sync",
  "logout", "login_cancel", "import_begin", "import_chunk", "import_finish", "export", "article",
  "article_progress", "preferences"]);
const CHANGES = new Set(["modify", "modify_many"]);
const LOGIN_MARGIN_S = 30;

/** A HostError as a plain object for a message: what to show and what to do. */
export function plain(error) {
  const { message, fix } = describe(error);
  const detail = error?.detail ?? (error?.message !== message ? error?.message : null);
  return { code: error?.code ?? "internal_error", message, fix, detail: detail ?? null,
    ...(typeof error?.field === "string" ? { field: error.field } : {}) };
}

export class PanelBridge {
  constructor({ ext, host, saver, capturer = null, indicator, listTab, syncWatch }) {
    this.ext = ext;
    this.host = host;
    this.saver = saver;
    this.capturer = capturer;
    this.indicator = indicator;
    this.listTab = listTab;
    this.syncWatch = syncWatch;
    this.login = { state: "idle" };
  }

  /** `runtime.onMessage` listener (answers through `respond`, so it returns true). */
  onMessage(message, sender, respond) {
    if (!this.fromOwnPage(sender) || typeof message?.kind !== "string") return false;
    this.handle(message).then(respond, (error) => respond({ ok: false, error: plain(error) }));
    return true;
  }

  fromOwnPage(sender) {
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
    if (message.kind === "login-state") return { ok: true, data: this.loginState() };
    if (message.kind === "capture-state") {
      const tab = await this.ext.tabs.get(message.tabId);
      return { ok: true, data: this.capturer?.outcome(tab.id, tab.url) ?? null };
    }
    if (message.kind === "check-host") return this.checkHost();
    if (message.kind === "open-list") {
      await this.listTab.open(message.section ?? "");
      return { ok: true, data: {} };
    }
    throw new HostError("invalid_request", `unknown message kind "${message.kind}"`);
  }

  async call(action, params = {}, tabId = null) {
    if (!PAGE_ACTIONS.has(action)) {
      throw new HostError("invalid_request", `the extension's pages cannot ask for "${action}"`);
    }
    try {
      const data = await this.host.request(action, params, { retryNow: true });
      if (CHANGES.has(action)) await this.refreshMarks(tabId);
      this.learn(action, data);
      return { ok: true, data, about: this.host.about };
    } catch (error) {
      return { ok: false, error: plain(error), about: this.host.about };
    }
  }

  /** After a change: the panel's tab at once; from the reading list, every tab's mark. */
  async refreshMarks(tabId) {
    if (tabId !== null) await this.indicator.refresh(tabId);
    else this.quietly(this.indicator.refreshAll());
  }

  /** What a page's request told about the account, and the marks that it changes. */
  learn(action, data) {
    if (action === "status") {
      this.host.account = data.account;
      this.followService(data.account?.service);
    }
    if (action === "sync") this.quietly(this.indicator.refreshShowing(BADGES.waiting));
    if (action === "logout") {
      this.host.account = null;
      this.quietly(this.indicator.refreshAll());
    }
  }

  quietly(promise) {
    promise.catch(() => {
      // a tab closed meanwhile: the others are marked
    });
  }

  /** The account's service is now `name` (a login, another program's): the pages'
   * `about.service` says so until the next hello does. */
  followService(name) {
    const info = this.host.info;
    if (!info || !name || info.service?.name === name) return;
    const service = serviceNamed(servicesOf(info), name);
    if (service) info.service = service;
  }

  /** The service a login is for: its name and title. */
  loginService(name) {
    const about = this.host.about;
    const service = serviceNamed(servicesOf(about), name ?? about?.service?.name) ??
      about?.service;
    return { name: service?.name ?? name ?? null, title: service?.title ?? name ?? "the service" };
  }

  now() {
    return this.host.clock?.now() ?? Date.now();
  }

  /** A hello round trip, at once even while new starts are spaced out (the set-up page). */
  async checkHost() {
    try {
      const hello = await this.host.request("hello", {}, { retryNow: true });
      this.host.account = hello.account ?? null;
      return { ok: true, data: { account: this.host.account, service: hello.service ?? null },
        about: this.host.about };
    } catch (error) {
      return { ok: false, error: plain(error), about: this.host.about };
    }
  }

  /** The login's state; a finished login is told once (the page that asks says it). */
  loginState() {
    const login = this.login;
    if (login.state === "done" || login.state === "failed") this.login = { state: "idle" };
    return login;
  }

  async startLogin(params) {
    if (this.login.state === "waiting") return { ok: true, data: this.login };
    // its title, once a hello said it (the port may open for this login)
    const service = () => this.loginService(params.service);
    this.update({ state: "waiting", url: null, service: service() });
    const timeout = ((params.timeout ?? 300) + LOGIN_MARGIN_S) * 1000;
    const onEvent = (event) => {
      const data = event.data ?? {};
      if (data.stage === "authorize") {
        this.update({ ...this.login, service: service(), url: data.url,
          shownIn: data.shown_in ?? "window" });
      }
      if (data.stage === "device_code") {
        this.update({ ...this.login, service: service(), device: { userCode: String(data.user_code ?? ""),
          verificationUri: String(data.verification_uri ?? ""),
          verificationUriComplete: String(data.verification_uri_complete ?? ""),
          expiresAt: this.now() + Number(data.expires_in ?? 0) * 1000 } });
      }
    };
    let outcome;
    try {
      const account = await this.host.request("login", params, { timeout, onEvent, retryNow: true });
      this.host.account = account;
      this.followService(account?.service);
      outcome = { state: "done", account, service: service() };
      this.syncWatch.start(); // the host sends the waiting pages now
    } catch (error) {
      outcome = { state: "failed", error: plain(error), service: service() };
    }
    this.update(outcome);
    return { ok: outcome.state === "done", data: outcome };
  }

  /** Tell the open pages; an outcome that reached one is not told again. */
  update(login) {
    this.login = login;
    this.tell({ kind: "login-changed", login }).then((told) => {
      if (told && this.login === login && login.state !== "waiting") this.login = { state: "idle" };
    });
  }

  /** Send a message to the extension's open pages; resolves with whether one was open. */
  tell(message) {
    return this.ext.runtime.sendMessage(message).then(() => true, () => false);
  }
}
