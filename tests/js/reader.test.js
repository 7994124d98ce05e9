import assert from "node:assert/strict";
import { createHash, webcrypto } from "node:crypto";
import { test } from "node:test";

import { copyLine } from "../../extension/popup/copy.js";
import { ProgressKeeper, Settings, loadArticle } from "../../extension/reader/copy.js";
import { SIZES, framePolicy, frameDocument, progressAt, readingTime, scrollFor, styleHash }
  from "../../extension/reader/render.js";
import { FakeClock } from "./fake-chrome.js";
import { fakeDocument } from "./fake-dom.js";

const HASH = "sha256-AAAA";

test("the frame's policy runs no script and loads nothing but allowed images", () => {
  const closed = framePolicy(HASH, false).split("; ");
  assert.deepEqual(closed, ["default-src 'none'", `style-src '${HASH}'`, "img-src 'none'",
    "form-action 'none'", "base-uri 'none'"]);
  assert.ok(!closed.some((part) => /script-src|connect-src|unsafe/.test(part)));
  assert.ok(framePolicy(HASH, true).includes("img-src https: http:"));
  assert.ok(!framePolicy(HASH, true).includes("data:"), "no data: images even when allowed");
});

test("the frame's document: its policy comes first, its values cannot break out", () => {
  const html = frameDocument({ body: "<p>Body</p>", css: ".pc-root{}", hash: HASH, images: false,
    lang: 'en" onload="x', dir: "sideways", theme: "dark", size: 3,
    title: 'A "quoted" <title>' });
  const head = html.slice(html.indexOf("<head>"), html.indexOf("</head>"));
  assert.ok(head.startsWith('<head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"'),
    "the policy is in force before anything else is read");
  assert.match(html, /<html class="pc-root theme-dark size-3" lang="" dir="auto">/);
  assert.ok(html.includes("<title>A &quot;quoted&quot; &lt;title></title>"));
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('<meta name="referrer" content="no-referrer">'));
  assert.ok(html.endsWith('<body><main class="article"><p>Body</p></main></body></html>'));
  const plain = frameDocument({ body: "", css: "", hash: HASH, images: true, lang: "pt-BR",
    dir: "rtl", theme: "other", size: 0, title: "" });
  assert.match(plain, /<html class="pc-root theme-light size-0" lang="pt-BR" dir="rtl">/);
  assert.ok(plain.includes("img-src https: http:"));
});

test("the stylesheet's hash is the one a policy names", async () => {
  const css = ".pc-root .article { max-width: 68ch; }\n";
  const expected = createHash("sha256").update(css).digest("base64");
  assert.equal(await styleHash(css, webcrypto.subtle), `sha256-${expected}`);
});

test("how far the article was read, and where to scroll to show it again", () => {
  const layout = { viewport: 800, top: 300, height: 5000 };
  assert.equal(progressAt({ ...layout, scrollY: 0 }), 0.1);
  assert.equal(progressAt({ ...layout, scrollY: 4500 }), 1);
  assert.equal(progressAt({ ...layout, scrollY: 9000 }), 1);
  assert.equal(progressAt({ ...layout, scrollY: 0, top: 2000 }), 0);
  assert.equal(progressAt({ ...layout, scrollY: 0, height: 0 }), 0);
  for (const scrollY of [0, 700, 2222, 4500]) {
    const progress = progressAt({ ...layout, scrollY });
    assert.equal(scrollFor(progress, layout), scrollY, `round trip at ${scrollY}`);
  }
  assert.equal(scrollFor(0, layout), 0, "never above the page");
});

test("reading time and word counts read well", () => {
  assert.equal(readingTime(2345), "2,345 words · 10 min read");
  assert.equal(readingTime(1), "1 word · 1 min read");
  assert.equal(readingTime(undefined), "0 words · 1 min read");
});

/** A host's `article` for a copy in `parts` parts; `changes` replies have a new stored_at. */
function articleHost(parts, { changes = 0 } = {}) {
  const asked = [];
  let stored = 100;
  const ask = async (action, params) => {
    asked.push([action, params]);
    const part = params.part ?? 0;
    if (part === 1 && changes > 0) {
      changes -= 1;
      stored += 1;
    }
    return { item_id: 7, url: params.url, title: "T", stored_at: stored, parts: parts.length,
      part, html: parts[part] };
  };
  return { ask, asked };
}

test("a copy in several parts is read part by part and joined", async () => {
  const { ask, asked } = articleHost(["<p>one ", "two ", "three</p>"]);
  const article = await loadArticle(ask, { url: "https://a.example/" });
  assert.equal(article.html, "<p>one two three</p>");
  assert.equal(article.item_id, 7);
  assert.deepEqual(asked.map(([, params]) => params.part ?? 0), [0, 1, 2]);
  assert.ok(asked.every(([action, params]) => action === "article" &&
    params.url === "https://a.example/"));
});

test("a copy replaced while it is read is read again, once", async () => {
  const again = articleHost(["<p>a", "b</p>"], { changes: 1 });
  assert.equal((await loadArticle(again.ask, { url: "u" })).html, "<p>ab</p>");
  assert.deepEqual(again.asked.map(([, p]) => p.part ?? 0), [0, 1, 0, 1]);
  const restless = articleHost(["<p>a", "b</p>"], { changes: 5 });
  await assert.rejects(loadArticle(restless.ask, { url: "u" }), /kept changing/);
});

test("reading settings come from the host's preferences, and go back to them", async () => {
  const sent = [];
  const settings = new Settings(async (action, params) => {
    sent.push([action, params]);
    return { fetch_articles: true, reader_theme: "dark", reader_size: 4, reader_images: true };
  });
  assert.deepEqual(await settings.load(), { theme: "dark", size: 4, images: true });
  await settings.change("size", 1);
  await settings.change("images", false);
  assert.deepEqual(sent, [["preferences", {}], ["preferences", { reader_size: 1 }],
    ["preferences", { reader_images: false }]]);
  assert.equal(settings.kept, true);

  const odd = new Settings(async () => ({ reader_theme: "sepia", reader_size: SIZES.length,
    reader_images: "yes" }));
  assert.deepEqual(await odd.load(), { theme: "system", size: 2, images: false });

  const older = new Settings(async () => {
    throw Object.assign(new Error("unknown parameter 'reader_theme'"), { code: "invalid_params" });
  });
  await older.load();
  await older.change("theme", "light");
  assert.equal(older.values.theme, "light", "kept for this visit");
  assert.equal(older.kept, false);
});

test("the reading position is sent when it changed, at most every two seconds", async () => {
  const clock = new FakeClock();
  const saved = [];
  const keeper = new ProgressKeeper({ clock, save: async (progress) => saved.push(progress) });
  keeper.note(0.1);
  keeper.note(0.2);
  keeper.note(0.23456);
  assert.deepEqual(saved, []);
  await clock.advance(2_000);
  assert.deepEqual(saved, [0.235]);
  keeper.note(0.235);
  await clock.advance(2_000);
  assert.deepEqual(saved, [0.235], "nothing new to send");
  keeper.note(1.5);
  keeper.flush(); // leaving the page
  assert.deepEqual(saved, [0.235, 1]);
  await clock.advance(5_000);
  assert.equal(saved.length, 2);
});

test("a position the host did not take is sent again with the next one", async () => {
  const clock = new FakeClock();
  let fail = true;
  const saved = [];
  const keeper = new ProgressKeeper({ clock, save: async (progress) => {
    if (fail) throw new Error("host gone");
    saved.push(progress);
  } });
  keeper.note(0.5);
  await keeper.flush();
  fail = false;
  keeper.note(0.5);
  await keeper.flush();
  assert.deepEqual(saved, [0.5]);
});

test("the panel says what became of the page's readable copy", () => {
  assert.deepEqual(copyLine({ state: "capturing" }, "pending"),
    { text: "Keeping a readable copy…", open: false });
  assert.deepEqual(copyLine({ state: "stored" }, undefined),
    { text: "Readable copy kept.", open: true });
  assert.deepEqual(copyLine(null, "stored"), { text: "Readable copy kept.", open: true });
  assert.match(copyLine({ state: "none" }, undefined).text, /^Link only: no article/);
  assert.match(copyLine(null, "none").text, /^Link only: no article/);
  assert.match(copyLine({ state: "skipped" }, "pending").text, /will be fetched/);
  assert.match(copyLine(null, "failed").text, /could not be fetched/);
  assert.match(copyLine({ state: "failed" }, undefined).text, /could not be kept/);
  assert.equal(copyLine({ state: "skipped" }, null), null, "nothing known, nothing said");
  assert.equal(copyLine(null, undefined), null);
});

test("a search's snippet marks the matched words with DOM nodes, never markup", async () => {
  fakeDocument();
  const { snippet } = await import("../../extension/list/rows.js");
  const box = snippet("…the \u0002café\u0003 on <b>rue</b> \u0002Paris\u0003 and\u0003 \u0002");
  assert.equal(box.className, "snippet");
  const marks = box.querySelectorAll("mark").map((mark) => mark.textContent);
  assert.deepEqual(marks, ["café", "Paris"]);
  assert.equal(box.textContent, "…the café on <b>rue</b> Paris and ");
  assert.equal(box.querySelectorAll("b").length, 0, "text that looks like markup stays text");
});

test("a row with a readable copy opens the reader; its address stays one click away",
  async () => {
    fakeDocument();
    const { renderRow } = await import("../../extension/list/rows.js");
    const item = { url: "https://a.example/x?y=1&z=2", title: "A", tags: [], state: "synced",
      status: "unread", favorite: false, saved_at: "2026-01-02T03:04:05Z", site: "a.example",
      article: "stored", snippet: "a \u0002word\u0003 here" };
    const row = renderRow(item, { now: new Date("2026-01-03") });
    const title = row.querySelector("a.title");
    assert.equal(title.getAttribute("href"),
      "../reader/reader.html?url=https%3A%2F%2Fa.example%2Fx%3Fy%3D1%26z%3D2");
    assert.equal(row.querySelector("a.original").getAttribute("href"), item.url);
    assert.equal(row.querySelector(".badge.copy").textContent, "Readable copy");
    assert.equal(row.querySelector(".snippet mark").textContent, "word");
    for (const article of ["none", "pending", "failed", null, undefined]) {
      const plain = renderRow({ ...item, article, snippet: undefined });
      assert.equal(plain.querySelector("a.title").getAttribute("href"), item.url, String(article));
      assert.equal(plain.querySelector(".badge.copy"), null);
      assert.equal(plain.querySelector("a.original"), null);
      assert.equal(plain.querySelector(".snippet"), null);
    }
  });
