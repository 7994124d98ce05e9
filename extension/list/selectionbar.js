/**
 * The bar above the list: how many pages are selected, a box that selects
 * every shown row, the offer to select every match (loaded or not), and the
 * changes for the selection (wired by the page).
 */

import { pages } from "./format.js";

const $ = (id) => document.getElementById(id);

export class SelectionBar {
  constructor({ selection, results, pager, notices }) {
    this.selection = selection;
    this.results = results;
    this.pager = pager;
    this.notices = notices;
  }

  wire() {
    $("pick-loaded").addEventListener("change", () => {
      if ($("pick-loaded").checked) this.selection.selectAll(this.results.urls());
      else this.selection.clear();
      this.changed();
    });
    $("pick-everything").addEventListener("click", () => {
      this.selection.selectEverything();
      this.changed();
      this.notices.say(`All ${pages(this.pager.total ?? 0)} that match are selected.`);
    });
  }

  /** A row's box, or x / Shift+X: one row, or the range from the last one picked. */
  pick(url, on, range) {
    if (range) this.selection.extend(url, on, this.results.urls());
    else this.selection.set(url, on, this.results.urls());
    this.changed();
  }

  clear() {
    if (this.selection.empty) return;
    this.selection.clear();
    this.changed();
    this.notices.say("Selection cleared.");
  }

  changed() {
    this.results.markAll();
    this.show();
  }

  show() {
    const { selection } = this;
    const total = this.pager.total ?? 0;
    const shown = this.results.urls();
    const allShown = shown.length > 0 && shown.every((url) => selection.has(url));
    $("bulk-actions").hidden = selection.empty;
    $("pick-loaded").checked = allShown;
    $("pick-loaded").indeterminate = !selection.empty && !allShown;
    $("picked").textContent = selection.empty ? "Select"
      : selection.everything ? `All ${pages(total)} selected`
        : `${selection.count(total).toLocaleString()} selected`;
    $("pick-everything").hidden = !(allShown && !selection.everything && total > shown.length);
    $("pick-everything").textContent = `Select all ${pages(total)} that match`;
  }
}
