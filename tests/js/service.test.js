import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { fakeDocument, hidingSelectors, isHidden } from "./fake-dom.js";
import { POCKET_SERVICE } from "./fake-chrome.js";

const document = fakeDocument();
const { commandFor, helpRows } = await import("../../extension/list/keys.js");
const { renderRow } = await import("../../extension/list/rows.js");
const { syncedLine } = await import("../../extension/list/account.js");
const { AccountPanel } = await import("../../extension/popup/account.js");
const service = await import("../../extension/lib/service.js");

const LIST_CSS = new URL("../../extension/list/list.css", import.meta.url);
const POPUP_CSS = new URL("../../extension/popup/popup.css", import.meta.url);
const NO_FAVORITES = { ...POCKET_SERVICE, name: "plain", title: "Plain",
  capabilities: ["archive", "delete", "tags"] };
const item = { url: "https://x.example/1", title: "One", tags: ["news"], status: "unread",
  favorite: false, state: "synced", saved_at: "2024-01-02T00:00:00Z" };

test("a service without favourites hides the rows' favourite controls, and only those", () => {
  const hiding = hidingSelectors(LIST_CSS);
  const root = document.createElement("html");
  const row = renderRow(item, { now: new Date("2024-02-01") });
  root.append(row);
  const control = (action) => row.querySelector(`[data-action="${action}"]`);
  service.showCapabilities(root, POCKET_SERVICE);
  for (const action of ["archive", "favorite", "tags", "delete"]) {
    assert.equal(isHidden(control(action), hiding), false, `Pocket can ${action}`);
  }
  service.showCapabilities(root, NO_FAVORITES);
  assert.equal(root.dataset.lacks, "favorite");
  assert.equal(isHidden(control("favorite"), hiding), true, "no favourite button");
  for (const action of ["archive", "tags", "delete", "open", "pick"]) {
    assert.equal(isHidden(control(action), hiding), false, action);
  }
  service.showCapabilities(root, { ...POCKET_SERVICE, capabilities: [] });
  for (const action of ["archive", "favorite", "tags", "delete"]) {
    assert.equal(isHidden(control(action), hiding), true, `no ${action}`);
  }
  assert.equal(isHidden(row.querySelector('[data-tag="news"]'), hiding), true, "no tags shown");
  service.showCapabilities(root, undefined); // an older host: every control stays
  assert.equal(isHidden(control("favorite"), hiding), false);
});

test("a service without favourites: the list's favourite controls are marked and its key is off", () => {
  const html = readFileSync(new URL("../../extension/list/list.html", import.meta.url), "utf8");
  const tags = (pattern) => [...html.matchAll(/<(?:button|label)\b[^>]*>/g)].map(([tag]) => tag)
    .filter((tag) => pattern.test(tag));
  const bulk = tags(/data-bulk="(un)?favorite"/);
  assert.equal(bulk.length, 2);
  for (const tag of bulk) assert.match(tag, /data-needs="favorite"/);
  assert.match(html, /<label data-needs="favorite"><input type="radio" name="filter" value="favorites">/);
  // the rule that hides them, in both pages' CSS
  for (const css of [LIST_CSS, POPUP_CSS]) {
    assert.ok(hidingSelectors(css).includes('[data-lacks~="favorite"] [data-needs="favorite"]'));
  }
  const lacks = service.lacking(NO_FAVORITES);
  assert.deepEqual(lacks, ["favorite"]);
  const key = (name) => ({ key: name, target: { tagName: "BODY" } });
  assert.equal(commandFor(key("f"), { lacks }), null, "f does nothing");
  assert.equal(commandFor(key("f")), "favorite");
  assert.equal(commandFor(key("a"), { lacks }), "archive");
  assert.equal(helpRows().find(([keys]) => keys.includes("f"))[2], "favorite");
});

test("the panel's controls name what they need", () => {
  const html = readFileSync(new URL("../../extension/popup/popup.html", import.meta.url), "utf8");
  for (const [id, needs] of [["archive", "archive"], ["favorite", "favorite"],
    ["remove", "delete"], ["tags", "tags"], ["tag-form", "tags"]]) {
    assert.match(html, new RegExp(`id="${id}"[^>]*data-needs="${needs}"`), id);
  }
});

test("a sync says what came from the account, singular or plural", () => {
  const panel = new AccountPanel({});
  panel.service = POCKET_SERVICE;
  assert.equal(panel.synced({ synced: 3, pending: 0, pulled: 12 }),
    "Synced: 3 changes sent, 12 pages came from your Pocket account.");
  assert.equal(panel.synced({ synced: 1, pending: 0, pulled: 1 }),
    "Synced: 1 change sent, 1 page came from your Pocket account.");
  assert.equal(panel.synced({ synced: 2, pending: 1, pulled: 0 }),
    "Synced: 2 changes sent. 1 page waits to be sent to your account.");
  assert.equal(syncedLine({ synced: 3, pending: 0, pulled: 12 }, POCKET_SERVICE),
    "Synced 3 pages; 12 pages came from your Pocket account.");
  assert.equal(syncedLine({ synced: 0, pending: 2, pulled: 1 }, POCKET_SERVICE),
    "Synced 0 pages; 1 page came from your Pocket account; 2 pages still waiting.");
  assert.equal(syncedLine({ synced: 1, pending: 0 }, null), "Synced 1 page.");
  assert.equal(service.cameIn(2, null), "2 pages came from your account");
});
