import assert from "node:assert/strict";
import { test } from "node:test";

import { createApp } from "../../extension/lib/app.js";
import { LIBRARIES, MAX_HTML_BYTES, readPage } from "../../extension/lib/capture.js";
import { PURIFY } from "../../extension/lib/sanitize.js";
import { FakeClock, FakeNativeHost, fakeChrome, flush } from "./fake-chrome.js";

const ARTICLE = { title: "A long read", byline: "Ann", site: "Example", lang: "en", dir: "ltr",
  excerpt: "It begins.", html: "<p>It begins.</p>", text: "It begins.", words: 2 };

/**
 * The browser's `scripting`: `page(tabId)` says what `readPage` finds in that tab (an object,
 * or an Error the browser would throw, e.g. for a restricted page); `hold` keeps the page
 * busy until `release()`.
 */
function fakeScripting(log) {
  const scripting = {
    calls: [],
    page: () => ({ url: "https://one.example/", article: ARTICLE }),
    held: null,
    async executeScript(details) {
      scripting.calls.push(details);
      log.push(details.files ? "inject libraries" : "read page");
      if (details.files) return [{ result: undefined }];
      if (scripting.held) await scripting.held.promise;
      const found = scripting.page(details.target.tabId);
      if (found instanceof Error) throw found;
      return [{ frameId: 0, result: found }];
    },
    hold() {
      let release;
      const promise = new Promise((resolve) => {
        release = resolve;
      });
      scripting.held = { promise, release };
    },
    release() {
      scripting.held?.release();
      scripting.held = null;
    },
  };
  return scripting;
}

/** A background whose host keeps pages and takes captures; `log` records, in order, the
 * badge texts shown, the scripts run in the page and the host's requests. */
function setUp({ capture = true } = {}) {
  const log = [];
  const pages = new Map();
  const captures = [];
  const handlers = {
    save: ({ url }) => {
      pages.set(url, { url });
      return { state: "pending", url, status: "unread" };
    },
    save_many: ({ items }) => ({ results: items.map(({ url }) => ({ state: "pending", url,
      status: "unread" })) }),
    lookup: () => ({ saved: false }),
  };
  if (capture) {
    handlers.capture = (params) => {
      captures.push(params);
      if (!pages.has(params.url)) throw Object.assign(new Error("not saved"), { code: "not_found" });
      return params.article ? { item_id: 1, stored: true, words: params.article.words }
        : { item_id: 1, stored: false, reason: "no article" };
    };
  }
  const nativeHost = new FakeNativeHost({ handlers, events: {
    save: ({ url }) => [{ stage: "kept", state: "pending", url, status: "unread" }],
  } });
  const receive = nativeHost.receive.bind(nativeHost);
  nativeHost.receive = (message, port) => {
    log.push(`host: ${message.action}`);
    receive(message, port);
  };
  const chrome = fakeChrome(nativeHost);
  chrome.scripting = fakeScripting(log);
  const setBadgeText = chrome.action.setBadgeText;
  chrome.action.setBadgeText = (details) => {
    log.push(`badge ${details.text}`);
    return setBadgeText(details);
  };
  const clock = new FakeClock();
  const app = createApp(chrome, { clock }).listen();
  chrome.tabs.list.push(
    { id: 1, windowId: 10, active: true, url: "https://one.example/", title: "One" },
    { id: 2, windowId: 10, active: false, url: "https://two.example/", title: "Two" },
  );
  return { chrome, nativeHost, app, log, captures, clock, scripting: chrome.scripting };
}

const tab = (chrome, id) => chrome.tabs.list.find((t) => t.id === id);

async function captured(app, tabId) {
  await flush();
  await app.capturer.running.get(tabId);
  return app.capturer.outcome(tabId, "https://one.example/");
}

test("a click keeps the page first, then reads it in the page and sends the copy", async () => {
  const { chrome, app, log, captures, scripting } = setUp();
  const saved = await app.onClicked(tab(chrome, 1));
  assert.equal(saved.ok, true);
  const outcome = await captured(app, 1);
  assert.deepEqual(outcome, { url: "https://one.example/", state: "stored", words: 2 });
  const kept = log.indexOf("badge ↑");
  assert.ok(kept > log.indexOf("host: save"), log.join(", "));
  assert.ok(kept < log.indexOf("inject libraries"), "the kept badge comes before the capture");
  assert.ok(log.indexOf("inject libraries") < log.indexOf("read page"));
  assert.ok(log.indexOf("read page") < log.indexOf("host: capture"));
  assert.deepEqual(captures, [{ url: "https://one.example/", article: ARTICLE }]);
  const [libraries, reading] = scripting.calls;
  assert.deepEqual(libraries, { target: { tabId: 1 }, files: LIBRARIES });
  assert.equal(reading.func, readPage, "the page runs the module's own function");
  assert.deepEqual(reading.args[0].rules, PURIFY, "with the rules the reader view uses");
  assert.equal(reading.args[0].maxHtml, MAX_HTML_BYTES);
});

test("the save is answered and shown while the page is still being read", async () => {
  const { chrome, app, captures, scripting } = setUp();
  scripting.hold();
  const saved = await app.onClicked(tab(chrome, 1));
  assert.equal(saved.ok, true, "the save's outcome does not wait for the capture");
  assert.equal(chrome.action.tab(1).text, "↑");
  assert.equal(app.capturer.outcome(1, "https://one.example/").state, "capturing");
  assert.deepEqual(captures, []);
  scripting.release();
  assert.equal((await captured(app, 1)).state, "stored");
  assert.equal(captures.length, 1);
});

test("the shortcut and the page's menu item capture too; a link and all tabs do not",
  async () => {
    const { chrome, app, captures, scripting, nativeHost } = setUp();
    await app.onCommand("save-page", tab(chrome, 1));
    await captured(app, 1);
    await app.onMenuClicked({ menuItemId: "save-page" }, tab(chrome, 1));
    await captured(app, 1);
    assert.equal(captures.length, 2);
    const before = scripting.calls.length;
    await app.onMenuClicked({ menuItemId: "save-link", linkUrl: "https://two.example/a" },
      tab(chrome, 1));
    await app.onMenuClicked({ menuItemId: "save-all-tabs" }, tab(chrome, 1));
    await flush();
    assert.equal(scripting.calls.length, before, "no script ran for a link or a window");
    assert.equal(captures.length, 2);
    const saves = nativeHost.requests.filter((request) => request.action === "save");
    assert.deepEqual(saves.map((request) => request.params.capture ?? false),
      [true, true, false], "the host waits for a copy of the pages only, fetches the link now");
  });

test("a page without an article is sent as a link only", async () => {
  const { chrome, app, captures, scripting } = setUp();
  scripting.page = () => ({ url: "https://one.example/", article: null });
  await app.onClicked(tab(chrome, 1));
  const outcome = await captured(app, 1);
  assert.deepEqual(captures, [{ url: "https://one.example/", article: null }]);
  assert.equal(outcome.state, "none");
  assert.equal(outcome.reason, "no article");
});

test("a page the extension may not read is left quietly to the host", async () => {
  const { chrome, app, captures, scripting } = setUp();
  scripting.page = () => new Error("Cannot access contents of the page. Extension manifest " +
    "must request permission to access the respective host.");
  const saved = await app.onClicked(tab(chrome, 1));
  assert.equal(saved.ok, true);
  const outcome = await captured(app, 1);
  assert.equal(outcome.state, "skipped");
  assert.match(outcome.reason, /Cannot access/);
  assert.deepEqual(captures, []);
  assert.equal(chrome.action.tab(1).text, "↑", "the save's badge stays");
});

test("a page that moved on, or a copy over the host's limits, is not sent", async () => {
  const moved = setUp();
  moved.scripting.page = () => ({ url: "https://one.example/elsewhere", article: ARTICLE });
  await moved.app.onClicked(tab(moved.chrome, 1));
  assert.equal((await captured(moved.app, 1)).state, "skipped");
  assert.deepEqual(moved.captures, []);

  const anchor = setUp();
  anchor.scripting.page = () => ({ url: "https://one.example/#part-2", article: ARTICLE });
  await anchor.app.onClicked(tab(anchor.chrome, 1));
  assert.equal((await captured(anchor.app, 1)).state, "stored", "a #fragment is the same page");

  const large = setUp();
  large.scripting.page = () => ({ url: "https://one.example/", tooLarge: true });
  await large.app.onClicked(tab(large.chrome, 1));
  const outcome = await captured(large.app, 1);
  assert.equal(outcome.state, "skipped");
  assert.equal(outcome.reason, "too large");
  assert.deepEqual(large.captures, []);
});

test("a host without capture, or a browser without scripting, reads nothing", async () => {
  const old = setUp({ capture: false });
  await old.app.onClicked(tab(old.chrome, 1));
  assert.equal((await captured(old.app, 1)).state, "skipped");
  assert.deepEqual(old.scripting.calls, []);
  assert.ok(!old.nativeHost.actions().includes("capture"));

  const bare = setUp();
  delete bare.chrome.scripting;
  const app = createApp(bare.chrome, { clock: new FakeClock() });
  const saved = await app.saver.saveTab(tab(bare.chrome, 1));
  assert.equal(saved.ok, true);
  assert.equal(await captured(app, 1), null, "nothing was tried");
  const sent = bare.nativeHost.requests.find((request) => request.action === "save");
  assert.equal(sent.params.capture, undefined, "the host fetches the page without waiting");
});

test("a failed save captures nothing; a refused capture leaves the save as it was",
  async () => {
    const failed = setUp();
    failed.nativeHost.handlers.save = () => {
      throw Object.assign(new Error("disk full"), { code: "internal_error" });
    };
    failed.nativeHost.events.save = () => [];
    const saved = await failed.app.onClicked(tab(failed.chrome, 1));
    assert.equal(saved.ok, false);
    await flush();
    assert.deepEqual(failed.scripting.calls, []);

    const refused = setUp();
    refused.nativeHost.handlers.capture = () => {
      throw Object.assign(new Error("'article.html' is larger than 8 MiB"),
        { code: "invalid_params" });
    };
    await refused.app.onClicked(tab(refused.chrome, 1));
    const outcome = await captured(refused.app, 1);
    assert.equal(outcome.state, "failed");
    assert.equal(refused.chrome.action.tab(1).text, "↑");
  });

test("a page that never answers is given up after 30 seconds", async () => {
  const { chrome, app, clock, scripting, captures } = setUp();
  scripting.hold();
  await app.onClicked(tab(chrome, 1));
  await flush();
  await clock.advance(30_000);
  const outcome = await captured(app, 1);
  assert.equal(outcome.state, "skipped");
  assert.match(outcome.reason, /too long/);
  scripting.release();
  await flush();
  assert.deepEqual(captures, []);
});

test("the panel is told how the capture went, and can ask for it", async () => {
  const { chrome, app } = setUp();
  await app.onClicked(tab(chrome, 1));
  await captured(app, 1);
  const told = chrome.runtime.broadcasts.filter((m) => m.kind === "capture-changed");
  assert.deepEqual(told.map((m) => [m.tabId, m.capture.state]), [[1, "capturing"], [1, "stored"]]);
  const reply = await new Promise((respond) => app.bridge.onMessage(
    { kind: "capture-state", tabId: 1 },
    { id: chrome.runtime.id, url: chrome.runtime.getURL("popup/popup.html") }, respond));
  assert.deepEqual(reply, { ok: true, data: { url: "https://one.example/", state: "stored",
    words: 2 } });
  chrome.tabs.list[0].url = "https://one.example/next";
  const after = await new Promise((respond) => app.bridge.onMessage(
    { kind: "capture-state", tabId: 1 },
    { id: chrome.runtime.id, url: chrome.runtime.getURL("popup/popup.html") }, respond));
  assert.equal(after.data, null, "another page in the tab has no capture");
});
