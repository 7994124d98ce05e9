/**
 * One row of the list, built with createElement and textContent only: a
 * checkbox, the title as a plain link (new tab, middle-click works), the site,
 * the date, marks, tags, and buttons for the row's actions. A page with a readable
 * copy is marked so, its title opens the reader view and an "Original" link its
 * address; a search shows the words it matched in the copy's text (`snippet`). Only
 * the current row's controls are in the Tab order (the others are reached with j/k).
 */

import { nameOf, readerAddress, savedDate, siteOf } from "./format.js";

let made = 0;

function element(tag, { text, className, attributes = {} } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function badge(kind, text, title) {
  return element("span", { className: `badge ${kind}`, text, attributes: title ? { title } : {} });
}

function marks(item) {
  const found = [];
  if (item.status === "unread") {
    found.push(element("span", { className: "visually-hidden", text: "Unread" }));
  }
  if (item.status === "archived") found.push(badge("archived", "Archived"));
  if (item.favorite) found.push(badge("favorite", "★ Favourite"));
  if (item.article === "stored") {
    found.push(badge("copy", "Readable copy",
      "A copy of the article is kept: its title opens it."));
  }
  if (item.state === "pending") {
    found.push(badge("pending", "Waiting to sync",
      "Kept on this computer; it is sent to your account at the next sync."));
  }
  return found;
}

function meta(item, id, now) {
  const line = element("div", { className: "meta", attributes: { id: `${id}-meta` } });
  const site = element("span", { className: "site", text: siteOf(item) });
  const when = element("time", { text: `Saved ${savedDate(item.saved_at, now)}`,
    attributes: { datetime: item.saved_at ?? "" } });
  line.append(site, when, ...marks(item));
  if (item.article === "stored") {
    line.append(element("a", { className: "original", text: "Original page", attributes: {
      href: item.url, target: "_blank", rel: "noopener noreferrer", "data-action": "original" } }));
  }
  if (item.tags.length) line.append(tagList(item));
  return line;
}

/** A search's snippet of the copy's text: the matched words (between U+0002 and U+0003)
 * as <mark>, the rest as text; stray markers are dropped. */
export function snippet(text) {
  const box = element("p", { className: "snippet" });
  const plain = (part) => document.createTextNode(part.replace(/[\u0002\u0003]/g, ""));
  const [head, ...rest] = String(text).split("\u0002");
  box.append(plain(head));
  for (const part of rest) {
    const end = part.indexOf("\u0003");
    if (end < 0) {
      box.append(plain(part));
      continue;
    }
    box.append(element("mark", { text: plain(part.slice(0, end)).textContent }),
      plain(part.slice(end + 1)));
  }
  return box;
}

function tagList(item) {
  const list = element("ul", { className: "chips",
    attributes: { "aria-label": "Tags", "data-needs": "tags" } });
  for (const tag of item.tags) {
    const entry = element("li");
    entry.append(element("button", { className: "chip", text: tag, attributes: {
      type: "button", "data-tag": tag, "aria-label": `Show pages tagged ${tag}` } }));
    list.append(entry);
  }
  return list;
}

/** A row's button; hidden when the account's service cannot do its action (its name). */
function button(action, text, id, extra = {}) {
  return element("button", { text, className: extra.className, attributes: {
    type: "button", "data-action": action, "data-needs": action, "aria-describedby": `${id}-title`,
    ...(extra.attributes ?? {}) } });
}

function actions(item, id) {
  const box = element("div", { className: "actions" });
  box.append(
    button("archive", item.status === "archived" ? "Move to unread" : "Archive", id),
    button("favorite", "Favourite", id, { attributes: { "aria-pressed": String(item.favorite) } }),
    button("tags", "Tags", id),
    button("delete", "Delete", id, { className: "danger" }),
  );
  return box;
}

/** Put `item` into the row `li`; the focused control keeps the focus. */
export function fillRow(li, item, { picked = false, current = false, now = new Date() } = {}) {
  const id = `row-${li.dataset.key}`;
  const focused = li.contains(document.activeElement) ? focusedPart(document.activeElement) : null;
  li.dataset.url = item.url;
  li.classList.toggle("unread", item.status === "unread");
  const pick = element("input", { attributes: { type: "checkbox", "data-action": "pick",
    "aria-label": `Select “${nameOf(item)}”` } });
  pick.checked = picked;
  const link = element("a", { className: "title", text: nameOf(item), attributes: {
    id: `${id}-title`, href: item.article === "stored" ? readerAddress(item.url) : item.url,
    target: "_blank", rel: "noopener noreferrer", "data-action": "open",
    "aria-describedby": `${id}-meta` } });
  const body = element("div", { className: "body" });
  body.append(link, meta(item, id, now));
  if (typeof item.snippet === "string" && item.snippet.trim()) body.append(snippet(item.snippet));
  li.replaceChildren(pick, body, actions(item, id));
  markRow(li, { picked, current });
  if (focused) li.querySelector(focused)?.focus({ preventScroll: true });
}

function focusedPart(node) {
  if (node.dataset.action) return `[data-action="${node.dataset.action}"]`;
  if (node.dataset.tag) return `[data-tag="${CSS.escape(node.dataset.tag)}"]`;
  return null;
}

export function renderRow(item, options) {
  const li = element("li", { className: "item" });
  li.dataset.key = String(++made);
  fillRow(li, item, options);
  return li;
}

/** Selected and current marks; only the current row's controls can be reached with Tab. */
export function markRow(li, { picked, current }) {
  li.classList.toggle("picked", picked);
  li.classList.toggle("current", current);
  const pick = li.querySelector('[data-action="pick"]');
  if (pick) pick.checked = picked;
  for (const control of li.querySelectorAll("a, button, input")) {
    control.tabIndex = current ? 0 : -1;
  }
}
