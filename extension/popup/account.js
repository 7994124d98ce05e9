/**
 * The panel's account part: who is connected, how many pages wait and why, Sync
 * now, Log out (asked once) and Log in. Its own messages (a sync's or a log out's
 * outcome, a login's) stay until the next action: reading the status again never
 * hides them. A login runs in the background (it outlives the panel); its outcome
 * arrives as a `login-changed` message, or from the background once when the next
 * panel opens.
 */

import { waitingReason } from "../list/account.js";
import {
  chooseService, clearRejected, clearSecrets, loginParams, markRejected, problemText,
  showLoginForm,
} from "../lib/loginform.js";
import { showWait, wireCopy } from "../lib/loginwait.js";
import { cameIn, rejectedField, serviceNamed, servicesOf } from "../lib/service.js";
import { setText } from "../lib/text.js";
import { count } from "../lib/words.js";

const $ = (id) => document.getElementById(id);

/** "1 page waits…", "3 pages wait…": the waiting pages in a sentence. */
export function pendingLine(pending, account) {
  if (!pending) return "";
  const one = pending === 1;
  return account
    ? `${count(pending, "page")} ${one ? "waits" : "wait"} to be sent to your account.`
    : `${count(pending, "page")} ${one ? "is" : "are"} kept on this computer only.`;
}

/** Why pages wait with an account connected: the pause on syncing, and the last problem. */
export function whyWaiting(status) {
  if (!status.pending) return "";
  const pause = waitingReason({ ...status, last_error: null }); // the hold alone
  const last = status.last_error ? `Last problem: ${status.last_error}` : "";
  return [pause, last].filter(Boolean).join(" ");
}

export function errorLine(error) {
  return [error.message, error.fix].filter(Boolean).join(" ");
}

export class AccountPanel {
  /** `host(action, params)` asks the host, `ask(message)` the background; `problem(error)`
   * shows a problem of the whole panel; `changed(account)` follows the account. */
  constructor({ host, ask, problem, changed }) {
    this.host = host;
    this.ask = ask;
    this.problem = problem;
    this.changed = changed;
    this.status = null;
    this.service = null; // the account's service (or a login's), from hello
    this.services = []; // every service the program knows, from hello
    this.rejected = null; // a failed login's field and words, until that field is shown
    this.loggingIn = false;
  }

  /** A sync's outcome: what was sent, what came from the account, what still waits. */
  synced({ synced, pending, pulled }) {
    const came = cameIn(pulled, this.service);
    return `Synced: ${count(synced, "change")} sent${came ? `, ${came}` : ""}.` +
      (pending ? ` ${pendingLine(pending, true)}` : "");
  }

  /** Read the status; resolves with the account (null: none), or undefined if unknown. */
  async load() {
    const reply = await this.host("status");
    $("account").hidden = !reply.ok;
    if (!reply.ok) {
      this.problem(reply.error);
      return undefined;
    }
    this.status = reply.data;
    this.service = reply.about?.service ?? this.service;
    if (reply.about) this.services = servicesOf(reply.about);
    this.render(reply.data);
    return reply.data.account;
  }

  render({ account, pending, server }) {
    setText($("account-text"), account
      ? `Connected as ${account.username} on ${account.server}.`
      : "No account connected: your pages stay on this computer.");
    setText($("pending"), pendingLine(pending, account));
    setText($("pending-why"), account ? whyWaiting(this.status) : "");
    const confirming = !$("logout-confirm").hidden;
    $("sync").hidden = !account || confirming; // a sync also brings the account's changes
    $("logout").hidden = !account || confirming;
    if (!account) $("logout-confirm").hidden = true;
    $("login-form").hidden = Boolean(account) || this.loggingIn;
    showLoginForm($("login-form"), { services: this.services, current: this.service, server });
    this.pointAtRejected();
  }

  /** A failed login's field: the form opens on it (its service's), marked, with the
   * error's words beside it, ready to type; words with no field to go with are said. */
  pointAtRejected() {
    const rejected = this.rejected;
    if (!rejected || $("login-form").hidden || !this.services.length) return;
    this.rejected = null;
    const form = $("login-form");
    if (rejected.service) chooseService(form, rejected.service);
    if (markRejected(form, rejected.field, rejected.beside)) return;
    if (rejected.beside) this.say(errorLine(rejected.error), { error: true });
  }

  /** A message of the account part: an outcome, or an error (in the error colour). */
  say(text, { error = false } = {}) {
    setText($("account-message"), text);
    $("account-message").classList.toggle("error", error);
  }

  async act(action, done) {
    const reply = await this.host(action);
    if (reply.ok) this.say(done(reply.data));
    else this.say(errorLine(reply.error), { error: true });
    this.changed(await this.load());
  }

  wire() {
    $("sync").addEventListener("click", () => this.act("sync", (data) => this.synced(data)));
    $("logout").addEventListener("click", () => this.confirmLogout(true));
    $("logout-no").addEventListener("click", () => this.confirmLogout(false));
    $("logout-yes").addEventListener("click", () => {
      $("logout-confirm").hidden = true;
      this.act("logout", () => "Logged out. Your pages stay on this computer.");
    });
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = $("login-form");
      const params = loginParams(form);
      clearSecrets(form); // sent once: the form forgets them
      clearRejected(form);
      this.rejected = null;
      this.say("");
      const title = serviceNamed(this.services, params.service)?.title ?? this.service?.title;
      this.showLogin({ state: "waiting", service: { name: params.service, title } });
      this.ask({ kind: "login", params });
    });
    $("login-cancel").addEventListener("click", () => this.host("login_cancel"));
    wireCopy();
  }

  /** Log out asks once: the question replaces the buttons until it is answered. */
  confirmLogout(asking) {
    const account = this.status?.account;
    $("logout-confirm").hidden = !asking;
    if (asking && account) {
      setText($("logout-question"), `Log out of ${account.username} on ${account.server}? ` +
        "Your pages stay on this computer.");
    }
    this.render(this.status);
    (asking ? $("logout-yes") : $("logout")).focus();
  }

  /** The login's state: waiting (with where to approve), or its outcome, said once. */
  showLogin(login) {
    this.loggingIn = login.state === "waiting";
    $("login-wait").hidden = !this.loggingIn;
    if (this.loggingIn) {
      $("login-form").hidden = true;
      showWait(login);
      return;
    }
    if (login.state === "done") this.say(`Logged in as ${login.account.username}.`);
    if (login.state === "failed") this.loginFailed(login.error, login.service);
    if (login.state !== "idle") this.load().then(this.changed);
  }

  /** A failed login: its error, beside the field it names (`field_rejected`) or said. */
  loginFailed(error, service) {
    const spec = serviceNamed(this.services, service?.name) ?? this.service;
    const field = rejectedField(error, spec);
    const beside = error.code === "field_rejected" ? problemText(error.message) : null;
    if (!beside) this.say(errorLine(error), { error: true });
    $("login-form").hidden = false; // still not logged in: the form again
    this.rejected = field || beside ? { field, beside, error, service: service?.name } : null;
    this.pointAtRejected();
  }
}
