/**
 * The "already saved" mark: a tab whose page is in the local reading list
 * (host `lookup`, no network) gets a check mark on the toolbar button.
 * Only web pages are looked up; nothing leaves this computer.
 */

const WEB = /^https?:\/\//i;

export class Indicator {
  constructor({ tabs, host, feedback }) {
    this.tabs = tabs;
    this.host = host;
    this.feedback = feedback;
  }

  async refresh(tabId) {
    const before = this.feedback.version(tabId);
    const tab = await this.tabs.get(tabId).catch(() => null);
    if (!tab || !WEB.test(tab.url ?? "")) return;
    let found;
    try {
      found = await this.host.request("lookup", { url: tab.url });
    } catch {
      return; // no host: the mark is a nicety, the toolbar button reports the problem
    }
    const now = await this.tabs.get(tabId).catch(() => null);
    // the tab moved on, or was given a newer state (a save) meanwhile
    if (now?.url !== tab.url || this.feedback.version(tabId) !== before) return;
    if (found.saved) await this.feedback.marked(tabId, found);
    else await this.feedback.clear(tabId);
  }

  async refreshAll() {
    const tabs = await this.tabs.query({});
    await Promise.all(tabs.map((tab) => this.refresh(tab.id)));
  }

  /** `tabs.onUpdated` listener: a new address, or a page that finished loading. */
  onUpdated(tabId, change) {
    if (change.url || change.status === "complete") return this.refresh(tabId);
    return null;
  }
}
