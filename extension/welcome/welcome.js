/**
 * The set-up page, opened once when the extension is installed (and from the
 * button's menu): it checks the program the way `pocket-companion doctor` does
 * (a hello round trip) and says what to run until it answers, tells how to put
 * the button on the toolbar in this browser's words, shows the shortcut and what
 * the badges mean, and offers to connect an account.
 */

import { BADGES } from "../lib/feedback.js";
import { isFirefox, openShortcutSettings, saveShortcut } from "../lib/shortcuts.js";
import { setText } from "../lib/text.js";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const RECHECK_MS = 2_000;

const LEGEND = [
  [BADGES.working, "saving"],
  [BADGES.saved, "just saved, and on your account"],
  [BADGES.waiting, "kept on this computer, not on your account yet (the tooltip says why)"],
  [BADGES.known, "already in your reading list"],
  [BADGES.archived, "archived in your reading list"],
  [BADGES.failed, "not saved (the tooltip and the panel say why and what to do)"],
];

const PIN_HOW = {
  chromium: "Click the Extensions button (the puzzle piece) at the right of the address bar, " +
    "then the pin next to Pocket Companion. (In Edge: the eye icon, Show in toolbar.)",
  firefox: "Click the Extensions button (the puzzle piece) in the toolbar, then the gear next " +
    "to Pocket Companion, and choose Pin to Toolbar.",
};

const SHORTCUT_WHERE = {
  chromium: "(chrome://extensions/shortcuts)",
  firefox: "(about:addons, the gear menu, Manage Extension Shortcuts)",
};

let shownProblem = null; // the problem on screen, so each one is said once

/** A step's mark: done (✓), a problem (✗) or still to do (○). */
function mark(id, state) {
  $(id).textContent = { done: "✓", problem: "✗", todo: "○" }[state];
  $(id).className = `mark ${state}`;
}

function showProgram(reply) {
  if (reply?.ok) {
    shownProblem = null;
    mark("program-mark", "done");
    $("program-problem").hidden = true;
    setText($("program-state"), "Working: the Pocket Companion program answers.");
    const about = reply.about;
    if (about) {
      setText($("versions"), `Extension ${about.extensionVersion} · program ${about.version}` +
        (about.warning ? `. ${about.warning}` : ""));
    }
    showAccount(reply.data.account);
    return true;
  }
  const error = reply?.error ?? { message: "The extension's background is not answering." };
  const key = `${error.code} ${error.detail}`;
  if (key !== shownProblem) {
    shownProblem = key;
    mark("program-mark", "problem");
    setText($("program-state"), error.message);
    setText($("program-fix"), error.fix ?? "");
    setText($("program-detail"), error.detail ? `The browser said: ${error.detail}` : "");
    $("program-problem").hidden = false;
  }
  return false;
}

/** Check the program until it answers. */
async function checkProgram() {
  const reply = await ext.runtime.sendMessage({ kind: "check-host" }).catch(() => null);
  if (!showProgram(reply)) setTimeout(checkProgram, RECHECK_MS);
}

function showAccount(account) {
  $("account-offer").hidden = Boolean(account);
  setText($("account-state"), account
    ? `Connected as ${account.username} on ${account.server}: your pages are synced to it.`
    : "Your pages stay on this computer until you connect an account.");
}

/** Whether the button is on the toolbar, checked again until it is. */
async function checkPin() {
  const settings = await ext.action.getUserSettings?.().catch(() => null);
  const pinned = settings?.isOnToolbar;
  const known = typeof pinned === "boolean"; // this browser can tell
  $("pin-mark").textContent = "";
  if (known) mark("pin-mark", pinned ? "done" : "todo");
  setText($("pin-state"), pinned ? "Done: the button is on the toolbar."
    : "Without it, saves from the keyboard or a right-click show nothing.");
  $("pin-how").hidden = Boolean(pinned);
  if (known && !pinned) setTimeout(checkPin, RECHECK_MS);
}

function showBadges() {
  $("badges").replaceChildren(...LEGEND.map(([badge, meaning]) => {
    const item = document.createElement("li");
    const glyph = document.createElement("span");
    glyph.className = "badge";
    glyph.textContent = badge.text;
    glyph.style.backgroundColor = badge.color;
    item.append(glyph, meaning);
    return item;
  }));
}

async function showShortcut() {
  const key = await saveShortcut(ext.commands);
  setText($("shortcut"), key ? `${key} saves the page.` : "No shortcut is set.");
}

function wire(browser) {
  setText($("pin-how"), PIN_HOW[browser]);
  setText($("shortcut-where"), SHORTCUT_WHERE[browser]);
  $("shortcut-change").addEventListener("click", () => openShortcutSettings(ext));
  $("connect").addEventListener("click", () =>
    ext.runtime.sendMessage({ kind: "open-list", section: "account" }));
  $("open-list").addEventListener("click", (event) => {
    event.preventDefault(); // one reading-list tab: the background opens or focuses it
    ext.runtime.sendMessage({ kind: "open-list", section: "" });
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) showShortcut(); // changed in the browser's settings meanwhile
  });
}

wire(isFirefox(ext) ? "firefox" : "chromium");
showBadges();
showShortcut();
checkPin();
checkProgram();
