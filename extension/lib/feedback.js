/**
 * What the toolbar button shows for one tab: badge text, colour and tooltip.
 *
 * Each state has a glyph and a colour of its own, so they can be told apart on
 * a 16 px button, and a tooltip that says what is true: a page is kept on this
 * computer as soon as the host has it on disk, and only a page the server has
 * is said to be on the account. Tab-specific values are reset by the browser
 * when the tab loads another page. Once a tab's page is in the list (or a save
 * failed), a click on the button opens the panel instead of saving again.
 */

import { summary } from "./errors.js";

export const PANEL = "popup/popup.html";
const NAME = "Pocket Companion";
const TEXT_COLOR = "#ffffff";
const MORE = "Click the button again to add tags, archive or remove it.";
const CHANGE = "Click for tags, archive or remove.";

/** The badge of each state: white text on these colours (each at least 4.5:1). */
export const BADGES = {
  working: { text: "…", color: "#4b5563" },
  saved: { text: "✔", color: "#15803d" }, // just saved, and on the account
  known: { text: "≡", color: "#1d4ed8" }, // already in the reading list
  archived: { text: "▣", color: "#6d28d9" },
  waiting: { text: "↑", color: "#b45309" }, // on this computer only, for now
  failed: { text: "!", color: "#b91c1c" },
};

/** Why a kept page is not on the account (yet): `account` is null, an object, or unknown. */
function whyWaiting(reply, account) {
  if (reply.warning) return summary(reply.warning);
  if (account === null) return "No account is connected: log in from the panel to sync it.";
  return "It will be sent to your account shortly.";
}

export class Feedback {
  constructor(action) {
    this.action = action;
    this.shown = new Map(); // tab id -> how many states it was given
    this.saving = new Set(); // tabs with a save in flight: their marks wait for its outcome
  }

  /** A counter that moves whenever the tab is given a state: newer states win. */
  version(tabId) {
    return this.shown.get(tabId) ?? 0;
  }

  async show(tabId, { badge, title, panel }) {
    this.shown.set(tabId, this.version(tabId) + 1);
    const calls = [
      this.action.setBadgeText({ tabId, text: badge?.text ?? "" }),
      this.action.setTitle({ tabId, title: `${NAME}: ${title}` }),
    ];
    if (badge) calls.push(this.action.setBadgeBackgroundColor({ tabId, color: badge.color }));
    if (badge && this.action.setBadgeTextColor) {
      calls.push(this.action.setBadgeTextColor({ tabId, color: TEXT_COLOR }));
    }
    if (typeof panel === "boolean") {
      calls.push(this.action.setPopup({ tabId, popup: panel ? PANEL : "" }));
    }
    try {
      await Promise.all(calls);
    } catch {
      // the tab was closed meanwhile: nothing to show
    }
  }

  working(tabId, what = "Saving this page…") {
    this.saving.add(tabId);
    return this.show(tabId, { badge: BADGES.working, title: what });
  }

  /** The host has the page on disk (its `kept` event); the server may not have it yet. */
  kept(tabId, account, what = "this page", { panel = true } = {}) {
    const title = account === null
      ? `Kept ${what} on this computer. ${whyWaiting({}, null)}`
      : `Kept ${what} on this computer; sending it to your account…`;
    return this.show(tabId, { badge: BADGES.waiting, panel,
      title: panel ? `${title} ${MORE}` : title });
  }

  /** A save's reply ({state, url, warning?}); `what` names what was saved. */
  saved(tabId, reply, account, what = "this page", { panel = true } = {}) {
    this.saving.delete(tabId);
    const synced = reply.state === "synced";
    const title = synced ? `Saved ${what} to your account.`
      : `Kept ${what} on this computer, not yet on your account. ${whyWaiting(reply, account)}`;
    return this.show(tabId, { badge: synced ? BADGES.saved : BADGES.waiting, panel,
      title: panel ? `${title} ${MORE}` : title });
  }

  failed(tabId, error, what = "this page", { panel = true } = {}) {
    this.saving.delete(tabId);
    return this.show(tabId, { badge: BADGES.failed, panel,
      title: `Could not save ${what}. ${summary(error)}${panel ? " Click for help." : ""}` });
  }

  /** The "already saved" mark, from a `lookup` reply. */
  marked(tabId, item, account) {
    if (item.status === "archived") {
      return this.show(tabId, { badge: BADGES.archived, panel: true,
        title: `Archived in your reading list. ${CHANGE}` });
    }
    if (item.state === "pending") {
      const where = account === null ? "on this computer (no account is connected)"
        : "waiting to be sent to your account";
      return this.show(tabId, { badge: BADGES.waiting, panel: true,
        title: `In your reading list, ${where}. ${CHANGE}` });
    }
    const where = account ? " and on your account" : "";
    return this.show(tabId, { badge: BADGES.known, panel: true,
      title: `Already in your reading list${where}. ${CHANGE}` });
  }

  /** A short report about several tabs, e.g. after "Save all tabs". */
  report(tabId, badge, title) {
    return this.show(tabId, { badge, title });
  }

  clear(tabId) {
    return this.show(tabId, { badge: null, title: "Save this page", panel: false });
  }
}
