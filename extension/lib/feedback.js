/**
 * What the toolbar button shows for one tab: badge text, colour and tooltip.
 *
 * States: working, saved (synced), saved locally (pending), error, and the
 * "already in your list" mark. Tab-specific values are reset by the browser
 * when the tab loads another page. Once a tab's page is in the list (or a save
 * failed), a click on the button opens the panel instead of saving again.
 */

import { summary } from "./errors.js";

export const PANEL = "popup/popup.html";
const NAME = "Pocket Companion";
const COLORS = { working: "#6b7280", synced: "#15803d", pending: "#b45309", error: "#b91c1c" };
const MORE = "Click the button again to add tags, archive or remove it.";

export class Feedback {
  constructor(action) {
    this.action = action;
    this.shown = new Map(); // tab id -> how many states it was given
  }

  /** A counter that moves whenever the tab is given a state: newer states win. */
  version(tabId) {
    return this.shown.get(tabId) ?? 0;
  }

  async show(tabId, { text, color, title, panel }) {
    this.shown.set(tabId, this.version(tabId) + 1);
    const calls = [
      this.action.setBadgeText({ tabId, text }),
      this.action.setTitle({ tabId, title: `${NAME}: ${title}` }),
    ];
    if (color) calls.push(this.action.setBadgeBackgroundColor({ tabId, color }));
    if (color && this.action.setBadgeTextColor) {
      calls.push(this.action.setBadgeTextColor({ tabId, color: "#ffffff" }));
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
    return this.show(tabId, { text: "…", color: COLORS.working, title: what });
  }

  /** A save's reply ({state, url, warning?}); `what` names what was saved. */
  saved(tabId, reply, what = "this page", { panel = true } = {}) {
    const synced = reply.state === "synced";
    const title = synced
      ? [`Saved ${what} to your Pocket account.`]
      : [`Saved ${what} on this computer; it will be sent to Pocket later.`,
          reply.warning ? summary(reply.warning) : "No account is connected."];
    if (panel) title.push(MORE);
    return this.show(tabId, { text: "✓", color: synced ? COLORS.synced : COLORS.pending,
      panel, title: title.join(" ") });
  }

  failed(tabId, error, what = "this page", { panel = true } = {}) {
    return this.show(tabId, { text: "!", color: COLORS.error, panel,
      title: `Could not save ${what}. ${summary(error)}${panel ? " Click for help." : ""}` });
  }

  /** The "already saved" mark, from a `lookup` reply. */
  marked(tabId, item) {
    const where = item.state === "synced" ? "synced to your account" : "waiting to be synced";
    const archived = item.status === "archived" ? ", archived" : "";
    return this.show(tabId, { text: "✓", panel: true,
      color: item.state === "synced" ? COLORS.synced : COLORS.pending,
      title: `Already in your reading list (${where}${archived}). Click for tags, archive or remove.` });
  }

  /** A short report about several tabs, e.g. after "Save all tabs". */
  report(tabId, ok, title) {
    return this.show(tabId, { text: ok ? "✓" : "!", title,
      color: ok ? COLORS.synced : COLORS.error });
  }

  clear(tabId) {
    return this.show(tabId, { text: "", title: "Save this page", panel: false });
  }
}
