/** Counts in words. */

/** "1 page", "2 pages", "1,234 tabs": a count and its noun, singular or plural. */
export function count(n, singular, plural = `${singular}s`) {
  return `${n.toLocaleString("en")} ${n === 1 ? singular : plural}`;
}
