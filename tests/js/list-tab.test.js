import assert from "node:assert/strict";
import { test } from "node:test";

import { LIST_PAGE, ListTab } from "../../extension/lib/listtab.js";
import { fakeChrome } from "./fake-chrome.js";

function setUp() {
  const chrome = fakeChrome();
  chrome.tabs.list.push({ id: 1, windowId: 1, active: true, url: "https://one.example/" });
  const listTab = new ListTab({ tabs: chrome.tabs, windows: chrome.windows, runtime: chrome.runtime });
  return { chrome, listTab, page: chrome.runtime.getURL(LIST_PAGE) };
}

test("opening twice at once makes one tab (the second open finds it still loading)", async () => {
  const { chrome, listTab, page } = setUp();
  const [first, second] = await Promise.all([listTab.open(), listTab.open()]);
  assert.deepEqual(chrome.tabs.created, [page]);
  assert.equal(first.id, second.id);
  const third = await listTab.open(); // only its pendingUrl is known yet
  assert.equal(third.id, first.id);
  assert.deepEqual(chrome.tabs.created, [page]);
});

test("a section opens at its fragment, in a new tab or the open one (filters kept)", async () => {
  const { chrome, listTab, page } = setUp();
  await listTab.open("account");
  assert.deepEqual(chrome.tabs.created, [`${page}#account`]);
  const open = chrome.tabs.list.at(-1);
  Object.assign(open, { url: `${page}?show=all&q=rust`, pendingUrl: undefined, windowId: 7 });
  await listTab.open("account");
  assert.equal(open.url, `${page}?show=all&q=rust#account`);
  assert.equal(chrome.windows.focused, 7);
  await listTab.open();
  assert.equal(open.url, `${page}?show=all&q=rust#account`, "no section: the address is left alone");
  assert.equal(chrome.tabs.created.length, 1);
});

test("only plain section names are accepted", async () => {
  const { chrome, listTab } = setUp();
  await assert.rejects(listTab.open("x\"><script>"), /no section/);
  await assert.rejects(listTab.open("../popup/popup.html"), /no section/);
  assert.deepEqual(chrome.tabs.created, []);
});

test("another extension page or a web page with the same path is not the list", async () => {
  const { chrome, listTab, page } = setUp();
  chrome.tabs.list.push({ id: 2, windowId: 1, url: "https://evil.example/list/list.html" },
    { id: 3, windowId: 1, url: chrome.runtime.getURL("popup/popup.html") });
  const tab = await listTab.open();
  assert.deepEqual(chrome.tabs.created, [page]);
  assert.notEqual(tab.id, 2);
});
