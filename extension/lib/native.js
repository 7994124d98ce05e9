/**
 * The one connection to the native host `pocket_companion` (see PROTOCOL.md).
 *
 * A single `runtime.connectNative` port carries every request. Each request has
 * an id; replies may come in any order, `progress` events (no `ok` key) go to
 * the request's `onEvent`. The first message on a new port is `hello`, which
 * checks the protocol version before anything else is sent.
 *
 * When the port is lost after it worked (the host crashed, the browser killed
 * it), requests that are safe to repeat are sent again once on a new port, after
 * a short pause. When the host cannot be started at all, waiting requests fail at
 * once with the browser's reason and later attempts are spaced by an exponential
 * back-off (the host is tried again by itself at its end); a request made by the
 * user (`retryNow`) always tries at once. An idle port is closed so the host
 * process and the service worker can stop. The account the host last spoke of is
 * kept (pages update it after a login, a log out or a status), so that what the
 * button says about the account stays true.
 */

import { HostError, fromDisconnect, protocolMismatch, versionWarning, hostOutdated } from "./errors.js";

export const HOST_NAME = "pocket_companion";
export const PROTOCOL = 1;

const RETRY_SAFE = new Set(["hello", "status", "lookup", "list", "save", "save_many"]);
const TIMEOUTS = { default: 15_000, save: 60_000, save_many: 120_000, sync: 120_000, modify: 60_000,
  modify_many: 120_000, capture: 60_000, article: 30_000 };

export const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export class HostConnection {
  constructor(runtime, { clock = realClock, firstDelay = 1_000, maxDelay = 60_000,
                         idleMs = 120_000, helloMs = 10_000, timeouts = {} } = {}) {
    this.runtime = runtime;
    this.clock = clock;
    this.firstDelay = firstDelay;
    this.maxDelay = maxDelay;
    this.idleMs = idleMs;
    this.helloMs = helloMs;
    this.timeouts = { ...TIMEOUTS, ...timeouts };
    this.port = null;
    this.info = null; // the hello reply on the current port, once it came
    this.waiting = []; // requests not sent yet (no ready port)
    this.sent = new Map(); // id -> request sent on the current port
    this.nextId = 1;
    this.failures = 0; // host starts that failed in a row
    this.retryAt = 0;
    this.blocked = null; // why the last start failed, while backing off
    this.timer = null; // reconnect, hello or idle timer
    this.greetings = 0; // ports that said hello
    this.account = undefined; // what the host last said: null (none) or {username, server}
    this.onReached = null; // called after a hello: (first, recovered) => {}
  }

  /** What the last `hello` said, and a warning when the versions differ. */
  get about() {
    if (!this.info) return null;
    const ours = this.runtime.getManifest().version;
    return { ...this.info, extensionVersion: ours, warning: versionWarning(ours, this.info.version) };
  }

  /** Send one request; resolves with the reply's `data`, rejects with a HostError. */
  request(action, params = {}, { timeout, onEvent, retryNow = false } = {}) {
    return new Promise((resolve, reject) => {
      const call = { action, params, onEvent, resolve, reject, retryNow, attempts: 0, id: null };
      const ms = timeout ?? this.timeouts[action] ?? this.timeouts.default;
      call.deadline = this.clock.setTimeout(() => this.expire(call), ms);
      this.waiting.push(call);
      this.pump();
    });
  }

  /** Start the host ahead of requests that are about to come (a page that is opening). */
  warm() {
    if (!this.port && this.clock.now() >= this.retryAt) this.open();
  }

  pump() {
    if (this.info) {
      this.stopTimer();
      for (const call of this.waiting.splice(0)) this.post(call);
      this.idleLater();
    } else if (!this.port && this.waiting.length) {
      const wait = this.retryAt - this.clock.now();
      if (wait <= 0 || this.waiting.some((call) => call.retryNow)) {
        this.stopTimer();
        this.open();
      } else if (this.blocked) {
        this.rejectWaiting(this.blocked); // the start's own retry stays planned
      } else {
        this.stopTimer();
        this.timer = this.clock.setTimeout(() => this.pump(), wait);
      }
    }
  }

  open() {
    let port;
    try {
      port = this.runtime.connectNative(HOST_NAME);
    } catch (error) {
      this.startFailed(fromDisconnect(error?.message));
      return;
    }
    this.port = port;
    port.onMessage.addListener((message) => this.port === port && this.receive(message));
    port.onDisconnect.addListener((p) => {
      if (this.port === port) this.lost(fromDisconnect(p?.error?.message ?? this.runtime.lastError?.message));
    });
    this.helloId = this.nextId++;
    port.postMessage({ id: this.helloId, action: "hello", params: {} });
    this.timer = this.clock.setTimeout(() => this.drop(new HostError("host_timeout",
      "The Pocket Companion program did not answer.")), this.helloMs);
  }

  post(call) {
    if (!this.info.capabilities.includes(call.action)) {
      this.settle(call).reject(hostOutdated(call.action, this.info.version));
      return;
    }
    call.id = this.nextId++;
    call.attempts += 1;
    this.sent.set(call.id, call);
    this.port.postMessage({ id: call.id, action: call.action, params: call.params });
    // sent once (a login's secrets among them): nothing here keeps them after that
    if (!RETRY_SAFE.has(call.action)) call.params = null;
  }

  receive(message) {
    if (message?.id === this.helloId && "ok" in message) {
      this.greeted(message);
      return;
    }
    const call = this.sent.get(message?.id);
    if (!call) {
      if (message?.id === null) console.warn("pocket companion host:", message.error);
      return; // a reply after its timeout, or an event nobody waits for
    }
    if (!("ok" in message)) {
      if (message.event) call.onEvent?.(message);
      return;
    }
    this.sent.delete(call.id);
    this.settle(call);
    if (message.ok) call.resolve(message.data);
    else call.reject(HostError.from(message.error));
    this.idleLater();
  }

  greeted(message) {
    this.stopTimer();
    if (!message.ok) {
      this.drop(HostError.from(message.error));
    } else if (message.data.protocol !== PROTOCOL) {
      this.drop(protocolMismatch(this.runtime.getManifest().version, message.data));
    } else {
      const recovered = this.failures > 0;
      this.info = message.data;
      this.account = message.data.account ?? null;
      this.failures = 0;
      this.blocked = null;
      this.greetings += 1;
      this.pump();
      this.onReached?.(this.greetings === 1, recovered);
    }
  }

  /** Close the port ourselves because the host cannot be used. */
  drop(error) {
    this.port?.disconnect();
    this.lost(error);
  }

  lost(error) {
    this.stopTimer();
    const worked = this.info !== null;
    this.port = null;
    this.info = null;
    for (const call of this.sent.values()) {
      if (worked && RETRY_SAFE.has(call.action) && call.attempts < 2) this.waiting.push(call);
      else this.settle(call).reject(error);
    }
    this.sent.clear();
    if (worked) {
      this.retryAt = this.clock.now() + this.firstDelay;
      this.pump();
    } else {
      this.startFailed(error);
    }
  }

  /** The host could not be started: requests fail until the back-off ends, when it is
   * tried again by itself (so the tabs' marks come back once it is installed). */
  startFailed(error) {
    this.failures += 1;
    const delay = Math.min(this.maxDelay, this.firstDelay * 2 ** (this.failures - 1));
    this.retryAt = this.clock.now() + delay;
    this.blocked = error;
    this.rejectWaiting(error);
    this.stopTimer();
    this.timer = this.clock.setTimeout(() => this.warm(), delay);
  }

  rejectWaiting(error) {
    for (const call of this.waiting.splice(0)) this.settle(call).reject(error);
  }

  expire(call) {
    this.waiting = this.waiting.filter((other) => other !== call);
    this.sent.delete(call.id);
    call.reject(this.blocked ?? new HostError("host_timeout",
      "The Pocket Companion program did not answer in time."));
    this.idleLater();
  }

  settle(call) {
    this.clock.clearTimeout(call.deadline);
    return call;
  }

  idleLater() {
    if (!this.info || this.sent.size || this.waiting.length) return;
    this.stopTimer();
    this.timer = this.clock.setTimeout(() => this.close(), this.idleMs);
  }

  /** Close the port (the host then exits); the next request opens a new one. */
  close() {
    this.stopTimer();
    this.port?.disconnect();
    this.port = null;
    this.info = null;
  }

  stopTimer() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
