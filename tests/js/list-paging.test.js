import assert from "node:assert/strict";
import { test } from "node:test";

import { Pager } from "../../extension/list/paging.js";
import { CHUNK, applyOp, matchingUrls, modifyMany, parseTags } from "../../extension/list/bulk.js";

/** A host's `list` over `count` items whose replies the test releases in any order. */
function slowHost(count) {
  const calls = [];
  const ask = (action, params) => new Promise((resolve, reject) => {
    calls.push({ action, params, resolve, reject, answer() {
      const items = Array.from({ length: Math.max(0, Math.min(params.limit, count - params.offset)) },
        (_, i) => ({ url: `https://x.example/${params.query ?? ""}/${params.offset + i}` }));
      const end = params.offset + items.length;
      resolve({ items, total: count, ...(end < count ? { next_offset: end } : {}) });
    } });
  });
  return { ask, calls };
}

test("a reply to an older search never overtakes a newer one", async () => {
  const host = slowHost(500);
  const pager = new Pager(host.ask);
  const old = pager.start({ query: "ru" });
  const newer = pager.start({ query: "rust" });
  host.calls[1].answer(); // the newer search answers first...
  assert.equal((await newer).items[0].url, "https://x.example/rust/0");
  host.calls[0].answer(); // ...and the older one's late reply is dropped
  assert.equal(await old, null);
  assert.equal(pager.offset, 50, "the older reply did not move the offset");
});

test("an error of an old search is dropped; the current one's is thrown", async () => {
  const host = slowHost(10);
  const pager = new Pager(host.ask);
  const old = pager.start({ query: "a" });
  const current = pager.start({ query: "b" });
  host.calls[0].reject(new Error("old"));
  assert.equal(await old, null);
  host.calls[1].reject(new Error("current"));
  await assert.rejects(current, /current/);
});

test("pages follow each other by next_offset; one fetch at a time; none after the last", async () => {
  const host = slowHost(180);
  const pager = new Pager(host.ask, { first: 50, page: 100 });
  const first = pager.start({ status: "unread" });
  assert.equal(await pager.more(), null, "no next page before the first came");
  host.calls[0].answer();
  assert.equal((await first).items.length, 50);
  const second = pager.more();
  assert.equal(pager.more(), second, "a second scroll joins the fetch in flight");
  host.calls[1].answer();
  assert.equal((await second).items.length, 100);
  assert.deepEqual(host.calls[1].params, { status: "unread", offset: 50, limit: 100 });
  const third = pager.more();
  host.calls[2].answer();
  assert.equal((await third).items.length, 30);
  assert.equal(pager.done, true);
  assert.equal(await pager.more(), null);
  assert.equal(host.calls.length, 3);
});

test("rows that left the list move the next page back, so nothing is skipped", async () => {
  const host = slowHost(300);
  const pager = new Pager(host.ask, { first: 50, page: 100 });
  const first = pager.start({});
  host.calls[0].answer();
  await first;
  pager.removed(3); // three rows archived in the unread view
  const next = pager.more();
  host.calls[1].answer();
  await next;
  assert.equal(host.calls[1].params.offset, 47);
  assert.equal(pager.total, 300, "the host's new total replaces the local count");
  pager.removed(-2); // an undo brought two back
  assert.equal(pager.total, 302);
});

test("every matching URL is collected in pages of at most 1,000", async () => {
  const asked = [];
  const ask = async (action, params) => {
    asked.push(params);
    const size = Math.min(params.limit, 2500 - params.offset, 700); // the host may stop early
    const items = Array.from({ length: size }, (_, i) => ({ url: `u${params.offset + i}` }));
    const end = params.offset + size;
    return { items, total: 2500, ...(end < 2500 ? { next_offset: end } : {}) };
  };
  const progress = [];
  const urls = await matchingUrls(ask, { query: "x", status: "unread" }, (n) => progress.push(n));
  assert.equal(urls.length, 2500);
  assert.equal(new Set(urls).size, 2500);
  assert.ok(asked.every((p) => p.limit === CHUNK && p.query === "x" && p.status === "unread"));
  assert.deepEqual(asked.map((p) => p.offset), [0, 700, 1400, 2100]);
  assert.deepEqual(progress, [700, 1400, 2100, 2500]);
});

test("modify_many gets at most 1,000 URLs a request; each result is kept", async () => {
  const sent = [];
  const ask = async (action, params) => {
    sent.push([action, params.urls.length, params.op, params.tags]);
    return { results: params.urls.map((url) => (url === "bad" ? { url, ok: false,
      error: { code: "not_found", message: "gone" } } : { url, ok: true })), applied: 0 };
  };
  const urls = [...Array.from({ length: 2001 }, (_, i) => `u${i}`), "bad"];
  const { done, failed } = await modifyMany(ask, urls, "tags_add", ["x"]);
  assert.deepEqual(sent, [["modify_many", 1000, "tags_add", ["x"]],
    ["modify_many", 1000, "tags_add", ["x"]], ["modify_many", 2, "tags_add", ["x"]]]);
  assert.equal(done.length, 2001);
  assert.deepEqual(failed, [{ url: "bad", ok: false, error: { code: "not_found", message: "gone" } }]);
  const plain = [];
  await modifyMany(async (action, params) => {
    plain.push(params);
    return { results: [] };
  }, ["a", "b"], "archive");
  assert.equal("tags" in plain[0], false, "no tags parameter for other ops");
});

test("a change shows on a loaded row as the host applies it", () => {
  const item = { url: "u", status: "unread", favorite: false, tags: ["a"], state: "synced" };
  assert.equal(applyOp(item, "archive").status, "archived");
  assert.equal(applyOp({ ...item, status: "archived" }, "readd").status, "unread");
  assert.equal(applyOp(item, "favorite").favorite, true);
  assert.deepEqual(applyOp(item, "tags_add", ["b", "a"]).tags, ["a", "b"]);
  assert.deepEqual(applyOp(item, "tags_remove", ["a"]).tags, []);
  assert.equal(applyOp(item, "archive").state, "pending", "queued for the server");
  assert.equal(applyOp(item, "delete"), null);
  assert.deepEqual(item.tags, ["a"], "the shown item is not changed in place");
  assert.deepEqual(parseTags(" News, later,,news "), ["news", "later"]);
});
