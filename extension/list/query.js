/**
 * What the reading list shows: a filter (unread, archived, favourites, all), a
 * tag, the search text and the order. It becomes the host's `list` parameters
 * and the page's address (`?show=archived&tag=news&q=...&sort=oldest`), so a
 * reload or a bookmark shows the same list.
 */

export const FILTERS = ["unread", "archived", "favorites", "all"];
export const SORTS = ["newest", "oldest", "relevance"];
export const DEFAULT_FILTER = "unread";
export const MAX_QUERY = 500;

const TOKEN = /-?(?:[^\s":]+:)?"[^"]*"?|\S+/gu;
const OPERATOR = /^-?(?:tag|is|site):/iu;

/** The search text's parts, a quoted phrase (`"a b"`, `tag:"a b"`) being one. */
export function tokens(text) {
  return String(text ?? "").match(TOKEN) ?? [];
}

/** Whether the search has words to rank by (operators such as `tag:x` are not words). */
export function hasWords(text) {
  return tokens(text).some((token) => !OPERATOR.test(token) && !token.startsWith("-") &&
    token.replaceAll('"', "").trim() !== "");
}

export function initialQuery() {
  return { filter: DEFAULT_FILTER, tag: null, text: "", sort: null };
}

/** The order used: the one asked for, else best match for words and newest otherwise. */
export function effectiveSort(query) {
  const words = hasWords(query.text);
  if (query.sort === "relevance" && !words) return "newest";
  return query.sort ?? (words ? "relevance" : "newest");
}

/** The host's `list` parameters for this query (paging is added by the pager). */
export function listParams(query) {
  const params = { sort: effectiveSort(query) };
  if (query.filter === "unread" || query.filter === "archived") params.status = query.filter;
  if (query.filter === "favorites") params.favorite = true;
  if (query.tag) params.tag = query.tag;
  const text = query.text.trim();
  if (text) params.query = text.slice(0, MAX_QUERY);
  return params;
}

/** A query read from the page's address; unknown values fall back to the defaults. */
export function queryFromSearch(search) {
  const values = new URLSearchParams(search);
  const query = initialQuery();
  if (FILTERS.includes(values.get("show"))) query.filter = values.get("show");
  if (values.get("tag")) query.tag = values.get("tag");
  query.text = (values.get("q") ?? "").slice(0, MAX_QUERY);
  if (SORTS.includes(values.get("sort"))) query.sort = values.get("sort");
  return query;
}

/** The address's search part for a query ("" for the default list). */
export function searchFromQuery(query) {
  const values = new URLSearchParams();
  if (query.filter !== DEFAULT_FILTER) values.set("show", query.filter);
  if (query.tag) values.set("tag", query.tag);
  if (query.text) values.set("q", query.text);
  if (query.sort) values.set("sort", query.sort);
  const text = values.toString();
  return text ? `?${text}` : "";
}

/** Whether an item still belongs in the list after a change (filters and tag only). */
export function stillMatches(query, item) {
  if (query.filter === "unread" && item.status !== "unread") return false;
  if (query.filter === "archived" && item.status !== "archived") return false;
  if (query.filter === "favorites" && !item.favorite) return false;
  return !query.tag || item.tags.includes(query.tag);
}
