/**
 * The reading list: every saved page, searched, filtered, paged by the host
 * and changed one by one or in bulk, with Pocket's keys. This module wires the
 * page: the query and its address, loading and infinite scroll, the rows'
 * buttons, the selection bar, the keys and the account.
 */

import { lacking, showCapabilities } from "../lib/service.js";
import { Account } from "./account.js";
import { Changes } from "./actions.js";
import { Client } from "./client.js";
import { Files } from "./files.js";
import { nameOf, pages, readerAddress } from "./format.js";
import { fillHelp, openHelp, showShortcuts } from "./help.js";
import { commandFor } from "./keys.js";
import { Notices, errorLine } from "./notices.js";
import { Pager } from "./paging.js";
import { effectiveSort, hasWords, listParams, queryFromSearch, searchFromQuery } from "./query.js";
import { Results } from "./results.js";
import { Selection } from "./selection.js";
import { SelectionBar } from "./selectionbar.js";
import { countLine, emptyState } from "./summary.js";
import { TagEditor, TagFilter } from "./tags.js";
import { UndoOffer } from "./undo.js";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const TYPING_MS = 150; // search as you type, once the typing pauses
const SLOW_MS = 400; // a search slower than this says so
const AHEAD_PX = 1200; // load the next page this far before the end comes into view
const TAG_CHANGES = new Set(["tags_add", "tags_remove", "delete", "restore", "import", "sync"]);

const client = new Client(ext.runtime);
client.onAbout = (about) => showCapabilities(document.documentElement, about.service);
const selection = new Selection();
const results = new Results($("results"), selection);
const pager = new Pager((action, params) => client.ask(action, params));
const notices = new Notices();
const undo = new UndoOffer();
const bar = new SelectionBar({ selection, results, pager, notices });
let query = queryFromSearch(location.search);
let slowTimer = null;
let typingTimer = null;

const tagFilter = new TagFilter({ client, onChoose: (tag) => change({ tag }) });
const tagEditor = new TagEditor();
const account = new Account({ client, runtime: ext.runtime, notices, onStatus: showSynced,
  onPulled: () => afterChange("sync", { reload: true }) });
const files = new Files({ client, notices, afterImport: () => afterChange("import", { reload: true }) });
const changes = new Changes({ client, results, selection, pager, notices, undo,
  query: () => query, afterChange });

/* loading */

async function load() {
  clearTimeout(slowTimer);
  slowTimer = setTimeout(() => {
    $("count").textContent = query.text ? "Searching…" : "Loading…";
  }, SLOW_MS);
  $("results").setAttribute("aria-busy", "true");
  let page;
  try {
    page = await pager.start(listParams(query));
  } catch (error) {
    clearTimeout(slowTimer);
    $("results").setAttribute("aria-busy", "false");
    $("count").textContent = "Could not load your reading list.";
    notices.problem(error, load);
    return;
  }
  if (page === null) return; // a newer query is on its way
  clearTimeout(slowTimer);
  notices.problem(null);
  results.replace(page.items);
  $("results").setAttribute("aria-busy", "false");
  if (!performance.getEntriesByName("first-rows").length) performance.mark("first-rows");
  refreshView();
}

async function loadMore() {
  $("more").textContent = pager.done ? "" : "Loading more…";
  let page;
  try {
    page = await pager.more();
  } catch (error) {
    $("more").textContent = "";
    notices.say(errorLine(error));
    return;
  }
  if (!page) {
    $("more").textContent = "";
    return;
  }
  results.append(page.items);
  refreshView();
}

/** When the end of the list is (nearly) in view, fetch the next page. */
function checkMore() {
  $("more").textContent = "";
  if (pager.done) return;
  if ($("more").getBoundingClientRect().top < window.innerHeight + AHEAD_PX) loadMore();
}

function refreshView() {
  showCount();
  showEmpty();
  bar.show();
  checkMore();
}

function showCount() {
  if (pager.total !== null) $("count").textContent = countLine(query, pager.total);
  $("tag-shown").hidden = !query.tag;
  $("tag-shown").textContent = query.tag ? `Tag: ${query.tag}` : "";
  $("clear-tag").hidden = !query.tag;
}

function showEmpty() {
  const empty = results.size === 0 && pager.done;
  $("empty").hidden = !empty;
  $("bulk").hidden = empty;
  if (!empty) return;
  const state = emptyState(query);
  $("empty-text").textContent = state.text;
  $("empty-next").textContent = state.next;
  $("empty-offers").replaceChildren(...state.offers.map(({ label, change: update }) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", () => change(update));
    return button;
  }));
}

/** After a sync: rows waiting to be synced are synced once nothing waits any more. */
function showSynced(status) {
  if (status.pending) return;
  for (const item of [...results.items.values()]) {
    if (item.state === "pending") results.update({ ...item, state: "synced" });
  }
}

/** After a change: the view, the tags and the account; a change to every match reloads. */
async function afterChange(op, { reload = false } = {}) {
  if (reload) {
    selection.clear(); // "every match" is another set of pages now
    await load();
  } else {
    refreshView();
  }
  await Promise.all([account.refresh(), TAG_CHANGES.has(op) ? tagFilter.load() : null]);
}

/* the query */

function change(update) {
  query = { ...query, ...update };
  history.replaceState(null, "", `${location.pathname}${searchFromQuery(query)}`);
  selection.clear();
  showControls();
  return load();
}

function showControls() {
  for (const radio of document.querySelectorAll('input[name="filter"]')) {
    radio.checked = radio.value === query.filter;
  }
  $("sort").value = effectiveSort(query);
  $("sort").querySelector('[value="relevance"]').disabled = !hasWords(query.text);
  tagFilter.show(query.tag);
}

function wireQuery() {
  $("search").addEventListener("input", () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => change({ text: $("search").value }), TYPING_MS);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typingTimer);
    change({ text: $("search").value });
  });
  $("filters").addEventListener("change", (event) => change({ filter: event.target.value }));
  $("sort").addEventListener("change", () => change({ sort: $("sort").value }));
  $("clear-tag").addEventListener("click", () => change({ tag: null }));
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadMore();
  }, { rootMargin: `0px 0px ${AHEAD_PX}px 0px` }).observe($("more"));
}

/* changes */

function editTags(target) {
  if (!target) return;
  const one = target.count === 1 ? target.items[0] : null;
  tagEditor.open({
    about: one ? `For “${nameOf(one)}”.` : `For ${pages(target.count)}.`,
    tags: () => {
      const items = target.everything ? [...results.items.values()]
        : target.urls.map((url) => results.items.get(url)).filter(Boolean);
      return [...new Set(items.flatMap((item) => item.tags))].sort();
    },
    change: (op, tags) => changes.apply(op, target, tags),
  });
}

const BULK = {
  tags: () => editTags(changes.targets()),
  delete: () => changes.remove(changes.targets()),
  clear: () => bar.clear(),
};

function wireChanges() {
  $("results").addEventListener("click", (event) => {
    const control = event.target.closest("[data-action], [data-tag]");
    const url = event.target.closest(".item")?.dataset.url;
    if (!control || !url) return;
    if (control.dataset.tag) {
      change({ tag: control.dataset.tag });
      return;
    }
    const action = control.dataset.action;
    if (action === "pick") bar.pick(url, control.checked, event.shiftKey);
    else if (action === "archive" || action === "favorite") changes.toggle(action, changes.row(url));
    else if (action === "tags") editTags(changes.row(url));
    else if (action === "delete") changes.remove(changes.row(url));
  });
  bar.wire();
  $("bulk").addEventListener("click", (event) => {
    const op = event.target.closest("[data-bulk]")?.dataset.bulk;
    if (op) (BULK[op] ?? (() => changes.apply(op, changes.targets())))();
  });
}

/* keys */

const COMMANDS = {
  next: () => results.move(1),
  previous: () => results.move(-1),
  open: () => {
    const item = results.items.get(results.current);
    if (!item) return;
    const url = item.article === "stored"
      ? new URL(readerAddress(item.url), location.href).href : item.url;
    ext.tabs.create({ url, active: true });
  },
  archive: () => changes.toggle("archive", changes.targets()),
  favorite: () => changes.toggle("favorite", changes.targets()),
  tags: () => editTags(changes.targets()),
  delete: () => changes.remove(changes.targets()),
  undo: () => (undo.active ? changes.restore() : notices.say("Nothing to undo.")),
  select: () => {
    if (results.current) bar.pick(results.current, !selection.has(results.current), false);
  },
  extend: () => {
    if (results.current) bar.pick(results.current, true, true);
  },
  search: () => {
    $("search").focus();
    $("search").select();
  },
  clear: () => bar.clear(),
  help: () => openHelp(),
};

function wireKeys() {
  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return;
    const command = commandFor(event, { inList: $("results").contains(event.target),
      lacks: lacking(client.about?.service) });
    if (!command) return;
    event.preventDefault();
    COMMANDS[command]();
  });
  $("help-open").addEventListener("click", () => openHelp());
  fillHelp();
}

/** `#account` (the panel's link): bring the account into view and focus it. */
function showSection() {
  if (location.hash !== "#account") return;
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  const target = $("login-form").hidden ? $("account") : $("login");
  target.focus();
  $("account").scrollIntoView({ block: "nearest" });
}

function start() {
  $("search").value = query.text;
  showControls();
  load(); // the rows first: everything else waits behind them
  wireQuery();
  wireChanges();
  wireKeys();
  account.wire();
  files.wire();
  tagFilter.load();
  account.start().then(showSection);
  window.addEventListener("hashchange", showSection);
  showShortcuts(ext.commands);
}

start();
