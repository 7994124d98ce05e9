/**
 * A fake `chrome` namespace for unit tests: events that tests dispatch, an
 * action that remembers per-tab badges, tabs, windows, menus, commands, and a native
 * host on the other end of `connectNative` ports (replying asynchronously, as
 * browsers deliver messages). Only the parts the extension uses.
 */

import { readFileSync } from "node:fs";

export const MANIFEST = JSON.parse(readFileSync(new URL("../../extension/manifest.json", import.meta.url)));
export const EXT_ID = "nggnhainknahgofikifmilofhkfaecpj";
export const flush = () => new Promise((resolve) => setImmediate(resolve));

/** The services `hello` describes (the host's specs, in its order). */
export const SERVICES = [
  { name: "pocket", title: "Pocket", login: "redirect", default_server: "https://getpocket.com",
    capabilities: ["archive", "delete", "favorite", "pull", "tags"],
    fields: [
      { name: "consumer_key", label: "Consumer key", kind: "text", optional: false,
        hint: "the key of an app registered with the Pocket server (its administrator gives it out)" },
    ] },
  { name: "wallabag", title: "wallabag", login: "password", default_server: "https://app.wallabag.it",
    capabilities: ["archive", "delete", "favorite", "pull", "tags"],
    fields: [
      { name: "client_id", label: "Client ID", kind: "text", optional: false,
        hint: "the ID of an API client: in wallabag, Developer → Create a new client, then copy its Client ID" },
      { name: "username", label: "User name", kind: "text", optional: false,
        hint: "the name you sign in to wallabag with" },
      { name: "client_secret", label: "Client secret", kind: "secret", optional: false,
        hint: "shown beside the Client ID on wallabag's Developer page" },
      { name: "password", label: "Password", kind: "secret", optional: false,
        hint: "your wallabag password: sent once to get a token, not kept unless you tick the box below" },
      { name: "stay_connected", label: "Stay connected past 14 idle days", kind: "flag", optional: true,
        hint: "keeps the password in the system keychain so that a token can be renewed after two weeks without a sync" },
    ] },
  { name: "readeck", title: "Readeck", login: "oauth", default_server: "",
    capabilities: ["archive", "delete", "favorite", "pull", "tags"],
    fields: [
      { name: "token", label: "API token", kind: "secret", optional: true,
        hint: "instead of signing in, paste a token made in Readeck under Profile → API tokens (with the Bookmarks permissions)" },
    ] },
  { name: "instapaper", title: "Instapaper", login: "token", default_server: "https://www.instapaper.com",
    capabilities: ["archive", "delete", "favorite", "pull", "tags"],
    fields: [
      { name: "token", label: "Personal access token", kind: "secret", optional: false,
        hint: "on instapaper.com/developers: create an application, then Generate a personal access token on its page" },
    ] },
  { name: "karakeep", title: "Karakeep", login: "token", default_server: "https://cloud.karakeep.app",
    capabilities: ["archive", "delete", "favorite", "pull", "tags"],
    fields: [
      { name: "token", label: "API key", kind: "secret", optional: false,
        hint: "in Karakeep, User settings → API keys → New API key (it starts with ak2_)" },
    ] },
  { name: "linkding", title: "linkding", login: "token", default_server: "",
    capabilities: ["archive", "delete", "pull", "tags"],
    fields: [
      { name: "token", label: "REST API token", kind: "secret", optional: false,
        hint: "in linkding, Settings → Integrations → REST API: create a token and copy it" },
    ] },
];

/** The service `hello` describes with no account (the host's Pocket spec). */
export const POCKET_SERVICE = SERVICES[0];

export class FakeEvent {
  constructor() {
    this.listeners = [];
  }

  addListener(listener) {
    this.listeners.push(listener);
  }

  dispatch(...args) {
    return this.listeners.map((listener) => listener(...args));
  }
}

/** Timers that run only when the test advances the clock. */
export class FakeClock {
  constructor() {
    this.time = 1_000_000;
    this.timers = new Map();
    this.next = 1;
  }

  now() {
    return this.time;
  }

  setTimeout(fn, ms) {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  async advance(ms) {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
    await flush();
  }
}

export class FakePort {
  constructor(runtime, name) {
    this.runtime = runtime;
    this.name = name;
    this.onMessage = new FakeEvent();
    this.onDisconnect = new FakeEvent();
    this.connected = true;
    this.sent = [];
  }

  postMessage(message) {
    if (!this.connected) throw new Error("Attempting to use a disconnected port object");
    this.sent.push(structuredClone(message));
    this.runtime.nativeHost.receive(message, this);
  }

  disconnect() {
    this.connected = false;
    this.closedByExtension = true;
  }

  /** The host's side: deliver a message to the extension. */
  deliver(message) {
    if (this.connected) this.onMessage.dispatch(structuredClone(message));
  }

  /** The host's side: the port closes; Chromium reports why through runtime.lastError. */
  close(reason, { firefox = false } = {}) {
    if (!this.connected) return;
    this.connected = false;
    if (firefox) this.error = reason ? { message: reason } : null;
    else this.runtime.lastError = reason ? { message: reason } : undefined;
    this.onDisconnect.dispatch(this);
    this.runtime.lastError = undefined;
  }
}

/**
 * The native host behind the ports: `handlers[action](params)` returns data or throws;
 * `events[action](params)` returns the data of events sent before the reply (a save's
 * `kept`).
 */
export class FakeNativeHost {
  constructor({ version = MANIFEST.version, protocol = 1, handlers = {}, events = {},
                manual = false } = {}) {
    this.hello = { version, protocol, account: null, service: POCKET_SERVICE, services: SERVICES,
      caller: { browser: "chromium", id: EXT_ID } };
    this.handlers = { ...handlers };
    this.events = { ...events };
    this.manual = manual; // the test replies itself, in any order
    this.failStart = null; // a browser error string: the host cannot be started
    this.ports = [];
    this.requests = [];
  }

  connect(port) {
    this.ports.push(port);
    if (this.failStart) setImmediate(() => port.close(this.failStart));
  }

  receive(message, port) {
    this.requests.push(message);
    if (this.failStart || (this.manual && message.action !== "hello")) return;
    setImmediate(() => {
      for (const data of this.events[message.action]?.(message.params) ?? []) {
        port.deliver({ id: message.id, event: "progress", data });
      }
      port.deliver(this.answer(message));
    });
  }

  answer({ id, action, params }) {
    if (action === "hello") {
      const capabilities = ["hello", ...Object.keys(this.handlers)].sort();
      return { id, ok: true, data: { ...this.hello, capabilities } };
    }
    try {
      return { id, ok: true, data: this.handlers[action](params) };
    } catch (error) {
      return { id, ok: false, error: { code: error.code, message: error.message, retryable: false,
        ...(error.field ? { field: error.field } : {}) } };
    }
  }

  actions() {
    return this.requests.map((request) => request.action);
  }
}

function fakeAction() {
  const tabs = new Map();
  const set = (field) => async ({ tabId, ...rest }) => {
    const state = tabs.get(tabId) ?? {};
    state[field] = Object.values(rest)[0];
    tabs.set(tabId, state);
    action.log.push([field, tabId, Object.values(rest)[0]]);
  };
  const action = {
    log: [],
    tab: (tabId) => tabs.get(tabId) ?? {},
    onClicked: new FakeEvent(),
    getBadgeText: async ({ tabId }) => tabs.get(tabId)?.text ?? "",
    setBadgeText: set("text"),
    setTitle: set("title"),
    setBadgeBackgroundColor: set("color"),
    setBadgeTextColor: set("textColor"),
    setPopup: set("popup"),
  };
  return action;
}

function fakeTabs() {
  const tabs = {
    list: [],
    created: [],
    onUpdated: new FakeEvent(),
    async query(filter) {
      return tabs.list.filter((tab) => Object.entries(filter).every(([key, value]) =>
        key === "lastFocusedWindow" || key === "currentWindow" ? true : tab[key] === value));
    },
    async get(tabId) {
      const tab = tabs.list.find((t) => t.id === tabId);
      if (!tab) throw new Error(`No tab with id: ${tabId}.`);
      return { ...tab };
    },
    /** As browsers do, a new tab has only a `pendingUrl` until its page starts loading. */
    async create({ url, active = true }) {
      const tab = { id: 100 + tabs.list.length, windowId: 1, active, url: "", pendingUrl: url };
      tabs.list.push(tab);
      tabs.created.push(url);
      return { ...tab };
    },
    async update(tabId, change) {
      const tab = tabs.list.find((t) => t.id === tabId);
      if (!tab) throw new Error(`No tab with id: ${tabId}.`);
      Object.assign(tab, change);
      return { ...tab };
    },
  };
  return tabs;
}

function fakeWindows() {
  return {
    focused: null,
    async update(windowId, { focused }) {
      if (focused) this.focused = windowId;
      return { id: windowId, focused };
    },
  };
}

export function fakeChrome(nativeHost = new FakeNativeHost()) {
  const runtime = {
    id: EXT_ID,
    lastError: undefined,
    nativeHost,
    connects: 0,
    broadcasts: [],
    onMessage: new FakeEvent(),
    onInstalled: new FakeEvent(),
    onStartup: new FakeEvent(),
    getManifest: () => MANIFEST,
    getURL: (path) => `chrome-extension://${EXT_ID}/${path}`,
    connectNative(name) {
      runtime.connects += 1;
      const port = new FakePort(runtime, name);
      nativeHost.connect(port);
      return port;
    },
    async sendMessage(message) {
      runtime.broadcasts.push(message);
      throw new Error("Could not establish connection. Receiving end does not exist.");
    },
  };
  const menus = [];
  return {
    runtime,
    action: fakeAction(),
    tabs: fakeTabs(),
    windows: fakeWindows(),
    commands: { onCommand: new FakeEvent(), getAll: async () => [] },
    contextMenus: {
      items: menus,
      onClicked: new FakeEvent(),
      create: (item) => menus.push(item),
      removeAll: async () => menus.splice(0),
    },
  };
}
