import assert from "node:assert/strict";
import { test } from "node:test";

import { Changes, report, toggleOp } from "../../extension/list/actions.js";
import { applyOp } from "../../extension/list/bulk.js";
import { initialQuery } from "../../extension/list/query.js";
import { Selection } from "../../extension/list/selection.js";
import { UNDO_MS, UndoOffer } from "../../extension/list/undo.js";
import { FakeClock, flush } from "./fake-chrome.js";

const item = (n, change = {}) => ({ url: `https://x.example/${n}`, title: `Page ${n}`, tags: [],
  status: "unread", favorite: false, state: "synced", ...change });

/** The rows on screen without a DOM: the same calls list/results.js answers. */
class FakeResults {
  constructor(items) {
    this.order = items.map((i) => i.url);
    this.items = new Map(items.map((i) => [i.url, i]));
    this.current = this.order[0];
  }

  update(changed) {
    this.items.set(changed.url, changed);
  }

  remove(url) {
    const index = this.order.indexOf(url);
    const removed = this.items.get(url);
    this.order.splice(index, 1);
    this.items.delete(url);
    return { item: removed, index };
  }

  insert(back, index) {
    this.order.splice(index, 0, back.url);
    this.items.set(back.url, back);
  }

  markAll() {}
}

/** A host whose replies the test releases (`manual`) or that answers at once. */
function setUp({ manual = false, count = 6, query = initialQuery() } = {}) {
  const clock = new FakeClock();
  const requests = [];
  const results = new FakeResults(Array.from({ length: count }, (_, n) => item(n)));
  const said = [];
  const changed = [];
  const selection = new Selection();
  const pager = { total: count, removed(n) {
    this.total -= n;
  } };
  const answer = ({ action, params }) => {
    if (action === "modify") {
      const known = results.items.get(params.url) ?? item(Number(params.url.split("/").pop()));
      return { item: params.op === "restore" ? known : applyOp(known, params.op, params.tags) };
    }
    if (action === "modify_many") return { results: params.urls.map((url) => ({ url, ok: true })) };
    const items = Array.from({ length: Math.min(params.limit, 2500 - params.offset) },
      (_, i) => item(params.offset + i));
    const end = params.offset + items.length;
    return { items, total: 2500, ...(end < 2500 ? { next_offset: end } : {}) };
  };
  const client = { ask: (action, params) => new Promise((resolve) => {
    const request = { action, params, reply: () => resolve(answer(request)) };
    requests.push(request);
    if (!manual) request.reply();
  }) };
  const changes = new Changes({ client, results, selection, pager, undo: new UndoOffer(clock),
    notices: { say: (text, options = {}) => said.push({ text, ...options }) },
    query: () => query, afterChange: async (op, options) => changed.push([op, options]) });
  return { clock, requests, results, said, changed, selection, pager, changes };
}

test("a toggle key archives or moves back, favourites or unfavourites, as the pages are", () => {
  const unread = item(1);
  const archived = item(2, { status: "archived", favorite: true });
  assert.equal(toggleOp("archive", [unread, archived], initialQuery()), "archive");
  assert.equal(toggleOp("archive", [archived], initialQuery()), "readd");
  assert.equal(toggleOp("favorite", [archived], initialQuery()), "unfavorite");
  assert.equal(toggleOp("favorite", [unread, archived], initialQuery()), "favorite");
  const archivedView = { ...initialQuery(), filter: "archived" };
  assert.equal(toggleOp("archive", [], archivedView), "readd", "unknown pages: by the view");
  assert.equal(report("archive", ["u"], [], "Title"), "Archived “Title”.");
  assert.equal(report("tags_add", ["a", "b"], [{ error: { message: "gone" } }], null),
    "Tagged 2 pages. 1 page could not be changed: gone");
});

test("one page goes through modify; the row takes the host's item", async () => {
  const { requests, results, said, changes, changed } = setUp({ query: { ...initialQuery(), filter: "all" } });
  await changes.toggle("favorite", changes.row("https://x.example/2"));
  assert.deepEqual(requests.map((r) => [r.action, r.params]),
    [["modify", { url: "https://x.example/2", op: "favorite" }]]);
  assert.equal(results.items.get("https://x.example/2").favorite, true);
  assert.equal(said.at(-1).text, "Added to favourites “Page 2”.");
  assert.deepEqual(changed, [["favorite", { reload: false }]]);
});

test("a bulk tag on a selection is one modify_many; archiving in the unread view removes rows", async () => {
  const { requests, results, said, selection, changes, pager } = setUp();
  const urls = ["https://x.example/1", "https://x.example/3", "https://x.example/4"];
  for (const url of urls) selection.set(url, true, results.order);
  await changes.apply("tags_add", changes.targets(), ["later"]);
  assert.deepEqual(requests.map((r) => r.action), ["modify_many"]);
  assert.deepEqual(requests[0].params, { urls, op: "tags_add", tags: ["later"] });
  assert.ok(urls.every((url) => results.items.get(url).tags.includes("later")));
  assert.equal(said.at(-1).text, "Tagged 3 pages.");
  await changes.toggle("archive", changes.targets());
  assert.equal(requests[1].params.op, "archive");
  assert.deepEqual(results.order, ["https://x.example/0", "https://x.example/2", "https://x.example/5"]);
  assert.equal(pager.total, 3);
  assert.equal(selection.empty, true, "the archived rows left the selection");
});

test("select all matching changes every match, not only the loaded rows", async () => {
  const { requests, selection, changes, changed } = setUp();
  selection.selectEverything();
  await changes.apply("favorite", changes.targets());
  const lists = requests.filter((r) => r.action === "list");
  assert.deepEqual(lists.map((r) => [r.params.offset, r.params.limit, r.params.status]),
    [[0, 1000, "unread"], [1000, 1000, "unread"], [2000, 1000, "unread"]]);
  const sent = requests.filter((r) => r.action === "modify_many");
  assert.deepEqual(sent.map((r) => r.params.urls.length), [1000, 1000, 500]);
  assert.equal(new Set(sent.flatMap((r) => r.params.urls)).size, 2500);
  assert.deepEqual(changed.at(-1), ["favorite", { reload: true }]);
});

test("delete then undo: the pages come back where they were", async () => {
  const { requests, results, said, changes, pager, clock } = setUp();
  const before = [...results.order];
  const target = { everything: false, urls: [before[1], before[4]], items: [], count: 2 };
  await changes.remove(target);
  assert.deepEqual(requests[0].params, { urls: [before[1], before[4]], op: "delete" });
  assert.equal(results.order.length, 4);
  assert.equal(pager.total, 4);
  assert.equal(said.at(-1).text, "Deleted 2 pages.");
  assert.ok(said.at(-1).undo, "the toast offers Undo");
  assert.ok(said.at(-1).ms < UNDO_MS, "and goes before the host's hold ends");
  await clock.advance(UNDO_MS - 100);
  await said.at(-1).undo();
  assert.deepEqual(requests[1].params, { urls: [before[1], before[4]], op: "restore" });
  assert.deepEqual(results.order, before);
  assert.equal(pager.total, 6);
  assert.equal(said.at(-1).text, "Restored 2 pages.");
});

test("the undo offer runs from when the delete is sent, and ends with the host's hold", async () => {
  const { requests, said, changes, clock } = setUp({ manual: true });
  const deleting = changes.remove(changes.row("https://x.example/0"));
  await flush();
  await clock.advance(3_000); // a slow host: the reply comes 3 s after the delete was sent
  requests[0].reply();
  await deleting;
  await clock.advance(UNDO_MS - 3_000);
  await changes.restore();
  assert.equal(said.at(-1).text, "Too late to undo: the delete has been sent.");
  assert.equal(requests.filter((r) => r.params.op === "restore").length, 0);
});

test("a newer delete replaces the undo offer; a failed delete offers nothing", async () => {
  const { requests, results, said, changes } = setUp();
  await changes.remove(changes.row("https://x.example/0"));
  await changes.remove(changes.row("https://x.example/1"));
  await changes.restore();
  assert.deepEqual(requests.at(-1).params, { url: "https://x.example/1", op: "restore" });
  assert.equal(results.order[0], "https://x.example/1");
  assert.equal(results.items.has("https://x.example/0"), false, "the first delete stays");
  const failing = setUp();
  failing.changes.client = { ask: async () => {
    throw Object.assign(new Error("The server refused."), { fix: "Log in again." });
  } };
  await failing.changes.remove(failing.changes.row("https://x.example/0"));
  assert.equal(failing.said.at(-1).text, "The server refused. Log in again.");
  assert.equal(failing.changes.undo.active, false);
  assert.equal(failing.results.order.length, 6, "nothing left the list");
  assert.equal(said.length > 0, true);
});
