/** How an item's parts read in a row: its name, its site and when it was saved. */

/** The site: the host's `site`, else the address's host without `www.`. */
export function siteOf(item) {
  if (item.site) return item.site;
  try {
    return new URL(item.url).hostname.replace(/^www\./, "");
  } catch {
    return "";
  }
}

/** The reader view of a saved page's copy, from the extension's pages (list/, popup/). */
export function readerAddress(url) {
  return `../reader/reader.html?${new URLSearchParams({ url })}`;
}

/** The title, or the address when the page has none. */
export function nameOf(item) {
  return item.title?.trim() || item.url;
}

const DAY_MS = 86_400_000;

/** "today", "yesterday", "Mar 4" this year, else "Mar 4, 2024" (after "Saved"). */
export function savedDate(iso, now = new Date(), locale = undefined) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
  if (days === 0) return "today";
  if (days === 1) return "yesterday";
  const options = { month: "short", day: "numeric" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return date.toLocaleDateString(locale, options);
}

/** "1 page", "1,234 pages". */
export function pages(count, locale = undefined) {
  return `${count.toLocaleString(locale)} ${count === 1 ? "page" : "pages"}`;
}
