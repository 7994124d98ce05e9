/**
 * The reader view's details of the saved page (site, saved date, reading time, byline, the
 * original address, where the copy comes from, tags) and its controls: archive (and "Mark
 * as read" at the end), favourite and delete with a few seconds to undo, through the
 * host's `modify`, as the panel does. What the account's service cannot do is hidden.
 */

import { setText } from "../lib/text.js";
import { savedDate, siteOf } from "../list/format.js";
import { readingTime } from "./render.js";

const $ = (id) => document.getElementById(id);
const UNDO_MS = 8_000; // inside the host's 10 s hold on a delete

/** A time the host gave (ISO text or Unix seconds) as a Date, or null. */
function when(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function showDetails(article) {
  const saved = when(article.saved_at);
  const parts = [siteOf(article), saved ? `Saved ${savedDate(saved.toISOString())}` : "",
    readingTime(article.words)].filter(Boolean);
  setText($("site-line"), parts.join(" · "));
  setText($("title"), article.title || article.url);
  $("title").lang = article.lang ?? "";
  $("title").dir = ["ltr", "rtl"].includes(article.dir) ? article.dir : "auto";
  setText($("byline"), article.byline ?? "");
  $("byline").hidden = !article.byline;
  $("original").href = article.url;
  const stored = when(article.stored_at);
  const from = article.source === "fetch" ? "Copy fetched by Pocket Companion"
    : "Copy taken in your browser";
  setText($("source"), stored ? `· ${from}, ${savedDate(stored.toISOString())}` : `· ${from}`);
  showTags(article.tags ?? []);
}

function showTags(tags) {
  $("tags").hidden = !tags.length;
  $("tags").replaceChildren(...tags.map((tag) => {
    const entry = document.createElement("li");
    const link = document.createElement("a");
    link.href = `../list/list.html?${new URLSearchParams({ show: "all", tag })}`;
    link.textContent = tag;
    link.setAttribute("aria-label", `Pages tagged ${tag}`);
    entry.append(link);
    return entry;
  }));
}

export class ItemControls {
  constructor({ ask, onChange }) {
    this.ask = ask;
    this.onChange = onChange; // (item) => {}: the page's item after a change
    this.item = null;
    this.undoTimer = null;
  }

  wire() {
    $("archive").addEventListener("click",
      () => this.change(this.archived() ? "readd" : "archive"));
    $("mark-read").addEventListener("click", () => this.change("archive", "Marked as read."));
    $("favorite").addEventListener("click",
      () => this.change(this.item.favorite ? "unfavorite" : "favorite"));
    $("delete").addEventListener("click", () => this.remove());
    $("undo").addEventListener("click", () => this.restore());
  }

  archived() {
    return this.item?.status === "archived";
  }

  show(item) {
    this.item = item;
    $("archive").textContent = this.archived() ? "Move back to unread" : "Archive";
    $("favorite").setAttribute("aria-pressed", String(Boolean(item.favorite)));
    $("favorite").textContent = item.favorite ? "★ Favourite" : "☆ Favourite";
    $("mark-read").hidden = this.archived();
    setText($("end-text"), this.archived() ? "You reached the end. This page is archived."
      : "You reached the end.");
  }

  say(text) {
    setText($("said"), text);
  }

  async change(op, done = "") {
    let reply;
    try {
      reply = await this.ask("modify", { url: this.item.url, op });
    } catch (error) {
      this.say(`${error.message} ${error.fix ?? ""}`.trim());
      return;
    }
    if (reply.item) {
      this.show({ ...this.item, ...reply.item });
      this.onChange(this.item);
    }
    const later = reply.warning ? " The change will be sent to your account later." : "";
    this.say(`${done || doneText(op)}${later}`);
  }

  async remove() {
    try {
      await this.ask("modify", { url: this.item.url, op: "delete" });
    } catch (error) {
      this.say(`${error.message} ${error.fix ?? ""}`.trim());
      return;
    }
    this.say("Deleted from your reading list.");
    $("undo").hidden = false;
    $("undo").focus();
    clearTimeout(this.undoTimer);
    this.undoTimer = setTimeout(() => {
      $("undo").hidden = true;
    }, UNDO_MS);
  }

  async restore() {
    clearTimeout(this.undoTimer);
    $("undo").hidden = true;
    try {
      const reply = await this.ask("modify", { url: this.item.url, op: "restore" });
      if (reply.item) this.show({ ...this.item, ...reply.item });
      this.say("It is back in your reading list.");
    } catch (error) {
      this.say(`${error.message} ${error.fix ?? ""}`.trim());
    }
  }
}

function doneText(op) {
  return { archive: "Archived.", readd: "Moved back to unread.", favorite: "Added to favourites.",
    unfavorite: "Removed from favourites." }[op] ?? "Done.";
}
