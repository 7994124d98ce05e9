import assert from "node:assert/strict";
import { test } from "node:test";

import {
  effectiveSort, hasWords, initialQuery, listParams, queryFromSearch, searchFromQuery, stillMatches,
  tokens,
} from "../../extension/list/query.js";
import { countLine, emptyState } from "../../extension/list/summary.js";
import { nameOf, pages, savedDate, siteOf } from "../../extension/list/format.js";

const query = (change = {}) => ({ ...initialQuery(), ...change });

test("the filters, the tag and the search become the contract's list parameters", () => {
  assert.deepEqual(listParams(query()), { sort: "newest", status: "unread" });
  assert.deepEqual(listParams(query({ filter: "archived" })), { sort: "newest", status: "archived" });
  assert.deepEqual(listParams(query({ filter: "favorites" })), { sort: "newest", favorite: true });
  assert.deepEqual(listParams(query({ filter: "all", tag: "two words", text: "  rust  " })),
    { sort: "relevance", tag: "two words", query: "rust" });
  assert.equal(listParams(query({ text: "x".repeat(600) })).query.length, 500);
});

test("best match is the order for words, newest otherwise, unless another is asked for", () => {
  assert.equal(effectiveSort(query({ text: "rust async" })), "relevance");
  assert.equal(effectiveSort(query({ text: "tag:news is:fav site:example.org" })), "newest");
  assert.equal(effectiveSort(query({ text: "rust", sort: "oldest" })), "oldest");
  assert.equal(effectiveSort(query({ text: "", sort: "relevance" })), "newest",
    "no words: nothing to rank by");
});

test("operators are not words; quoted phrases and operator values stay whole", () => {
  assert.deepEqual(tokens('tag:"two words" "a phrase" -skip site:x.org'),
    ['tag:"two words"', '"a phrase"', "-skip", "site:x.org"]);
  assert.equal(hasWords('tag:"two words" is:archived -skip'), false);
  assert.equal(hasWords('"a phrase"'), true);
  assert.equal(hasWords("time:12"), true, "another colon word is a plain word");
  assert.equal(hasWords('""'), false);
  assert.equal(hasWords("   "), false);
});

test("the query lives in the page's address and comes back from it", () => {
  assert.equal(searchFromQuery(query()), "");
  const chosen = query({ filter: "all", tag: "café", text: "a&b=c #x", sort: "oldest" });
  assert.deepEqual(queryFromSearch(searchFromQuery(chosen)), chosen);
  assert.deepEqual(queryFromSearch("?show=bogus&sort=random&q="), query(),
    "unknown values fall back to the defaults");
});

test("after a change, a row leaves the view when it no longer matches its filter or tag", () => {
  const item = { status: "archived", favorite: false, tags: ["news"] };
  assert.equal(stillMatches(query(), item), false);
  assert.equal(stillMatches(query({ filter: "archived" }), item), true);
  assert.equal(stillMatches(query({ filter: "favorites" }), item), false);
  assert.equal(stillMatches(query({ filter: "all", tag: "news" }), item), true);
  assert.equal(stillMatches(query({ filter: "all", tag: "other" }), item), false);
});

test("the count says how many match, and of what", () => {
  assert.equal(countLine(query(), 1234), "1,234 unread pages");
  assert.equal(countLine(query({ filter: "all" }), 1), "1 page");
  assert.equal(countLine(query({ filter: "favorites", tag: "news" }), 2),
    "2 favourite pages tagged “news”");
  assert.equal(countLine(query({ filter: "archived", text: "rust" }), 1),
    "1 archived page matches “rust”");
});

test("an empty list says why and offers the next step", () => {
  const search = emptyState(query({ text: "zzz" }));
  assert.match(search.text, /No unread pages match “zzz”/);
  assert.deepEqual(search.offers.map((o) => o.change), [{ filter: "all", tag: null }]);
  assert.deepEqual(emptyState(query({ filter: "all", text: "zzz" })).offers, []);
  assert.match(emptyState(query({ filter: "all" })).next, /toolbar button/);
  assert.deepEqual(emptyState(query()).offers.map((o) => o.change.filter), ["archived", "all"]);
  assert.deepEqual(emptyState(query({ tag: "x" })).offers[0].change, { tag: null });
});

test("rows name the page, its site and the day it was saved", () => {
  assert.equal(nameOf({ title: "  ", url: "https://a.example/" }), "https://a.example/");
  assert.equal(siteOf({ url: "https://www.news.example/x" }), "news.example");
  assert.equal(siteOf({ url: "https://www.news.example/x", site: "news.example" }), "news.example");
  const now = new Date(2026, 11, 2, 9);
  assert.equal(savedDate(new Date(2026, 11, 2, 1).toISOString(), now, "en-US"), "today");
  assert.equal(savedDate(new Date(2026, 11, 1, 23).toISOString(), now, "en-US"), "yesterday");
  assert.equal(savedDate(new Date(2026, 2, 4).toISOString(), now, "en-US"), "Mar 4");
  assert.equal(savedDate(new Date(2024, 2, 4).toISOString(), now, "en-US"), "Mar 4, 2024");
  assert.equal(savedDate("not a date", now), "");
  assert.equal(pages(1), "1 page");
  assert.equal(pages(100000, "en-US"), "100,000 pages");
});
