import assert from "node:assert/strict";
import { test } from "node:test";

import { MENUS, createApp } from "../../extension/lib/app.js";
import { PANEL } from "../../extension/lib/feedback.js";
import { HostConnection } from "../../extension/lib/native.js";
import { FakeClock, FakeNativeHost, fakeChrome, flush } from "./fake-chrome.js";

/** A background on a fake browser, with a host keeping a little reading list. */
function setUp({ account = false } = {}) {
  const list = new Map();
  const state = account ? "synced" : "pending";
  const store = ({ url, title }) => {
    if (!/^https?:/.test(url)) {
      throw Object.assign(new Error("not a web page"), { code: "invalid_url" });
    }
    list.set(url, { url, title: title ?? "", tags: [], state, status: "unread" });
    return { state, url, ...(account ? { item_id: "1" } : {}) };
  };
  const nativeHost = new FakeNativeHost({ handlers: {
    save: store,
    save_many: ({ items }) => ({ results: items.map((item) => {
      try {
        return store(item);
      } catch (error) {
        return { error: { code: error.code, message: error.message, retryable: false } };
      }
    }) }),
    lookup: ({ url }) => (list.has(url) ? { saved: true, ...list.get(url) } : { saved: false }),
    modify: ({ url, op }) => {
      if (op === "delete") list.delete(url);
      return { item: list.get(url) ?? null };
    },
    status: () => ({ account: null, pending: list.size }),
  } });
  const chrome = fakeChrome(nativeHost);
  const clock = new FakeClock();
  const app = createApp(chrome, { clock }).listen();
  chrome.tabs.list.push(
    { id: 1, windowId: 10, active: true, url: "https://one.example/", title: "One" },
    { id: 2, windowId: 10, active: false, url: "https://two.example/", title: "Two" },
    { id: 3, windowId: 10, active: false, url: "chrome://settings/", title: "Settings" },
    { id: 4, windowId: 20, active: true, url: "https://other-window.example/", title: "Other" },
  );
  return { chrome, nativeHost, clock, app, list };
}

const tab = (chrome, id) => chrome.tabs.list.find((t) => t.id === id);

test("a toolbar click saves the tab at once and shows working, then saved", async () => {
  const { chrome, nativeHost, list } = setUp();
  await Promise.all(chrome.action.onClicked.dispatch(tab(chrome, 1)));
  const texts = chrome.action.log.filter(([field, id]) => field === "text" && id === 1);
  assert.deepEqual(texts.map(([, , text]) => text), ["…", "✓"]);
  assert.deepEqual(nativeHost.actions(), ["hello", "save"]);
  assert.deepEqual(nativeHost.requests[1].params, { url: "https://one.example/", title: "One" });
  assert.ok(list.has("https://one.example/"));
  const shown = chrome.action.tab(1);
  assert.match(shown.title, /on this computer.*No account is connected.*Click the button again/);
  assert.equal(shown.color, "#b45309");
  assert.equal(shown.popup, PANEL, "the next click opens the panel for tags, archive, remove");
});

test("a synced save, a save with a warning and a failed save read differently", async () => {
  const synced = setUp({ account: true });
  await synced.app.onClicked(tab(synced.chrome, 1));
  assert.match(synced.chrome.action.tab(1).title, /Saved this page to your Pocket account/);
  assert.equal(synced.chrome.action.tab(1).color, "#15803d");

  const warned = setUp();
  warned.nativeHost.handlers.save = ({ url }) => ({ state: "pending", url,
    warning: { code: "service_unavailable", message: "HTTP 503", retryable: true } });
  await warned.app.onClicked(tab(warned.chrome, 1));
  assert.match(warned.chrome.action.tab(1).title, /cannot be reached right now/);

  const bad = setUp();
  const result = await bad.app.onClicked(tab(bad.chrome, 3));
  assert.equal(result.error.code, "invalid_url");
  const shown = bad.chrome.action.tab(3);
  assert.equal(shown.text, "!");
  assert.match(shown.title, /Could not save this page\. Only web pages/);
  assert.doesNotMatch(shown.title, /not a web page/, "the clear text, not the raw error");
});

test("a missing host tells the user what to run", async () => {
  const { chrome, nativeHost, app } = setUp();
  nativeHost.failStart = "Specified native messaging host not found.";
  await app.onClicked(tab(chrome, 1));
  const { text, title } = chrome.action.tab(1);
  assert.equal(text, "!");
  assert.match(title, /not installed for this browser.*`pocket-companion install`.*`pocket-companion doctor`/);
});

test("the link menu saves the link, not the page, and the page's own mark comes back", async () => {
  const { chrome, nativeHost, clock, app, list } = setUp();
  list.set("https://one.example/", { url: "https://one.example/", tags: [], state: "pending" });
  await Promise.all(chrome.contextMenus.onClicked.dispatch({ menuItemId: "save-link",
    linkUrl: "https://linked.example/post", linkText: "A post", pageUrl: "https://one.example/" },
  tab(chrome, 1)));
  const save = nativeHost.requests.find((r) => r.action === "save");
  assert.deepEqual(save.params, { url: "https://linked.example/post", title: "A post" });
  assert.match(chrome.action.tab(1).title, /Saved the link on this computer/);
  await clock.advance(4_000);
  assert.match(chrome.action.tab(1).title, /Already in your reading list/);
});

test("the page menu saves the page", async () => {
  const { chrome, nativeHost, app } = setUp();
  await app.onMenuClicked({ menuItemId: "save-page", pageUrl: "https://two.example/" },
    tab(chrome, 2));
  assert.equal(nativeHost.requests.at(-1).params.url, "https://two.example/");
});

test("save all tabs sends the window's tabs as one save_many and marks each", async () => {
  const { chrome, nativeHost, app } = setUp();
  await app.onMenuClicked({ menuItemId: "save-all-tabs" }, tab(chrome, 1));
  const batches = nativeHost.requests.filter((r) => r.action === "save_many");
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0].params.items.map((i) => i.url),
    ["https://one.example/", "https://two.example/", "chrome://settings/"]);
  assert.equal(nativeHost.actions().filter((a) => a === "save").length, 0);
  assert.equal(chrome.action.tab(2).text, "✓");
  assert.equal(chrome.action.tab(3).text, undefined);
  assert.equal(chrome.action.tab(4).text, undefined, "another window is left alone");
  assert.match(chrome.action.tab(1).title,
    /Saved 2 of 3 tabs in this window\. 2 wait .* 1 not saved: Only web pages/);
});

test("the shortcut saves the tab it is given, or the active tab", async () => {
  const { chrome, nativeHost, app } = setUp();
  await Promise.all(chrome.commands.onCommand.dispatch("save-page", tab(chrome, 2)));
  await app.onCommand("save-page", undefined);
  assert.equal(await app.onCommand("something-else", tab(chrome, 2)), null);
  const saved = nativeHost.requests.filter((r) => r.action === "save").map((r) => r.params.url);
  assert.deepEqual(saved, ["https://two.example/", "https://one.example/"]);
});

test("tabs whose page is in the list are marked; others are cleared or skipped", async () => {
  const { chrome, nativeHost, app, list } = setUp();
  list.set("https://two.example/", { url: "https://two.example/", tags: [], state: "synced",
    status: "archived" });
  await Promise.all(chrome.tabs.onUpdated.dispatch(2, { status: "complete" }));
  assert.equal(chrome.action.tab(2).text, "✓");
  assert.match(chrome.action.tab(2).title, /Already in your reading list \(synced .*archived\)/);
  assert.equal(chrome.action.tab(2).popup, PANEL);
  await app.indicator.onUpdated(1, { url: "https://one.example/" });
  assert.equal(chrome.action.tab(1).text, "");
  assert.equal(chrome.action.tab(1).popup, "");
  const lookups = nativeHost.requests.filter((r) => r.action === "lookup").length;
  await app.indicator.onUpdated(3, { status: "complete" });
  assert.equal(app.indicator.onUpdated(2, { title: "new title" }), null);
  assert.equal(nativeHost.requests.filter((r) => r.action === "lookup").length, lookups,
    "no lookup for a chrome:// page or a title change");
});

test("a tab that moved on during its lookup is not marked", async () => {
  const { chrome, app, list } = setUp();
  list.set("https://two.example/", { url: "https://two.example/", tags: [], state: "synced" });
  const refresh = app.indicator.refresh(2);
  await flush();
  tab(chrome, 2).url = "https://elsewhere.example/";
  await refresh;
  assert.equal(chrome.action.tab(2).text, undefined);
});

test("install and start-up create the four menus and mark the open tabs", async () => {
  const { chrome, list } = setUp();
  list.set("https://one.example/", { url: "https://one.example/", tags: [], state: "synced" });
  chrome.contextMenus.items.push({ id: "left-over" });
  await Promise.all(chrome.runtime.onStartup.dispatch());
  assert.deepEqual(chrome.contextMenus.items, MENUS);
  assert.deepEqual(MENUS.map((m) => [m.id, m.contexts]), [
    ["save-page", ["page"]], ["save-link", ["link"]], ["save-all-tabs", ["action"]],
    ["open-list", ["action"]]]);
  assert.equal(MENUS.at(-1).title, "Open reading list");
  assert.equal(chrome.action.tab(1).text, "✓");
  await Promise.all(chrome.runtime.onInstalled.dispatch({ reason: "install" }));
  assert.equal(chrome.contextMenus.items.length, 4);
});

test("the toolbar menu and the second shortcut open the reading list, in one tab", async () => {
  const { chrome, nativeHost, app } = setUp();
  const page = chrome.runtime.getURL("list/list.html");
  await Promise.all(chrome.contextMenus.onClicked.dispatch({ menuItemId: "open-list" }, tab(chrome, 1)));
  assert.deepEqual(chrome.tabs.created, [page]);
  await flush();
  assert.deepEqual(nativeHost.actions(), ["hello"], "the host starts while the tab opens");
  const listTab = chrome.tabs.list.at(-1);
  Object.assign(listTab, { url: `${page}?show=archived`, pendingUrl: undefined, windowId: 20,
    active: false });
  await Promise.all(chrome.commands.onCommand.dispatch("open-list", tab(chrome, 1)));
  assert.deepEqual(chrome.tabs.created, [page], "no second tab");
  assert.equal(listTab.active, true);
  assert.equal(listTab.url, `${page}?show=archived`, "its filters are kept");
  assert.equal(chrome.windows.focused, 20, "and its window comes to the front");
  assert.deepEqual(await app.onCommand("open-list"), await app.listTab.open());
  assert.equal(nativeHost.actions().filter((action) => action === "save").length, 0,
    "opening the list saves nothing");
});

test("one HostConnection serves every listener", async () => {
  const { chrome, app } = setUp();
  assert.ok(app.host instanceof HostConnection);
  await app.onClicked(tab(chrome, 1));
  await app.indicator.refresh(2);
  await app.onMenuClicked({ menuItemId: "save-all-tabs" }, tab(chrome, 1));
  assert.equal(chrome.runtime.connects, 1);
});

test("a lookup that was overtaken by a save does not undo the save's badge", async () => {
  const { chrome, nativeHost, app } = setUp();
  nativeHost.manual = true;
  const refresh = app.indicator.refresh(1); // the page finished loading: not saved yet
  await flush();
  const save = app.onClicked(tab(chrome, 1)); // and the person clicks at once
  await flush();
  await flush();
  const [port] = nativeHost.ports;
  const lookup = port.sent.find((m) => m.action === "lookup");
  const saving = port.sent.find((m) => m.action === "save");
  port.deliver({ id: saving.id, ok: true, data: { state: "pending", url: "https://one.example/" } });
  await save;
  port.deliver({ id: lookup.id, ok: true, data: { saved: false } });
  await refresh;
  assert.equal(chrome.action.tab(1).text, "✓");
  assert.match(chrome.action.tab(1).title, /Saved this page/);
});
