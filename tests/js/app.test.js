import assert from "node:assert/strict";
import { test } from "node:test";

import { MENUS, createApp } from "../../extension/lib/app.js";
import { BADGES, PANEL } from "../../extension/lib/feedback.js";
import { HostConnection } from "../../extension/lib/native.js";
import { FakeClock, FakeNativeHost, fakeChrome, flush } from "./fake-chrome.js";

/** A background on a fake browser, with a host keeping a little reading list. */
function setUp({ account = false } = {}) {
  const list = new Map();
  const state = account ? "synced" : "pending";
  const check = (url) => {
    if (!/^https?:/.test(url)) {
      throw Object.assign(new Error("not a web page"), { code: "invalid_url" });
    }
  };
  const store = ({ url, title }) => {
    check(url);
    const known = list.get(url);
    list.set(url, { url, title: title || known?.title || "", tags: [], state,
      status: known?.status ?? "unread" });
    return { state, url, status: list.get(url).status, ...(account ? { item_id: "1" } : {}) };
  };
  const each = (items, one) => items.map((item) => {
    try {
      return one(item);
    } catch (error) {
      return { error: { code: error.code, message: error.message, retryable: false } };
    }
  });
  const kept = ({ url }) => ({ state: "pending", url, status: list.get(url)?.status ?? "unread" });
  const nativeHost = new FakeNativeHost({
    handlers: {
      save: store,
      save_many: ({ items }) => ({ results: each(items, store) }),
      lookup: ({ url }) => (list.has(url) ? { saved: true, ...list.get(url) } : { saved: false }),
      modify: ({ url, op }) => {
        if (op === "delete") list.delete(url);
        return { item: list.get(url) ?? null };
      },
      status: () => ({ account: null, pending: list.size }),
    },
    events: {
      save: (params) => [{ stage: "kept", ...(check(params.url), kept(params)) }],
      save_many: ({ items }) => [{ stage: "kept", results: each(items, (item) => {
        check(item.url);
        return kept(item);
      }) }],
    },
  });
  if (account) nativeHost.hello.account = { username: "ann", server: "https://pocket.example" };
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
const texts = (chrome, tabId) => chrome.action.log
  .filter(([field, id]) => field === "text" && id === tabId).map(([, , text]) => text);

test("a click asks the host first, shows kept on this computer at once, then the outcome",
  async () => {
    const { chrome, nativeHost, list } = setUp();
    const connectsAtFirstBadge = [];
    const setBadgeText = chrome.action.setBadgeText;
    chrome.action.setBadgeText = (details) => {
      connectsAtFirstBadge.push(chrome.runtime.connects);
      return setBadgeText(details);
    };
    await Promise.all(chrome.action.onClicked.dispatch(tab(chrome, 1)));
    assert.equal(connectsAtFirstBadge[0], 1, "the host was started before the badge changed");
    assert.deepEqual(texts(chrome, 1), ["…", "↑", "↑"]);
    assert.deepEqual(nativeHost.actions(), ["hello", "save"]);
    assert.deepEqual(nativeHost.requests[1].params, { url: "https://one.example/", title: "One" });
    assert.ok(list.has("https://one.example/"));
    const shown = chrome.action.tab(1);
    assert.match(shown.title,
      /Kept this page on this computer, not yet on your account\. No account is connected/);
    assert.equal(shown.color, BADGES.waiting.color);
    assert.equal(shown.popup, PANEL, "the next click opens the panel for tags, archive, remove");
  });

test("the kept state shows before the server answers; the outcome replaces it", async () => {
  const { chrome, nativeHost, app } = setUp({ account: true });
  nativeHost.manual = true;
  const saving = app.onClicked(tab(chrome, 1));
  await flush();
  await flush();
  const [port] = nativeHost.ports;
  const save = port.sent.find((m) => m.action === "save");
  port.deliver({ id: save.id, event: "progress",
    data: { stage: "kept", state: "pending", url: "https://one.example/", status: "unread" } });
  await flush();
  assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
  assert.match(chrome.action.tab(1).title, /Kept this page on this computer; sending it to your/);
  port.deliver({ id: save.id, ok: true, data: { state: "synced", url: "https://one.example/",
    status: "unread", item_id: "9" } });
  await saving;
  assert.equal(chrome.action.tab(1).text, BADGES.saved.text);
  assert.equal(chrome.action.tab(1).color, BADGES.saved.color);
  assert.match(chrome.action.tab(1).title, /Saved this page to your account/);
});

test("a page that waits says why: the server's problem, or a sync to come", async () => {
  const warned = setUp({ account: true });
  warned.nativeHost.handlers.save = ({ url }) => ({ state: "pending", url, status: "unread",
    warning: { code: "service_unavailable", message: "HTTP 503", retryable: true } });
  await warned.app.onClicked(tab(warned.chrome, 1));
  assert.match(warned.chrome.action.tab(1).title, /not yet on your account\. The server cannot be reached/);
  assert.equal(warned.chrome.action.tab(1).text, BADGES.waiting.text);

  const bad = setUp();
  const result = await bad.app.onClicked(tab(bad.chrome, 3));
  assert.equal(result.error.code, "invalid_url");
  const shown = bad.chrome.action.tab(3);
  assert.equal(shown.text, "!");
  assert.match(shown.title, /Could not save this page\. Only web pages/);
  assert.equal(bad.chrome.runtime.connects, 0, "a chrome:// page is refused without the host");
});

test("the badge states differ in glyph and colour; white text has 4.5:1 on each", () => {
  const states = Object.values(BADGES);
  assert.equal(new Set(states.map((badge) => badge.text)).size, states.length);
  assert.equal(new Set(states.map((badge) => badge.color)).size, states.length);
  const luminance = (hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  for (const badge of states) {
    assert.ok(1.05 / (luminance(badge.color) + 0.05) >= 4.5, badge.color);
  }
});

test("a missing host tells the user what to run, without Markdown in the tooltip", async () => {
  const { chrome, nativeHost, app } = setUp();
  nativeHost.failStart = "Specified native messaging host not found.";
  await app.onClicked(tab(chrome, 1));
  const { text, title } = chrome.action.tab(1);
  assert.equal(text, "!");
  assert.match(title, /not installed for this browser.*“pocket-companion install”.*“pocket-companion doctor”/);
  assert.doesNotMatch(title, /`/);
});

test("when the host answers again, the tabs' marks and stale errors are read again",
  async () => {
    const { chrome, nativeHost, clock, app, list } = setUp();
    nativeHost.failStart = "Specified native messaging host not found.";
    await app.onClicked(tab(chrome, 1));
    await app.indicator.refresh(2);
    assert.equal(chrome.action.tab(1).text, "!");
    list.set("https://two.example/", { url: "https://two.example/", tags: [], state: "pending",
      status: "unread" });
    nativeHost.failStart = null;
    await clock.advance(1_000);
    await app.indicator.refresh(4); // any request that reaches the host
    await flush();
    await flush();
    assert.equal(chrome.action.tab(1).text, "", "the error is gone: the page can be saved");
    assert.equal(chrome.action.tab(2).text, BADGES.waiting.text, "a mark missed meanwhile");
  });

test("a new background clears errors a former one left on the tabs", async () => {
  const { chrome, app, list } = setUp();
  list.set("https://one.example/", { url: "https://one.example/", tags: [], state: "pending",
    status: "unread" });
  await chrome.action.setBadgeText({ tabId: 1, text: "!" }); // before the worker stopped
  await app.indicator.refresh(4); // the new worker's first request
  await flush();
  await flush();
  assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
});

test("the link menu saves the link, its text only as a title to fill in", async () => {
  const { chrome, nativeHost, clock, app, list } = setUp();
  list.set("https://one.example/", { url: "https://one.example/", tags: [], state: "pending",
    status: "unread" });
  await Promise.all(chrome.contextMenus.onClicked.dispatch({ menuItemId: "save-link",
    linkUrl: "https://linked.example/post", linkText: "A post", pageUrl: "https://one.example/" },
  tab(chrome, 1)));
  const saves = () => nativeHost.requests.filter((r) => r.action === "save");
  assert.deepEqual(saves()[0].params,
    { url: "https://linked.example/post", title: "A post", keep_title: true });
  assert.match(chrome.action.tab(1).title, /Kept the link on this computer/);
  assert.doesNotMatch(chrome.action.tab(1).title, /Click the button again/);
  await clock.advance(4_000);
  assert.match(chrome.action.tab(1).title, /In your reading list/);
  await app.onMenuClicked({ menuItemId: "save-link", linkUrl: "https://linked.example/bare" },
    tab(chrome, 1));
  assert.deepEqual(saves()[1].params, { url: "https://linked.example/bare" },
    "Chromium gives no link text: no title, the stored one stays");
});

test("the page menu saves the page", async () => {
  const { chrome, nativeHost, app } = setUp();
  await app.onMenuClicked({ menuItemId: "save-page", pageUrl: "https://two.example/" },
    tab(chrome, 2));
  assert.equal(nativeHost.requests.at(-1).params.url, "https://two.example/");
});

test("save all tabs: one save_many, each tab's state, green only once on the account",
  async () => {
    const { chrome, nativeHost, app } = setUp();
    await app.onMenuClicked({ menuItemId: "save-all-tabs" }, tab(chrome, 1));
    const batches = nativeHost.requests.filter((r) => r.action === "save_many");
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0].params.items.map((i) => i.url),
      ["https://one.example/", "https://two.example/", "chrome://settings/"]);
    assert.equal(nativeHost.actions().filter((a) => a === "save").length, 0);
    assert.deepEqual(texts(chrome, 2), ["↑", "↑"], "kept at once, then the outcome");
    assert.equal(chrome.action.tab(3).text, undefined, "an error is said once, in the summary");
    assert.equal(chrome.action.tab(4).text, undefined, "another window is left alone");
    assert.equal(chrome.action.tab(1).text, BADGES.waiting.text, "not green: nothing reached an account");
    assert.equal(chrome.action.tab(1).title, "Pocket Companion: Saved 2 of 3 tabs in this window:" +
      " 2 kept on this computer for now. No account is connected: log in from the panel to sync" +
      " them. 1 tab not saved: Only web pages (http and https addresses) can be saved.");

    const synced = setUp({ account: true });
    synced.list.set("https://two.example/", { url: "https://two.example/", tags: [],
      state: "synced", status: "archived" });
    await synced.app.onMenuClicked({ menuItemId: "save-all-tabs" }, tab(synced.chrome, 1));
    assert.equal(synced.chrome.action.tab(1).text, BADGES.saved.text);
    assert.equal(synced.chrome.action.tab(2).text, BADGES.archived.text, "left archived");
    assert.match(synced.chrome.action.tab(1).title,
      /Saved 2 of 3 tabs in this window: 1 on your account, 1 already archived/);
  });

test("the shortcut saves the tab it is given, or the active tab", async () => {
  const { chrome, nativeHost, app } = setUp();
  await Promise.all(chrome.commands.onCommand.dispatch("save-page", tab(chrome, 2)));
  await app.onCommand("save-page", undefined);
  assert.equal(await app.onCommand("something-else", tab(chrome, 2)), null);
  const saved = nativeHost.requests.filter((r) => r.action === "save").map((r) => r.params.url);
  assert.deepEqual(saved, ["https://two.example/", "https://one.example/"]);
});

test("tabs whose page is in the list are marked: known, archived or waiting", async () => {
  const { chrome, nativeHost, app, list } = setUp({ account: true });
  list.set("https://two.example/", { url: "https://two.example/", tags: [], state: "synced",
    status: "archived" });
  list.set("https://other-window.example/", { url: "https://other-window.example/", tags: [],
    state: "synced", status: "unread" });
  await Promise.all(chrome.tabs.onUpdated.dispatch(2, { status: "complete" }));
  await app.indicator.refresh(4);
  assert.equal(chrome.action.tab(2).text, BADGES.archived.text);
  assert.match(chrome.action.tab(2).title, /Archived in your reading list/);
  assert.equal(chrome.action.tab(2).popup, PANEL);
  assert.equal(chrome.action.tab(4).text, BADGES.known.text);
  assert.match(chrome.action.tab(4).title, /Already in your reading list and on your account/);
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

test("install opens the set-up page once; start-up creates the menus and marks tabs",
  async () => {
    const { chrome, list } = setUp();
    list.set("https://one.example/", { url: "https://one.example/", tags: [], state: "synced" });
    chrome.contextMenus.items.push({ id: "left-over" });
    await Promise.all(chrome.runtime.onStartup.dispatch());
    assert.deepEqual(chrome.contextMenus.items, MENUS);
    assert.deepEqual(MENUS.map((m) => [m.id, m.contexts]), [
      ["save-page", ["page"]], ["save-link", ["link"]], ["save-all-tabs", ["action"]],
      ["open-list", ["action"]], ["open-welcome", ["action"]]]);
    assert.equal(chrome.action.tab(1).text, BADGES.known.text);
    assert.deepEqual(chrome.tabs.created, [], "nothing opens at start-up");
    await Promise.all(chrome.runtime.onInstalled.dispatch({ reason: "update" }));
    assert.deepEqual(chrome.tabs.created, [], "nor after an update");
    await Promise.all(chrome.runtime.onInstalled.dispatch({ reason: "install" }));
    assert.deepEqual(chrome.tabs.created, [chrome.runtime.getURL("welcome/welcome.html")]);
    assert.equal(chrome.contextMenus.items.length, 5);
  });

test("the toolbar menu opens the set-up page, in one tab", async () => {
  const { chrome, app } = setUp();
  await app.onMenuClicked({ menuItemId: "open-welcome" }, tab(chrome, 1));
  const page = chrome.runtime.getURL("welcome/welcome.html");
  Object.assign(chrome.tabs.list.at(-1), { url: page, pendingUrl: undefined });
  await app.onMenuClicked({ menuItemId: "open-welcome" }, tab(chrome, 1));
  assert.deepEqual(chrome.tabs.created, [page]);
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

test("a lookup started before a save does not undo the save's badge", async () => {
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
  assert.equal(chrome.action.tab(1).text, BADGES.waiting.text);
  assert.match(chrome.action.tab(1).title, /Kept this page/);
});

test("a tab's mark waits while its save is in flight", async () => {
  const { chrome, nativeHost, app } = setUp();
  nativeHost.manual = true;
  const save = app.onClicked(tab(chrome, 1));
  await flush();
  await flush();
  const marked = app.indicator.refresh(1); // the page finished loading meanwhile
  await flush();
  assert.equal(nativeHost.requests.filter((r) => r.action === "lookup").length, 0);
  const [port] = nativeHost.ports;
  const saving = port.sent.find((m) => m.action === "save");
  port.deliver({ id: saving.id, ok: true, data: { state: "pending", url: "https://one.example/" } });
  await Promise.all([save, marked]);
  assert.deepEqual(texts(chrome, 1), ["…", "↑"]);
});
