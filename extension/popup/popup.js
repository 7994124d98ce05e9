/**
 * The panel: the current page's state in the reading list (tags, archive,
 * remove, save), the account (log in / log out, pages waiting to sync), links
 * to the reading list, the keyboard shortcut and the versions. Everything goes
 * through the background, which owns the one port to the host. Opened as the
 * toolbar popup, or as a page with `?tab=ID`.
 */

import { setText } from "../lib/text.js";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const COMMAND = "save-page";

let tab = null;
let item = null;

const ask = (message) => ext.runtime.sendMessage(message);
const host = (action, params = {}) => ask({ kind: "host", action, params, tabId: tab?.id ?? null });

function showProblem(error) {
  $("problem").hidden = !error;
  if (!error) return;
  setText($("problem-text"), error.message);
  setText($("problem-fix"), error.fix ?? "");
  setText($("problem-detail"), error.detail ? `(${error.detail})` : "");
}

function showAbout(about) {
  if (!about) return;
  const line = `Extension ${about.extensionVersion} · program ${about.version}`;
  setText($("versions"), about.warning ? `⚠ ${about.warning} ${line}` : line);
}

function stateLine(found) {
  const where = found.state === "synced"
    ? "✓ Saved and synced to your account"
    : "✓ Saved on this computer; it will be sent to Pocket later";
  return found.status === "archived" ? `${where} (archived)` : where;
}

function renderItem(found, note = "") {
  item = found;
  $("save").hidden = Boolean(found);
  $("item").hidden = !found;
  if (!found) {
    setText($("page-state"), note || "Not in your reading list.");
    return;
  }
  setText($("page-state"), note ? `${stateLine(found)}. ${note}` : stateLine(found));
  $("tags").replaceChildren(...found.tags.map((tag) => {
    const chip = document.createElement("li");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.title = `Remove the tag "${tag}"`;
    remove.addEventListener("click", () => modify("tags_remove", [tag]));
    chip.append(tag, remove);
    return chip;
  }));
  $("archive").textContent = found.status === "archived" ? "Move back to unread" : "Archive";
}

function handle(reply) {
  showAbout(reply.about);
  showProblem(reply.ok ? null : reply.error);
  return reply.ok ? reply.data : null;
}

async function loadPage() {
  setText($("page-title"), tab.title || tab.url || "This tab");
  const reply = await host("lookup", { url: tab.url });
  const found = handle(reply);
  if (found) renderItem(found.saved ? found : null);
  else $("save").hidden = reply.error?.code === "invalid_url";
}

async function loadAccount() {
  const status = handle(await host("status"));
  if (!status) return;
  const { account, pending } = status;
  setText($("account-text"), account
    ? `Connected as ${account.username} on ${account.server}.`
    : "No account connected: your pages stay on this computer.");
  setText($("pending"), pending ? `${pending} page(s) waiting to be sent to Pocket.` : "");
  $("sync").hidden = !(account && pending);
  $("logout").hidden = !account;
  $("login-form").hidden = Boolean(account) || !$("login-wait").hidden;
  $("server").placeholder = status.server;
}

async function modify(op, tags) {
  const params = { url: item.url, op, ...(tags ? { tags } : {}) };
  const data = handle(await host("modify", params));
  if (!data) return;
  const note = data.warning ? "The change will be sent to Pocket later." : "";
  renderItem(data.item, data.item ? note : "Removed from your reading list.");
  await loadAccount();
}

function renderLogin(login) {
  const waiting = login.state === "waiting";
  $("login-wait").hidden = !waiting;
  if (waiting) {
    const where = login.shownIn === "browser" ? "the browser tab" : "the login window";
    setText($("login-wait-text"), login.url
      ? `Approve Pocket Companion in ${where} that opened.`
      : "Opening the login page…");
  }
  const message = { done: login.account && `Logged in as ${login.account.username}.`,
    failed: login.error && [login.error.message, login.error.fix].filter(Boolean).join(" ") };
  setText($("login-message"), message[login.state] ?? "");
  if (!waiting) loadAccount();
}

function wirePage() {
  $("save").addEventListener("click", async () => {
    setText($("page-state"), "Saving…");
    const saved = handle(await ask({ kind: "save-tab", tabId: tab.id }));
    if (saved) await Promise.all([loadPage(), loadAccount()]);
  });
  $("tag-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const tags = $("tag-input").value.split(",").map((tag) => tag.trim()).filter(Boolean);
    $("tag-input").value = "";
    if (tags.length) modify("tags_add", tags);
  });
  $("archive").addEventListener("click",
    () => modify(item.status === "archived" ? "readd" : "archive"));
  $("remove").addEventListener("click", () => modify("delete"));
  $("retry").addEventListener("click", () => load());
}

function wireAccount() {
  $("sync").addEventListener("click", async () => {
    handle(await host("sync"));
    await loadAccount();
  });
  $("logout").addEventListener("click", async () => {
    handle(await host("logout"));
    setText($("login-message"), "Logged out. Your pages stay on this computer.");
    await loadAccount();
  });
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = { server: $("server").value.trim(), consumer_key: $("consumer-key").value.trim() };
    $("login-form").hidden = true;
    renderLogin({ state: "waiting" });
    ask({ kind: "login", params: Object.fromEntries(Object.entries(params).filter(([, v]) => v)) });
  });
  $("login-cancel").addEventListener("click", () => host("login_cancel"));
  for (const link of [$("open-list"), $("open-account")]) {
    link.addEventListener("click", async (event) => {
      event.preventDefault(); // one reading-list tab: the background opens or focuses it
      await ask({ kind: "open-list", section: link.dataset.section });
      window.close();
    });
  }
  $("shortcut-change").addEventListener("click", () => (ext.commands.openShortcutSettings
    ? ext.commands.openShortcutSettings()
    : ext.tabs.create({ url: "chrome://extensions/shortcuts" })));
  ext.runtime.onMessage.addListener((message) => {
    if (message?.kind === "login-changed") renderLogin(message.login);
  });
}

async function showShortcut() {
  const commands = await ext.commands.getAll();
  const key = commands.find((command) => command.name === COMMAND)?.shortcut;
  setText($("shortcut"), key ? `Shortcut: ${key} saves the page.` : "No shortcut is set.");
}

async function load() {
  const id = Number(new URLSearchParams(location.search).get("tab"));
  [tab] = id ? [await ext.tabs.get(id)] : await ext.tabs.query({ active: true, currentWindow: true });
  const login = await ask({ kind: "login-state" });
  renderLogin(login?.data ?? { state: "idle" });
  await Promise.all([loadPage(), showShortcut()]);
}

wirePage();
wireAccount();
load();
