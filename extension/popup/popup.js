/**
 * The panel: the current page's state in the reading list (tags, archive, favourite,
 * remove with undo, save; what the account's service cannot do is hidden), the account
 * (popup/account.js), links to the reading list, the keyboard shortcut and the versions.
 * Everything goes through the background, which owns the one port to the host. Opened as
 * the toolbar popup, or as a page with `?tab=ID`. Each problem is shown once, with "Try
 * again" only where trying again can help.
 */

import { canRetry } from "../lib/errors.js";
import { readerAddress } from "../list/format.js";
import { showCapabilities } from "../lib/service.js";
import { openShortcutSettings, saveShortcut } from "../lib/shortcuts.js";
import { setText } from "../lib/text.js";
import { isWebPage } from "../lib/web.js";
import { AccountPanel } from "./account.js";
import { copyLine } from "./copy.js";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const MAX_TAG_CHARS = 25; // the host's rule (Pocket's)
const UNDO_MS = 8_000; // inside the host's 10 s hold on a delete

const state = { tab: null, item: null, account: undefined, problem: null, undoTimer: null };

async function ask(message) {
  try {
    return await ext.runtime.sendMessage(message);
  } catch (error) {
    return { ok: false, error: { code: "extension_unavailable", detail: error?.message ?? null,
      message: "The extension's background is not answering.",
      fix: "Close this panel and open it again." } };
  }
}

async function host(action, params = {}) {
  const reply = await ask({ kind: "host", action, params, tabId: state.tab?.id ?? null });
  showAbout(reply?.about);
  return reply;
}

/** The panel's problem box: a problem already shown is not shown again. */
function showProblem(error) {
  if (error && error.code === state.problem?.code) return;
  state.problem = error;
  $("problem").hidden = !error;
  if (!error) return;
  setText($("problem-text"), error.message);
  setText($("problem-fix"), error.fix ?? "");
  setText($("problem-detail"), error.detail ? `(${error.detail})` : "");
  $("retry").hidden = !canRetry(error);
}

function showAbout(about) {
  if (!about) return;
  showCapabilities(document.documentElement, about.service);
  const line = `Extension ${about.extensionVersion} · program ${about.version}`;
  setText($("versions"), about.warning ? `⚠ ${about.warning} ${line}` : line);
}

function stateLine(found) {
  const { account } = state;
  let where = "✓ In your reading list on this computer";
  if (account && found.state === "synced") where = "✓ Saved and synced to your account";
  if (account && found.state === "pending") {
    where = "✓ Saved on this computer; it will be sent to your account";
  }
  return found.status === "archived" ? `${where} (archived)` : where;
}

function showState(text) {
  $("page-state").hidden = !text;
  setText($("page-state"), text);
}

function renderItem(found, note = "") {
  state.item = found;
  if (!found) $("copy-state").hidden = true;
  $("save").hidden = Boolean(found) || !$("undo-offer").hidden;
  $("item").hidden = !found;
  if (!found) {
    showState(note || "Not in your reading list.");
    return;
  }
  showState(note ? `${stateLine(found)}. ${note}` : stateLine(found));
  $("tags").replaceChildren(...found.tags.map((tag) => {
    const chip = document.createElement("li");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.title = `Remove the tag "${tag}"`;
    remove.setAttribute("aria-label", `Remove the tag ${tag}`);
    remove.addEventListener("click", () => changeItem("tags_remove", [tag]));
    chip.append(tag, remove);
    return chip;
  }));
  $("archive").textContent = found.status === "archived" ? "Move back to unread" : "Archive";
  $("favorite").setAttribute("aria-pressed", String(Boolean(found.favorite)));
  showCopy();
}

async function showCopy() {
  const found = state.item;
  if (!found) {
    $("copy-state").hidden = true;
    return;
  }
  const capture = await ask({ kind: "capture-state", tabId: state.tab.id });
  const line = copyLine(capture?.ok ? capture.data : null, found.article);
  $("copy-state").hidden = !line;
  if (!line) return;
  setText($("copy-text"), line.text);
  $("copy-open").hidden = !line.open;
  $("copy-open").href = readerAddress(found.url);
}

/** This tab's page in the list: null (not saved), or why it cannot be looked up. */
async function lookUp() {
  if (!isWebPage(state.tab.url)) return { cannot: "Only web pages (http and https " +
    "addresses) can be saved: this one cannot." };
  const reply = await host("lookup", { url: state.tab.url });
  if (!reply.ok) {
    showProblem(reply.error);
    return { cannot: "" };
  }
  return reply.data.saved ? reply.data : null;
}

function renderPage(found) {
  if (found?.cannot !== undefined) {
    $("save").hidden = true;
    $("item").hidden = true;
    showState(found.cannot);
  } else {
    renderItem(found);
  }
}

/** A change to this page; its errors go to the problem box (or are returned). */
async function changeItem(op, tags = null, url = state.item.url) {
  const reply = await host("modify", { url, op, ...(tags ? { tags } : {}) });
  if (!reply.ok) {
    if (op !== "tags_add") showProblem(reply.error);
    return reply;
  }
  const note = reply.data.warning ? "The change will be sent to your account later." : "";
  renderItem(reply.data.item, reply.data.item ? note : "Removed from your reading list.");
  return reply;
}

function tooLong(tags) {
  const names = tags.map((tag) => `“${tag}”`).join(", ");
  return `${names} ${tags.length === 1 ? "is" : "are"} too long: a tag has at most ` +
    `${MAX_TAG_CHARS} characters.`;
}

/** Add the typed tags: the valid ones are added, the others stay in the field. */
async function addTags(event) {
  event.preventDefault();
  const typed = $("tag-input").value.split(",").map((tag) => tag.trim()).filter(Boolean);
  const valid = typed.filter((tag) => [...tag].length <= MAX_TAG_CHARS);
  const invalid = typed.filter((tag) => !valid.includes(tag));
  $("tag-input").value = invalid.join(", ");
  setText($("tag-error"), invalid.length ? tooLong(invalid) : "");
  if (!valid.length) return;
  const reply = await changeItem("tags_add", valid);
  if (!reply.ok) { // the host's rule (its message names it): the text stays to be fixed
    $("tag-input").value = typed.join(", ");
    setText($("tag-error"), `${reply.error.message} ${reply.error.fix ?? ""}`.trim());
  }
}

/** Remove asks nothing: the page can be brought back for a few seconds. */
async function remove() {
  const removed = state.item;
  const reply = await changeItem("delete");
  if (!reply.ok) return;
  $("undo-offer").hidden = false;
  $("save").hidden = true;
  $("undo").focus();
  clearTimeout(state.undoTimer);
  state.undoTimer = setTimeout(() => endUndo(), UNDO_MS);
  $("undo").onclick = async () => {
    endUndo();
    const back = await changeItem("restore", null, removed.url);
    if (back.ok) renderItem(back.data.item, "It is back.");
  };
}

function endUndo() {
  clearTimeout(state.undoTimer);
  $("undo-offer").hidden = true;
  $("save").hidden = Boolean(state.item);
}

const account = new AccountPanel({ host, ask, problem: showProblem, changed: (known) => {
  if (known !== undefined) state.account = known;
  if (state.item) renderItem(state.item);
} });

function wirePage() {
  $("save").addEventListener("click", async () => {
    showState("Saving…");
    const saved = await ask({ kind: "save-tab", tabId: state.tab.id });
    if (saved.ok) await loadPage();
    else showProblem(saved.error);
  });
  $("tag-form").addEventListener("submit", addTags);
  $("archive").addEventListener("click",
    () => changeItem(state.item.status === "archived" ? "readd" : "archive"));
  $("favorite").addEventListener("click",
    () => changeItem(state.item.favorite ? "unfavorite" : "favorite"));
  $("remove").addEventListener("click", remove);
  $("retry").addEventListener("click", () => load());
}

function wireLinks() {
  for (const link of [$("open-list"), $("open-account")]) {
    link.addEventListener("click", async (event) => {
      event.preventDefault(); // one reading-list tab: the background opens or focuses it
      await ask({ kind: "open-list", section: link.dataset.section });
      window.close();
    });
  }
  $("shortcut-change").addEventListener("click", () => openShortcutSettings(ext));
  ext.runtime.onMessage.addListener((message) => {
    if (message?.kind === "login-changed") account.showLogin(message.login);
    if (message?.kind === "capture-changed" && message.tabId === state.tab?.id) loadPage();
  });
}

async function showShortcut() {
  const key = await saveShortcut(ext.commands);
  setText($("shortcut"), key ? `Shortcut: ${key} saves the page.` : "No shortcut is set.");
}

/** The page's state and the account, read together (the state's words need the account). */
async function loadPage() {
  const [found, known] = await Promise.all([lookUp(), account.load()]);
  if (known !== undefined) state.account = known;
  renderPage(found);
}

async function load() {
  showProblem(null);
  const id = Number(new URLSearchParams(location.search).get("tab"));
  [state.tab] = id ? [await ext.tabs.get(id)]
    : await ext.tabs.query({ active: true, currentWindow: true });
  setText($("page-title"), state.tab.title || state.tab.url || "This tab");
  const login = await ask({ kind: "login-state" });
  account.showLogin(login?.data ?? { state: "idle" });
  await Promise.all([loadPage(), showShortcut()]);
}

wirePage();
wireLinks();
account.wire();
load();
