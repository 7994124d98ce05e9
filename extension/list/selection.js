/**
 * Which rows are selected: some by URL, or every page that matches the query
 * ("select all N matching", which also covers the rows not loaded yet).
 * A shift-click selects (or clears) the range from the last clicked row.
 */

export class Selection {
  constructor() {
    this.urls = new Set();
    this.everything = false;
    this.anchor = null;
  }

  get empty() {
    return !this.everything && this.urls.size === 0;
  }

  has(url) {
    return this.everything || this.urls.has(url);
  }

  /** How many pages are selected, when `total` match the query. */
  count(total) {
    return this.everything ? total : this.urls.size;
  }

  /** Select or clear one row. Clearing one of "every match" keeps the other loaded rows. */
  set(url, on, loaded) {
    if (this.everything && !on) {
      this.everything = false;
      this.urls = new Set(loaded);
    }
    if (on) this.urls.add(url);
    else this.urls.delete(url);
    this.anchor = url;
  }

  toggle(url, loaded) {
    this.set(url, !this.has(url), loaded);
  }

  /** Shift-click: give every row from the anchor to `url` (in `loaded` order) the state `on`. */
  extend(url, on, loaded) {
    const from = loaded.indexOf(this.anchor);
    const to = loaded.indexOf(url);
    if (from === -1 || to === -1) {
      this.set(url, on, loaded);
      return;
    }
    const [start, end] = from < to ? [from, to] : [to, from];
    for (const each of loaded.slice(start, end + 1)) this.set(each, on, loaded);
    this.anchor = url;
  }

  selectAll(loaded) {
    for (const url of loaded) this.urls.add(url);
  }

  selectEverything() {
    this.everything = true;
  }

  /** A row left the list (deleted): it is no longer selected. */
  forget(url) {
    this.urls.delete(url);
    if (this.anchor === url) this.anchor = null;
  }

  clear() {
    this.urls.clear();
    this.everything = false;
    this.anchor = null;
  }
}
