/**
 * Feedback on the page: a short message after each action (a toast people
 * see, with Undo after a delete, and the same words in a live region screen
 * readers read), and a problem box with what went wrong and what to do.
 */

import { setText } from "../lib/text.js";
import { realClock } from "../lib/native.js";

const $ = (id) => document.getElementById(id);
const SHOW_MS = 5_000;

export class Notices {
  constructor(clock = realClock) {
    this.clock = clock;
    this.timer = null;
    this.onUndo = null;
    $("undo").addEventListener("click", () => this.onUndo?.());
  }

  /** Say `text` (in the toast and to screen readers); `undo` adds an Undo button for `ms`. */
  say(text, { undo = null, ms = SHOW_MS } = {}) {
    const live = $("announce");
    live.textContent = "";
    this.clock.setTimeout(() => {
      live.textContent = text; // a change, so the same words are read again
    }, 50);
    setText($("toast-text"), text);
    this.onUndo = undo;
    $("undo").hidden = !undo;
    $("toast").hidden = false;
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.hide(), ms);
  }

  hide() {
    const hadFocus = $("toast").contains(document.activeElement);
    $("toast").hidden = true;
    this.onUndo = null;
    if (hadFocus) document.getElementById("results").querySelector(".current a")?.focus();
  }

  /** Show an error (a PageError: message, fix, detail), or hide the box with null. */
  problem(error, retry = null) {
    $("problem").hidden = !error;
    if (!error) return;
    setText($("problem-text"), error.message);
    setText($("problem-fix"), error.fix ?? "");
    setText($("problem-detail"), error.detail ? `(${error.detail})` : "");
    $("retry").hidden = !retry;
    $("retry").onclick = retry;
  }
}

/** One line for a toast: the error's message and what to do. */
export function errorLine(error) {
  return [error.message, error.fix].filter(Boolean).join(" ");
}
