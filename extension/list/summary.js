/** The sentences above and instead of the list: how many match, and what to do when none do. */

import { pages } from "./format.js";

const KIND = { unread: "unread ", archived: "archived ", favorites: "favourite ", all: "" };
const SHORTCUT_HELP = "Save pages with the toolbar button (or Alt+Shift+Y) and they show up here.";

/** "1,234 unread pages", "3 archived pages tagged “news” match “rust”". */
export function countLine(query, total) {
  const noun = pages(total).replace(/ (pages?)$/, ` ${KIND[query.filter]}$1`);
  const tag = query.tag ? ` tagged “${query.tag}”` : "";
  const text = query.text.trim();
  if (!text) return `${noun}${tag}`;
  return `${noun}${tag} ${total === 1 ? "matches" : "match"} “${text}”`;
}

/**
 * What an empty list says, and the changes that lead somewhere: `{text, next,
 * offers: [{label, change}]}` (a change is applied to the query).
 */
export function emptyState(query) {
  const text = query.text.trim();
  const narrowed = query.filter !== "all" || query.tag;
  const everywhere = { label: "Search all pages", change: { filter: "all", tag: null } };
  if (text) {
    return { text: `No ${KIND[query.filter]}pages match “${text}”.`,
      next: "Try fewer or shorter words, or an operator such as tag:name, site:example.org " +
        "or is:archived.",
      offers: narrowed ? [everywhere] : [] };
  }
  if (query.tag) {
    return { text: `No ${KIND[query.filter]}pages are tagged “${query.tag}”.`, next: "",
      offers: [{ label: "Show every tag", change: { tag: null } }] };
  }
  if (query.filter === "unread") {
    return { text: "Nothing unread: you have read everything.", next: SHORTCUT_HELP,
      offers: [{ label: "Show archived pages", change: { filter: "archived" } },
        { label: "Show all pages", change: { filter: "all" } }] };
  }
  if (query.filter === "archived") {
    return { text: "No archived pages yet.",
      next: "Press a on a page (or its Archive button) once you have read it.",
      offers: [{ label: "Show unread pages", change: { filter: "unread" } }] };
  }
  if (query.filter === "favorites") {
    return { text: "No favourites yet.",
      next: "Press f on a page (or its Favourite button) to keep it here.",
      offers: [{ label: "Show all pages", change: { filter: "all" } }] };
  }
  return { text: "Your reading list is empty.", next: SHORTCUT_HELP, offers: [] };
}
