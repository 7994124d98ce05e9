/**
 * What the row buttons, the selection's buttons and the keys do: every change
 * goes to the host (`modify` for one page, `modify_many` for more), then the
 * rows on screen follow: changed, or gone when they no longer match the view.
 * A delete can be undone while the host still holds it (op `restore`).
 */

import { nameOf, pages } from "./format.js";
import { applyOp, matchingUrls, modifyMany } from "./bulk.js";
import { listParams, stillMatches } from "./query.js";
import { UNDO_MS } from "./undo.js";
import { errorLine } from "./notices.js";

const DONE = {
  archive: "Archived", readd: "Moved to unread", favorite: "Added to favourites",
  unfavorite: "Removed from favourites", tags_add: "Tagged", tags_remove: "Untagged",
  delete: "Deleted", restore: "Restored",
};

/** The op a toggle key means for these items (unknown items: decided by the view). */
export function toggleOp(action, items, query) {
  if (action === "archive") {
    const back = items.length ? items.every((item) => item.status === "archived")
      : query.filter === "archived";
    return back ? "readd" : "archive";
  }
  if (action === "favorite") {
    const off = items.length ? items.every((item) => item.favorite) : query.filter === "favorites";
    return off ? "unfavorite" : "favorite";
  }
  return action;
}

/** "Archived “Title”." or "Archived 3 pages.", plus what failed and why. */
export function report(op, done, failed, nameOne) {
  const what = done.length === 1 && nameOne ? `“${nameOne}”` : pages(done.length);
  const lines = done.length ? [`${DONE[op]} ${what}.`] : [];
  if (failed.length) {
    const reasons = [...new Set(failed.map((result) => result.error?.message ?? "unknown error"))];
    lines.push(`${pages(failed.length)} could not be changed: ${reasons.join("; ")}`);
  }
  return lines.join(" ");
}

export class Changes {
  constructor({ client, results, selection, pager, notices, undo, query, afterChange }) {
    this.client = client;
    this.results = results;
    this.selection = selection;
    this.pager = pager;
    this.notices = notices;
    this.undo = undo;
    this.query = query; // () => the query shown
    this.afterChange = afterChange; // (op, {reload}) => counts, tags, account; reload the list
  }

  /** What keys and the selection's buttons act on: the selection, else the current row. */
  targets() {
    if (!this.selection.empty) {
      const everything = this.selection.everything;
      const urls = everything ? [] : [...this.selection.urls];
      const items = (everything ? [...this.results.items.keys()] : urls)
        .map((url) => this.results.items.get(url)).filter(Boolean);
      return { everything, urls, items, count: this.selection.count(this.pager.total ?? 0) };
    }
    const item = this.results.items.get(this.results.current);
    return item ? { everything: false, urls: [item.url], items: [item], count: 1 } : null;
  }

  /** The row `url` alone (its own buttons act on it, whatever is selected). */
  row(url) {
    const item = this.results.items.get(url);
    return item ? { everything: false, urls: [url], items: [item], count: 1 } : null;
  }

  /** Toggle archive or favourite, or apply `op` as given. */
  async toggle(action, target) {
    if (!target) return;
    await this.apply(toggleOp(action, target.items, this.query()), target);
  }

  async resolve(target) {
    if (!target.everything) return target.urls;
    this.notices.say(`Collecting the ${pages(target.count)}…`);
    return matchingUrls((action, params) => this.client.ask(action, params), listParams(this.query()));
  }

  /** Send `op` for the target's pages; returns {done, failed, item?} or null on an error. */
  async send(op, urls, tags = null) {
    if (urls.length === 1) {
      const reply = await this.client.ask("modify", { url: urls[0], op, ...(tags ? { tags } : {}) });
      return { done: urls, failed: [], item: reply.item };
    }
    return modifyMany((action, params) => this.client.ask(action, params), urls, op, tags);
  }

  async apply(op, target, tags = null) {
    if (!target) return null;
    let outcome;
    try {
      outcome = await this.send(op, await this.resolve(target), tags);
    } catch (error) {
      this.notices.say(errorLine(error));
      return null;
    }
    const [only] = outcome.done.length === 1 ? outcome.done : [];
    const one = only ? this.results.items.get(only) ?? outcome.item : null;
    this.show(op, outcome, tags);
    this.notices.say(report(op, outcome.done, outcome.failed, one && nameOf(one)));
    await this.afterChange(op, { reload: target.everything });
    return outcome;
  }

  /** The rows after a change: updated, or taken out when they leave the view. */
  show(op, { done, item }, tags) {
    const removed = [];
    for (const url of done) {
      const before = this.results.items.get(url);
      if (!before) continue;
      const after = item && item.url === url ? item : applyOp(before, op, tags ?? []);
      if (after && stillMatches(this.query(), after)) {
        this.results.update(after);
      } else {
        removed.push(this.results.remove(url));
        this.selection.forget(url);
        this.pager.removed(1);
      }
    }
    if (this.selection.everything && op === "delete") this.selection.clear();
    this.results.markAll();
    return removed;
  }

  /** Delete with an undo offer, timed from when the delete is sent. */
  async remove(target) {
    if (!target) return;
    let urls;
    try {
      urls = await this.resolve(target);
    } catch (error) {
      this.notices.say(errorLine(error));
      return;
    }
    const entry = { urls, removed: [], reload: target.everything };
    this.undo.offer(entry, () => {});
    let outcome;
    try {
      outcome = await this.send("delete", urls);
    } catch (error) {
      this.undo.withdraw(entry);
      this.notices.say(errorLine(error));
      return;
    }
    const one = outcome.done.length === 1 ? this.results.items.get(outcome.done[0]) : null;
    entry.urls = outcome.done;
    entry.removed = this.show("delete", outcome, null);
    const text = report("delete", outcome.done, outcome.failed, one && nameOf(one));
    this.notices.say(text, { undo: () => this.restore(), ms: UNDO_MS - 500 });
    await this.afterChange("delete", { reload: entry.reload });
  }

  /** Undo the last delete: the host brings the pages back as they were. */
  async restore() {
    const entry = this.undo.take();
    if (!entry) {
      this.notices.say("Too late to undo: the delete has been sent.");
      return;
    }
    let outcome;
    try {
      outcome = await this.send("restore", entry.urls);
    } catch (error) {
      this.notices.say(errorLine(error));
      return;
    }
    const back = new Set(outcome.done);
    for (const { item, index } of entry.removed.slice().reverse()) {
      if (!back.has(item.url)) continue;
      this.results.insert(outcome.item?.url === item.url ? outcome.item : item, index);
      this.pager.removed(-1);
    }
    this.results.markAll();
    this.notices.say(report("restore", outcome.done, outcome.failed, null));
    await this.afterChange("restore", { reload: entry.reload });
  }
}
