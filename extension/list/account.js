/**
 * The account on the reading list: who is connected to which server, how many
 * pages wait to be synced and why, log in / log out and sync now. A login runs
 * in the background (it outlives this page's requests); its progress arrives as
 * `login-changed` messages, as in the panel.
 */

import {
  chooseService, clearRejected, clearSecrets, loginParams, markRejected, problemText,
  showLoginForm,
} from "../lib/loginform.js";
import { showWait, wireCopy } from "../lib/loginwait.js";
import { cameIn, rejectedField, serviceNamed, servicesOf } from "../lib/service.js";
import { setText } from "../lib/text.js";
import { pages } from "./format.js";
import { errorLine } from "./notices.js";

const $ = (id) => document.getElementById(id);
const WATCH_MS = 4_000; // while pages wait to be synced to an account, read the status again

/** Why pages wait, in words: the hold on syncing, the last problem, or no account. */
export function waitingReason(status) {
  if (!status.pending) return "";
  if (!status.account) return "They are sent once you log in.";
  const held = status.held;
  if (held?.reason === "rate_limited") {
    return `The server asked to slow down; syncing resumes in ${held.seconds} s.`;
  }
  if (held?.reason === "offline") {
    return `The server could not be reached; trying again in ${held.seconds} s.`;
  }
  if (held) return `Syncing resumes in ${held.seconds} s.`;
  return status.last_error ? `Last problem: ${status.last_error}` : "";
}

/** A sync's outcome: "Synced 3 pages; 12 pages came from your Pocket account." */
export function syncedLine({ synced, pending, pulled }, service) {
  return [`Synced ${pages(synced)}`, cameIn(pulled, service),
    pending ? `${pages(pending)} still waiting` : ""].filter(Boolean).join("; ") + ".";
}

export class Account {
  constructor({ client, runtime, notices, onStatus, onPulled = () => {} }) {
    this.client = client;
    this.runtime = runtime;
    this.notices = notices;
    this.onStatus = onStatus; // called with each status read
    this.onPulled = onPulled; // called after a sync that brought pages from the account
    this.waiting = false;
    this.timer = null;
  }

  wire() {
    $("sync").addEventListener("click", () => this.act("sync", (data) => {
      if (data.pulled) this.onPulled();
      return syncedLine(data, this.client.about?.service);
    }));
    $("logout").addEventListener("click", () =>
      this.act("logout", () => "Logged out. Your pages stay on this computer."));
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = $("login-form");
      const params = loginParams(form);
      clearSecrets(form); // sent once: the form forgets them
      clearRejected(form);
      const title = serviceNamed(servicesOf(this.client.about), params.service)?.title;
      this.showLogin({ state: "waiting", service: { name: params.service, title } });
      this.runtime.sendMessage({ kind: "login", params }).catch(() => {
        // the outcome arrives as a login-changed message
      });
    });
    $("login-cancel").addEventListener("click", () => {
      this.client.ask("login_cancel").catch(() => {
        // the login ends anyway; its outcome arrives as a login-changed message
      });
    });
    this.runtime.onMessage.addListener((message) => {
      if (message?.kind === "login-changed") this.showLogin(message.login);
    });
    wireCopy();
  }

  /** Read the account; a login still waiting (started in the panel) shows as such. */
  async start() {
    const login = await this.runtime.sendMessage({ kind: "login-state" }).catch(() => null);
    if (login?.data?.state === "waiting") this.showLogin(login.data, { refresh: false });
    await this.refresh();
  }

  async act(action, said) {
    try {
      this.notices.say(said(await this.client.ask(action)));
    } catch (error) {
      this.notices.say(errorLine(error));
    }
    await this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    let status;
    try {
      status = await this.client.ask("status");
    } catch (error) {
      setText($("account-text"), errorLine(error));
      return null;
    }
    this.show(status);
    this.onStatus(status);
    if (status.account && status.pending) this.timer = setTimeout(() => this.watch(), WATCH_MS);
    return status;
  }

  /** Follow a sync in progress while the page is in view. */
  watch() {
    if (!document.hidden) {
      this.refresh();
      return;
    }
    document.addEventListener("visibilitychange", () => this.refresh(), { once: true });
  }

  show(status) {
    const { account, pending } = status;
    setText($("account-text"), account
      ? `Connected as ${account.username} on ${account.server}.`
      : "No account connected: your pages stay on this computer. Log in to sync them.");
    setText($("account-pending"), pending ? `${pages(pending)} waiting to be synced.`
      : account ? "Everything is synced." : "");
    setText($("account-why"), waitingReason(status));
    $("sync").hidden = !account; // a sync also brings the account's changes
    $("logout").hidden = !account;
    $("login-form").hidden = Boolean(account) || this.waiting;
    showLoginForm($("login-form"), { services: servicesOf(this.client.about),
      current: this.client.about?.service, server: status.server });
    this.showVersions();
  }

  showVersions() {
    const about = this.client.about;
    if (!about) return;
    const line = `Extension ${about.extensionVersion} · program ${about.version}`;
    setText($("versions"), about.warning ? `⚠ ${about.warning} ${line}` : line);
  }

  showLogin(login, { refresh = true } = {}) {
    this.waiting = login.state === "waiting";
    $("login-wait").hidden = !this.waiting;
    if (this.waiting) {
      $("login-form").hidden = true;
      showWait(login);
    }
    const beside = login.state === "failed" && login.error?.code === "field_rejected"
      ? problemText(login.error.message) : null;
    const message = { done: login.account && `Logged in as ${login.account.username}.`,
      failed: login.error && !beside && errorLine(login.error) };
    setText($("login-message"), message[login.state] ?? "");
    if (!this.waiting && refresh) this.refresh().then(() => this.pointAtRejected(login, beside));
  }

  /** A failed login's field: the form opens on it (its service's), marked, with the
   * error's words beside it, ready to type; words with no field to go with are said. */
  pointAtRejected(login, beside) {
    if (login.state !== "failed" || $("login-form").hidden) return;
    const form = $("login-form");
    const services = servicesOf(this.client.about);
    if (login.service?.name) chooseService(form, login.service.name);
    const spec = serviceNamed(services, login.service?.name) ?? this.client.about?.service;
    if (!markRejected(form, rejectedField(login.error, spec), beside) && beside) {
      setText($("login-message"), errorLine(login.error));
    }
  }
}
