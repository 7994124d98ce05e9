/**
 * The three kinds of save: the current tab (toolbar button, page menu, shortcut,
 * panel), a link (link menu) and every tab of a window (one `save_many`).
 * Each shows its progress and outcome on the toolbar button and returns
 * `{ok: true, data}` or `{ok: false, error}` (a HostError).
 */

import { describe } from "./errors.js";
import { realClock } from "./native.js";

const FLASH_MS = 4_000;

/** What the host needs to know about a page. */
export function page(url, title) {
  return title ? { url, title } : { url };
}

export class Saver {
  constructor({ tabs, host, feedback, indicator, clock = realClock }) {
    this.tabs = tabs;
    this.host = host;
    this.feedback = feedback;
    this.indicator = indicator;
    this.clock = clock;
  }

  async saveTab(tab) {
    await this.feedback.working(tab.id);
    try {
      const data = await this.host.request("save", page(tab.url, tab.title), { retryNow: true });
      await this.feedback.saved(tab.id, data);
      return { ok: true, data };
    } catch (error) {
      await this.feedback.failed(tab.id, error);
      return { ok: false, error };
    }
  }

  /** Save a link's target (not the page it is on); the tab's own mark comes back after. */
  async saveLink(url, text, tab) {
    await this.feedback.working(tab.id, "Saving the link…");
    let outcome;
    try {
      const data = await this.host.request("save", page(url, text), { retryNow: true });
      await this.feedback.saved(tab.id, data, "the link", { panel: null });
      outcome = { ok: true, data };
    } catch (error) {
      await this.feedback.failed(tab.id, error, "the link", { panel: null });
      outcome = { ok: false, error };
    }
    this.clock.setTimeout(() => this.indicator.refresh(tab.id), FLASH_MS);
    return outcome;
  }

  /** Save every tab of the window in one `save_many`; each saved tab gets its mark. */
  async saveWindow(windowId, activeTabId) {
    const tabs = await this.tabs.query({ windowId });
    await this.feedback.working(activeTabId, `Saving ${tabs.length} tabs…`);
    let data;
    try {
      data = await this.host.request("save_many",
        { items: tabs.map((tab) => page(tab.url, tab.title)) }, { retryNow: true });
    } catch (error) {
      await this.feedback.failed(activeTabId, error, "the tabs");
      return { ok: false, error };
    }
    const failed = [];
    await Promise.all(data.results.map((result, index) => {
      if (result.error) {
        failed.push(describe(result.error).message);
        return null;
      }
      return this.feedback.saved(tabs[index].id, { ...result, warning: data.warning });
    }));
    await this.feedback.report(activeTabId, failed.length < tabs.length,
      windowReport(tabs.length, failed, data));
    return { ok: true, data };
  }
}

function windowReport(total, failed, data) {
  const saved = total - failed.length;
  const lines = [`Saved ${saved} of ${total} tabs in this window.`];
  const pending = data.results.filter((result) => result.state === "pending").length;
  if (pending) lines.push(`${pending} wait on this computer to be sent to Pocket.`);
  for (const reason of new Set(failed)) {
    const count = failed.filter((other) => other === reason).length;
    lines.push(`${count} not saved: ${reason}`);
  }
  return lines.join(" ");
}
