/**
 * The "already saved" marks: a tab whose page is in the local reading list
 * (host `lookup`, no network) shows it on the toolbar button: in the list,
 * archived, or waiting to be sent. Only web pages are looked up; nothing leaves
 * this computer. Marks are read again when they may have changed elsewhere: after
 * a sync sent waiting pages, and when the host is reached after it was not.
 */

import { BADGES } from "./feedback.js";
import { isWebPage } from "./web.js";

export class Indicator {
  constructor({ tabs, action, host, feedback }) {
    this.tabs = tabs;
    this.action = action;
    this.host = host;
    this.feedback = feedback;
  }

  async refresh(tabId) {
    const before = this.feedback.version(tabId);
    const tab = await this.tabs.get(tabId).catch(() => null);
    if (!tab || !isWebPage(tab.url) || this.feedback.saving.has(tabId)) return;
    let found;
    try {
      found = await this.host.request("lookup", { url: tab.url });
    } catch {
      return; // no host: the mark is a nicety, the toolbar button reports the problem
    }
    const now = await this.tabs.get(tabId).catch(() => null);
    // the tab moved on, or was given a newer state (a save) meanwhile
    if (now?.url !== tab.url || this.feedback.version(tabId) !== before) return;
    if (found.saved) await this.feedback.marked(tabId, found, this.host.account);
    else await this.feedback.clear(tabId);
  }

  async refreshAll() {
    const tabs = await this.tabs.query({});
    await Promise.all(tabs.map((tab) => this.refresh(tab.id)));
  }

  /** Read again the marks of the web pages whose badge shows `badge` (a state that may
   * no longer be true). */
  async refreshShowing(badge) {
    const tabs = (await this.tabs.query({})).filter((tab) => isWebPage(tab.url));
    const texts = await Promise.all(tabs.map((tab) =>
      this.action.getBadgeText({ tabId: tab.id }).catch(() => "")));
    await Promise.all(tabs.filter((_, index) => texts[index] === badge.text)
      .map((tab) => this.refresh(tab.id)));
  }

  /** The host answers again: after failed starts, marks were missed and errors are stale
   * (all are read again); a new background checks for errors left by the last one. */
  reached(first, recovered) {
    if (recovered) return this.refreshAll();
    return first ? this.refreshShowing(BADGES.failed) : null;
  }

  /** `tabs.onUpdated` listener: a new address, or a page that finished loading. */
  onUpdated(tabId, change) {
    if (change.url || change.status === "complete") return this.refresh(tabId);
    return null;
  }
}
