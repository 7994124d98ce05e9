/**
 * The rows on screen: which item each shows, which one is current (the row
 * j/k move and the keys act on; it is always in the Tab order), and which are
 * selected. New results replace the old ones in one step, so a search never
 * shows an empty list in between.
 */

import { fillRow, markRow, renderRow } from "./rows.js";

export class Results {
  constructor(list, selection) {
    this.list = list;
    this.selection = selection;
    this.items = new Map(); // url -> item
    this.current = null; // url of the current row
    list.addEventListener("focusin", (event) => {
      const row = event.target.closest(".item");
      if (row) this.setCurrent(row.dataset.url);
    });
  }

  row(url) {
    return url ? this.list.querySelector(`.item[data-url="${CSS.escape(url)}"]`) : null;
  }

  /** The URLs shown, in order. */
  urls() {
    return [...this.list.children].map((li) => li.dataset.url);
  }

  get size() {
    return this.items.size;
  }

  render(item, now) {
    return renderRow(item, { now, picked: this.selection.has(item.url),
      current: item.url === this.current });
  }

  /** Show these items instead of the current ones. */
  replace(items) {
    const hadFocus = this.list.contains(document.activeElement);
    this.items = new Map(items.map((item) => [item.url, item]));
    this.current = items[0]?.url ?? null;
    const now = new Date();
    const rows = document.createDocumentFragment();
    for (const item of this.items.values()) rows.append(this.render(item, now));
    this.list.replaceChildren(rows);
    if (hadFocus) this.focusCurrent();
  }

  /** Add the next page's items (those not shown already). */
  append(items) {
    const now = new Date();
    const rows = document.createDocumentFragment();
    for (const item of items) {
      if (this.items.has(item.url)) continue;
      this.items.set(item.url, item);
      rows.append(this.render(item, now));
    }
    this.list.append(rows);
    this.current ??= this.list.firstElementChild?.dataset.url ?? null;
    this.mark(this.current);
  }

  update(item) {
    const row = this.row(item.url);
    if (!row) return;
    this.items.set(item.url, item);
    fillRow(row, item, { picked: this.selection.has(item.url), current: item.url === this.current });
  }

  /** Take a row out; returns where it was, for an undo. The next row becomes current. */
  remove(url) {
    const row = this.row(url);
    if (!row) return null;
    const index = [...this.list.children].indexOf(row);
    const item = this.items.get(url);
    const hadFocus = row.contains(document.activeElement);
    if (this.current === url) {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      this.current = next?.dataset.url ?? null;
    }
    row.remove();
    this.items.delete(url);
    this.mark(this.current);
    if (hadFocus) this.focusCurrent();
    return { item, index };
  }

  /** Put a removed row back where it was. */
  insert(item, index) {
    if (this.items.has(item.url)) return;
    this.items.set(item.url, item);
    this.list.insertBefore(this.render(item, new Date()), this.list.children[index] ?? null);
    this.current ??= item.url;
    this.mark(this.current);
  }

  mark(url) {
    const row = this.row(url);
    if (row) markRow(row, { picked: this.selection.has(url), current: url === this.current });
  }

  /** Show every row's selected mark again (after a change to the selection). */
  markAll() {
    for (const row of this.list.children) {
      markRow(row, { picked: this.selection.has(row.dataset.url),
        current: row.dataset.url === this.current });
    }
  }

  setCurrent(url) {
    if (url === this.current || !this.items.has(url)) return;
    const before = this.current;
    this.current = url;
    this.mark(before);
    this.mark(url);
  }

  /**
   * Move the current row by `delta` and focus its title (coming from outside the
   * list, focus the current row first); false at either end.
   */
  move(delta) {
    if (!this.list.contains(document.activeElement) && this.current) {
      this.focusCurrent();
      return true;
    }
    const urls = this.urls();
    const to = urls.indexOf(this.current) + delta;
    if (to < 0 || to >= urls.length) return false;
    this.setCurrent(urls[to]);
    this.focusCurrent();
    return true;
  }

  focusCurrent() {
    const row = this.row(this.current);
    if (!row) return;
    row.querySelector('[data-action="open"]').focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
}
