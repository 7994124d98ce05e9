import assert from "node:assert/strict";
import { test } from "node:test";

import { createApp } from "../../extension/lib/app.js";
import { BADGES } from "../../extension/lib/feedback.js";
import {
  EXT_ID, FakeClock, FakeNativeHost, POCKET_SERVICE, SERVICES, fakeChrome, flush,
} from "./fake-chrome.js";

const PANEL_SENDER = { id: EXT_ID, url: `chrome-extension://${EXT_ID}/popup/popup.html` };
const LIST_SENDER = { id: EXT_ID, url: `chrome-extension://${EXT_ID}/list/list.html?show=all` };
const WELCOME_SENDER = { id: EXT_ID, url: `chrome-extension://${EXT_ID}/welcome/welcome.html` };

function setUp(handlers = {}, hostOptions = {}) {
  const nativeHost = new FakeNativeHost({ handlers: {
    status: () => ({ account: null, pending: 2 }),
    lookup: () => ({ saved: true, url: "https://one.example/", tags: ["a"], state: "pending" }),
    modify: () => ({ item: null }),
    save: ({ url }) => ({ state: "pending", url }),
    login: () => ({ username: "ann", server: "https://pocket.example" }),
    login_cancel: () => ({ cancelled: 1 }),
    logout: () => ({}),
    list: () => ({ items: [], total: 0 }),
    tags: () => ({ tags: [{ name: "news", count: 2 }] }),
    modify_many: ({ urls }) => ({ results: urls.map((url) => ({ url, ok: true })), applied: urls.length }),
    ...handlers,
  }, ...hostOptions });
  const chrome = fakeChrome(nativeHost);
  const clock = new FakeClock();
  const app = createApp(chrome, { clock }).listen();
  chrome.tabs.list.push({ id: 1, windowId: 1, active: true, url: "https://one.example/" });
  /** What a panel gets back for a message, through the real onMessage listener. */
  const send = (message, sender = PANEL_SENDER) => new Promise((resolve) => {
    const [answered] = chrome.runtime.onMessage.dispatch(message, sender, resolve);
    if (!answered) resolve("no answer");
  });
  return { chrome, nativeHost, app, send, clock };
}

test("the panel's requests go through the one port, with the versions", async () => {
  const { chrome, nativeHost, send } = setUp({}, { version: "0.2.0" });
  const reply = await send({ kind: "host", action: "status" });
  assert.deepEqual(reply.data, { account: null, pending: 2 });
  assert.equal(reply.about.version, "0.2.0");
  assert.match(reply.about.warning, /different releases/);
  assert.deepEqual(reply.about.service, POCKET_SERVICE, "the account's service, from hello");
  await send({ kind: "host", action: "lookup", params: { url: "https://one.example/" } });
  assert.equal(chrome.runtime.connects, 1);
  assert.deepEqual(nativeHost.actions(), ["hello", "status", "lookup"]);
});

test("only the extension's own pages are answered, and only for panel actions", async () => {
  const { nativeHost, send } = setUp();
  const foreign = { id: "someone-else", url: "https://evil.example/" };
  assert.equal(await send({ kind: "host", action: "status" }, foreign), "no answer");
  const refused = await send({ kind: "host", action: "save_many", params: { items: [] } });
  assert.equal(refused.ok, false);
  assert.equal(refused.error.code, "invalid_request");
  assert.equal(nativeHost.requests.length, 0);
});

test("a change from the panel refreshes the tab's mark", async () => {
  const { chrome, send } = setUp();
  const reply = await send({ kind: "host", action: "modify", tabId: 1,
    params: { url: "https://one.example/", op: "archive" } });
  assert.equal(reply.ok, true);
  assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
});

test("errors reach the panel as a sentence, the fix and the browser's detail", async () => {
  const { nativeHost, send } = setUp();
  nativeHost.failStart = "Specified native messaging host not found.";
  const reply = await send({ kind: "host", action: "status" });
  assert.deepEqual(reply.error, {
    code: "host_missing",
    message: "The Pocket Companion program is not installed for this browser.",
    fix: "Install it: run `pocket-companion install` in a terminal, then `pocket-companion doctor` to check.",
    detail: "Specified native messaging host not found.",
  });
});

test("the panel's save button uses the toolbar's save", async () => {
  const { chrome, send } = setUp();
  const reply = await send({ kind: "save-tab", tabId: 1 });
  assert.equal(reply.data.state, "pending");
  assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
});

test("a login outlives the panel: progress and outcome are kept and broadcast", async () => {
  const { chrome, nativeHost, send } = setUp({}, { manual: true });
  const login = send({ kind: "login", params: { server: "https://pocket.example" } });
  await flush();
  await flush();
  const [port] = nativeHost.ports;
  const request = port.sent.find((m) => m.action === "login");
  assert.deepEqual(request.params, { server: "https://pocket.example" });
  port.deliver({ id: request.id, event: "progress",
    data: { stage: "authorize", url: "https://auth/", shown_in: "browser" } });
  port.deliver({ id: request.id, event: "progress", data: { stage: "waiting", remaining: 299 } });
  await flush();
  const waiting = await send({ kind: "login-state" });
  assert.deepEqual(waiting.data, { state: "waiting", url: "https://auth/", shownIn: "browser",
    service: { name: "pocket", title: "Pocket" } });
  const again = await send({ kind: "login" });
  assert.equal(again.data.state, "waiting");
  assert.equal(port.sent.filter((m) => m.action === "login").length, 1, "one login at a time");
  port.deliver({ id: request.id, ok: true, data: { username: "ann", server: "https://pocket.example" } });
  assert.equal((await login).data.account.username, "ann");
  assert.deepEqual(chrome.runtime.broadcasts.map((m) => [m.kind, m.login.state]),
    [["login-changed", "waiting"], ["login-changed", "waiting"], ["login-changed", "done"]]);
});

test("a device login: the code is kept for the pages, with its service and expiry", async () => {
  const { chrome, nativeHost, send, clock } = setUp({}, { manual: true });
  const secrets = { token: "never-kept" };
  const login = send({ kind: "login", params: { service: "readeck", server: "https://r.example",
    fields: {}, secrets: {}, show_in: "device" } });
  await flush();
  await flush();
  const port = nativeHost.ports.at(-1);
  const request = port.sent.find((m) => m.action === "login");
  assert.deepEqual(request.params, { service: "readeck", server: "https://r.example", fields: {},
    secrets: {}, show_in: "device" }, "the params go to the host as the page gave them");
  port.deliver({ id: request.id, event: "progress", data: { stage: "device_code",
    user_code: "ABCD-EFGH", verification_uri: "https://r.example/device",
    verification_uri_complete: "https://r.example/device?user_code=ABCD-EFGH", expires_in: 600 } });
  await flush();
  const waiting = (await send({ kind: "login-state" })).data;
  assert.deepEqual(waiting, { state: "waiting", url: null,
    service: { name: "readeck", title: "Readeck" },
    device: { userCode: "ABCD-EFGH", verificationUri: "https://r.example/device",
      verificationUriComplete: "https://r.example/device?user_code=ABCD-EFGH",
      expiresAt: clock.now() + 600_000 } });
  assert.deepEqual((await send({ kind: "login-state" })).data, waiting, "a panel reopened sees it");
  assert.equal(JSON.stringify(chrome.runtime.broadcasts).includes("never-kept"), false);
  assert.equal(JSON.stringify(secrets), '{"token":"never-kept"}');
  port.deliver({ id: request.id, ok: true,
    data: { username: "ann", server: "https://r.example", service: "readeck" } });
  const done = (await login).data;
  assert.equal(done.state, "done");
  assert.deepEqual(done.service, { name: "readeck", title: "Readeck" });
});

test("a login's secrets are not kept once sent", async () => {
  const { app, nativeHost, send } = setUp({}, { manual: true });
  send({ kind: "login", params: { service: "linkding", server: "https://l.example",
    fields: {}, secrets: { token: "tok-123" } } });
  await flush();
  await flush();
  const port = nativeHost.ports.at(-1);
  assert.equal(port.sent.find((m) => m.action === "login").params.secrets.token, "tok-123");
  const calls = [...app.host.sent.values()];
  assert.equal(calls.length, 1);
  assert.equal(calls[0].params, null, "the connection forgot them");
  assert.equal(JSON.stringify(app.bridge.login).includes("tok-123"), false);
});

test("after a login to linkding the pages hide favourites; status follows the account", async () => {
  const linkding = SERVICES.find((one) => one.name === "linkding");
  let account = null;
  const { send } = setUp({
    login: () => ({ username: "ann", server: "https://l.example", service: "linkding" }),
    status: () => ({ account, pending: 0 }),
  });
  const before = await send({ kind: "host", action: "status" });
  assert.equal(before.about.service.name, "pocket");
  assert.equal(before.about.services.length, 6);
  await send({ kind: "login", params: { service: "linkding", secrets: { token: "t" } } });
  const after = await send({ kind: "host", action: "status" });
  assert.deepEqual(after.about.service, linkding);
  assert.equal(after.about.service.capabilities.includes("favorite"), false);
  account = { username: "bob", server: "https://w.example", service: "wallabag" };
  await send({ kind: "host", action: "status" }); // another program logged in meanwhile
  const next = await send({ kind: "host", action: "status" });
  assert.equal(next.about.service.name, "wallabag");
});

test("a refused field reaches the page with its name", async () => {
  const { send } = setUp({ login: () => {
    throw Object.assign(new Error("the wallabag login needs the password (your password)"),
      { code: "field_rejected", field: "password" });
  } });
  const reply = await send({ kind: "login", params: { service: "wallabag" } });
  assert.equal(reply.data.state, "failed");
  assert.deepEqual(reply.data.service, { name: "wallabag", title: "wallabag" });
  assert.equal(reply.data.error.field, "password");
  assert.equal(reply.data.error.code, "field_rejected");
  assert.equal(reply.data.error.message, "The wallabag login needs the password (your password).");
  assert.equal(reply.data.error.fix, "Correct it in the login form, then press Log in.");
});

test("a failed login is explained", async () => {
  const { send } = setUp({ login: () => {
    throw Object.assign(new Error("denied"), { code: "login_rejected" });
  } });
  const reply = await send({ kind: "login" });
  assert.equal(reply.ok, false);
  assert.equal(reply.data.state, "failed");
  assert.match(reply.data.error.message, /not approved/);
});

test("the reading list may list, count tags and change many pages; nothing else is added", async () => {
  const { nativeHost, send } = setUp();
  const listed = await send({ kind: "host", action: "list", params: { query: "tag:news" } },
    LIST_SENDER);
  assert.deepEqual(listed.data, { items: [], total: 0 });
  const tags = await send({ kind: "host", action: "tags" }, LIST_SENDER);
  assert.deepEqual(tags.data.tags, [{ name: "news", count: 2 }]);
  const changed = await send({ kind: "host", action: "modify_many",
    params: { urls: ["https://one.example/"], op: "archive" } }, LIST_SENDER);
  assert.equal(changed.data.applied, 1);
  for (const action of ["save", "save_many", "login", "hello", "no_such_action"]) {
    const refused = await send({ kind: "host", action, params: {} }, LIST_SENDER);
    assert.equal(refused.ok, false, action);
    assert.equal(refused.error.code, "invalid_request", action);
  }
  assert.deepEqual(nativeHost.actions().filter((action) => action !== "lookup"),
    ["hello", "list", "tags", "modify_many"], "(lookups: the tabs' marks after the change)");
  const web = { id: EXT_ID, url: "https://evil.example/list/list.html" };
  assert.equal(await send({ kind: "host", action: "list" }, web), "no answer",
    "a web page (even with our id claimed) is not one of ours");
});

test("a change from the reading list refreshes every tab's mark", async () => {
  const { chrome, nativeHost, send } = setUp();
  chrome.tabs.list.push({ id: 2, windowId: 1, url: "https://two.example/" });
  await send({ kind: "host", action: "modify_many",
    params: { urls: ["https://one.example/", "https://two.example/"], op: "delete" } }, LIST_SENDER);
  await flush();
  await flush();
  const looked = nativeHost.requests.filter((r) => r.action === "lookup").map((r) => r.params.url);
  assert.deepEqual(looked.sort(), ["https://one.example/", "https://two.example/"]);
});

test("the panel's links open the reading list in one tab, at a section if asked", async () => {
  const { chrome, send } = setUp();
  const page = chrome.runtime.getURL("list/list.html");
  assert.equal((await send({ kind: "open-list", section: "account" })).ok, true);
  assert.deepEqual(chrome.tabs.created, [`${page}#account`]);
  const refused = await send({ kind: "open-list", section: "javascript:alert(1)" });
  assert.equal(refused.ok, false);
  assert.deepEqual(chrome.tabs.created, [`${page}#account`]);
});

test("a login's outcome is told once: to the page open then, or to the next one", async () => {
  const { chrome, send } = setUp();
  chrome.runtime.sendMessage = async (message) => {
    chrome.runtime.broadcasts.push(message);
    throw new Error("Could not establish connection. Receiving end does not exist.");
  };
  await send({ kind: "login" }); // no page was open when it ended
  await flush();
  assert.equal((await send({ kind: "login-state" })).data.state, "done");
  assert.equal((await send({ kind: "login-state" })).data.state, "idle", "said once");
  chrome.runtime.sendMessage = async (message) => {
    chrome.runtime.broadcasts.push(message); // a panel is open and hears it
  };
  await send({ kind: "login" });
  await flush();
  assert.equal((await send({ kind: "login-state" })).data.state, "idle");
});

test("after a login, tabs that showed waiting pages show them synced, without a reload",
  async () => {
    let pending = 1;
    const lookup = () => ({ saved: true, url: "https://one.example/", tags: [], status: "unread",
      state: pending ? "pending" : "synced" });
    const { chrome, app, send, clock } = setUp({ lookup,
      status: () => ({ account: { username: "ann", server: "s" }, pending }) });
    await app.indicator.refresh(1);
    assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
    assert.match(chrome.action.tab(1).title, /no account is connected/);
    await send({ kind: "login" });
    pending = 0; // the host's background sync sent it
    await clock.advance(2_000);
    await flush();
    assert.equal(chrome.action.tab(1).text, BADGES.known.text);
    assert.match(chrome.action.tab(1).title, /Already in your reading list and on your account/);
  });

test("a logout takes back what the tooltips said about the account", async () => {
  const lookup = () => ({ saved: true, url: "https://one.example/", tags: [], status: "unread",
    state: "synced" });
  const { chrome, app, send } = setUp({ lookup,
    status: () => ({ account: { username: "ann", server: "s" }, pending: 0 }) });
  await send({ kind: "host", action: "status" });
  await app.indicator.refresh(1);
  assert.match(chrome.action.tab(1).title, /and on your account/);
  await send({ kind: "host", action: "logout" });
  await flush();
  await flush();
  assert.equal(app.host.account, null);
  assert.doesNotMatch(chrome.action.tab(1).title, /account/);
});

test("the set-up page's check: a hello round trip, at once, with the account", async () => {
  const { nativeHost, send } = setUp();
  nativeHost.failStart = "Specified native messaging host not found.";
  const missing = await send({ kind: "check-host" }, WELCOME_SENDER);
  assert.equal(missing.ok, false);
  assert.equal(missing.error.code, "host_missing");
  assert.match(missing.error.fix, /`pocket-companion install`/);
  nativeHost.failStart = null; // installed: the next check (during the back-off) finds it
  nativeHost.hello.account = { username: "ann", server: "s" };
  const found = await send({ kind: "check-host" }, WELCOME_SENDER);
  assert.equal(found.ok, true);
  assert.deepEqual(found.data.account, { username: "ann", server: "s" });
  assert.equal(found.data.service.title, "Pocket");
  assert.equal(found.about.version, "0.1.0");
});
