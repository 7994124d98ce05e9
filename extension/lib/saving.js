/**
 * The three kinds of save: the current tab (toolbar button, page menu, shortcut,
 * panel), a link (link menu) and every tab of a window (one `save_many`).
 * Each shows its progress on the toolbar button: the request goes out first,
 * the page shows as kept on this computer as soon as the host has it on disk
 * (its `kept` event), and the outcome follows when the server answers. Each
 * returns `{ok: true, data}` or `{ok: false, error}` (a HostError). Once the current
 * tab's page is kept (its badge shown), its readable copy is captured beside the rest
 * (lib/capture.js); links and "Save all tabs" are left to the host's fetcher.
 */

import { HostError, describe, summary } from "./errors.js";
import { realClock } from "./native.js";
import { count } from "./words.js";
import { BADGES } from "./feedback.js";
import { isWebPage } from "./web.js";

const FLASH_MS = 4_000;

/** What the host needs to know about a page. */
export function page(url, title) {
  return title ? { url, title } : { url };
}

/** Only web pages can be saved: said at once, host or no host. */
function notWeb(url) {
  return new HostError("invalid_url", `cannot save ${String(url).split(":")[0] || "this"} pages`);
}

export class Saver {
  constructor({ tabs, host, feedback, indicator, capturer = null, onWaiting = () => {},
                clock = realClock }) {
    this.tabs = tabs;
    this.host = host;
    this.feedback = feedback;
    this.indicator = indicator;
    this.capturer = capturer;
    this.onWaiting = onWaiting; // a page waits although an account is connected
    this.clock = clock;
  }

  /** Save `params` and show its progress on `tabId`; `what` and `panel` as for Feedback.
   * `onKept` runs once the page is kept and its badge shown (or, from a host that sends no
   * `kept`, once it answers). */
  async save(tabId, params, what, { panel = true, working, onKept = null } = {}) {
    let kept = null;
    const keep = (shown) => {
      kept ??= Promise.resolve(shown).then(() => onKept?.(), () => onKept?.());
    };
    const onEvent = (event) => {
      if (event.data?.stage !== "kept") return;
      keep(this.feedback.kept(tabId, this.host.account, what, { panel }));
    };
    const reply = this.host.request("save", params, { retryNow: true, onEvent });
    this.feedback.working(tabId, working);
    try {
      const data = await reply;
      keep(null);
      await this.feedback.saved(tabId, data, this.host.account, what, { panel });
      if (data.state === "pending" && this.host.account) this.onWaiting();
      return { ok: true, data };
    } catch (error) {
      await this.feedback.failed(tabId, error, what, { panel });
      return { ok: false, error };
    }
  }

  async saveTab(tab) {
    if (!isWebPage(tab.url)) {
      const error = notWeb(tab.url);
      await this.feedback.failed(tab.id, error);
      return { ok: false, error };
    }
    if (!this.capturer?.available()) {
      return this.save(tab.id, page(tab.url, tab.title), "this page");
    }
    // `capture`: the host waits a while for the copy before it fetches the page itself
    return this.save(tab.id, { ...page(tab.url, tab.title), capture: true }, "this page",
      { onKept: () => this.capturer.start(tab) });
  }

  /** Save a link's target (not the page it is on); the tab's own mark comes back after.
   * The link's text (Firefox gives it; Chromium does not) only fills in a missing title. */
  async saveLink(url, text, tab) {
    const params = text ? { ...page(url, text), keep_title: true } : page(url);
    const outcome = await this.save(tab.id, params, "the link",
      { panel: null, working: "Saving the link…" });
    this.clock.setTimeout(() => this.indicator.refresh(tab.id), FLASH_MS);
    return outcome;
  }

  /** Save every tab of the window in one `save_many`; each saved tab gets its state. */
  async saveWindow(windowId, activeTabId) {
    const tabs = await this.tabs.query({ windowId });
    const onEvent = (event) => {
      if (event.data?.stage === "kept") this.showTabs(tabs, event.data.results, (tabId) =>
        this.feedback.kept(tabId, this.host.account));
    };
    const reply = this.host.request("save_many",
      { items: tabs.map((tab) => page(tab.url, tab.title)) }, { retryNow: true, onEvent });
    this.feedback.working(activeTabId, `Saving ${count(tabs.length, "tab")}…`);
    let data;
    try {
      data = await reply;
    } catch (error) {
      await this.feedback.failed(activeTabId, error, "the tabs", { panel: false });
      return { ok: false, error };
    }
    await this.showTabs(tabs, data.results, (tabId, result) =>
      this.feedback.saved(tabId, { ...result, warning: data.warning }, this.host.account));
    const report = windowReport(tabs.length, data, this.host.account);
    this.feedback.saving.delete(activeTabId);
    await this.feedback.report(activeTabId, report.badge, report.title);
    if (report.badge === BADGES.waiting && this.host.account) this.onWaiting();
    return { ok: true, data };
  }

  /** Each tab's state from its result: archived pages keep their mark, errors show once. */
  showTabs(tabs, results, show) {
    return Promise.all(results.map((result, index) => {
      const tabId = tabs[index].id;
      if (result.error) return null;
      if (result.status === "archived") {
        return this.feedback.marked(tabId, result, this.host.account);
      }
      return show(tabId, result);
    }));
  }
}

/** The summary of a "Save all tabs": its badge and its tooltip, in words. */
export function windowReport(total, data, account) {
  const saved = data.results.filter((result) => !result.error);
  const archived = saved.filter((result) => result.status === "archived").length;
  const fresh = saved.filter((result) => result.status !== "archived");
  const synced = fresh.filter((result) => result.state === "synced").length;
  const waiting = fresh.length - synced;
  const parts = [];
  if (synced) parts.push(`${synced} on your account`);
  if (waiting) parts.push(`${waiting} kept on this computer for now`);
  if (archived) parts.push(`${archived} already archived (left so)`);
  const lines = [`Saved ${saved.length} of ${count(total, "tab")} in this window` +
    (parts.length ? `: ${parts.join(", ")}.` : ".")];
  if (waiting) {
    lines.push(data.warning ? summary(data.warning) : account === null
      ? "No account is connected: log in from the panel to sync them."
      : "They will be sent to your account shortly.");
  }
  const reasons = new Map();
  for (const result of data.results.filter((r) => r.error)) {
    const reason = describe(result.error).message;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, n] of reasons) lines.push(`${count(n, "tab")} not saved: ${reason}`);
  const badge = !saved.length ? BADGES.failed : waiting ? BADGES.waiting : BADGES.saved;
  return { badge, title: lines.join(" ") };
}
