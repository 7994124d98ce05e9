import assert from "node:assert/strict";
import { test } from "node:test";

import { Transfer, exportName, importSummary, toBase64 } from "../../extension/list/transfer.js";

/** A host that records requests and answers import and export as the protocol says. */
function fakeHost({ chunkBytes = 4, pages = [] } = {}) {
  const calls = [];
  const received = [];
  const ask = async (action, params) => {
    calls.push({ action, params });
    if (action === "import_begin") return { upload: "u1", chunk_bytes: chunkBytes, size: params.size };
    if (action === "import_chunk") {
      assert.equal(params.offset, received.length, "pieces go in order");
      received.push(...Buffer.from(params.data, "base64"));
      return { received: received.length };
    }
    if (action === "import_finish") return { added: 2, updated: 0, unchanged: 1, problem_count: 0 };
    const start = params.after ? Number(params.after) : 0;
    const reply = { data: pages[start], count: 1 };
    return start + 1 < pages.length ? { ...reply, next: String(start + 1) } : reply;
  };
  return { ask, calls, received };
}

test("base64 of any bytes, also more than one piece of them", () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
  assert.equal(toBase64(bytes), Buffer.from(bytes).toString("base64"));
  assert.equal(toBase64(new Uint8Array()), "");
});

test("a file goes to the host in order, in pieces of the size it asks for", async () => {
  const host = fakeHost({ chunkBytes: 4 });
  const shown = [];
  const transfer = new Transfer({ ask: host.ask, progress: (text) => shown.push(text),
    download: () => assert.fail("no download on import") });
  const file = new Blob(["title,url\nA,https://a.example/\n"]);
  file.name = "part_000000.csv";
  const report = await transfer.importFile(file);
  assert.equal(Buffer.from(host.received).toString(), "title,url\nA,https://a.example/\n");
  assert.equal(host.calls.filter((c) => c.action === "import_chunk").length, 8);
  assert.equal(host.calls.at(-1).action, "import_finish");
  assert.equal(report.added, 2);
  assert.equal(shown.at(-2), "Sending part_000000.csv: 100%");
  assert.equal(shown.at(-1), "Importing part_000000.csv…");
});

test("an export joins every reply into one download", async () => {
  const host = fakeHost({ pages: ["<head>", "<a>", "<b></tail>"] });
  const downloads = [];
  const transfer = new Transfer({ ask: host.ask, progress: () => {},
    download: (blob, name) => downloads.push({ blob, name }) });
  assert.equal(await transfer.exportList("netscape"), 3);
  assert.deepEqual(host.calls.map((c) => c.params.after ?? null), [null, "1", "2"]);
  const [{ blob, name }] = downloads;
  assert.equal(await blob.text(), "<head><a><b></tail>");
  assert.match(blob.type, /^text\/html/);
  assert.match(name, /^reading-list-\d{4}-\d{2}-\d{2}\.html$/);
});

test("names and summaries say what happened", () => {
  assert.equal(exportName("csv", new Date("2026-12-02T10:00:00Z")), "reading-list-2026-12-02.csv");
  assert.equal(importSummary({ added: 3, updated: 0, unchanged: 0, problem_count: 0 }),
    "Imported: 3 added.");
  assert.equal(importSummary({ added: 0, updated: 1, unchanged: 4, problem_count: 1 }),
    "Imported: 0 added, 1 updated, 4 already in your list; 1 row could not be imported.");
});
