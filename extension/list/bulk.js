/**
 * Changes to many pages: the URLs of every page matching a query (paged
 * through `list`), `modify_many` in chunks the host accepts, and what a change
 * does to an item already shown (so rows update without reloading the list).
 */

export const CHUNK = 1000; // the most URLs one `list` page or `modify_many` carries

/** Every URL matching `params` (the `list` parameters), page by page. */
export async function matchingUrls(ask, params, onProgress = () => {}) {
  const urls = [];
  let offset = 0;
  for (;;) {
    const reply = await ask("list", { ...params, offset, limit: CHUNK });
    urls.push(...reply.items.map((item) => item.url));
    onProgress(urls.length, reply.total);
    if (reply.next_offset === undefined || reply.items.length === 0) return urls;
    offset = reply.next_offset;
  }
}

/** Apply `op` to `urls` in chunks; `{done: [url], failed: [{url, error}]}`. */
export async function modifyMany(ask, urls, op, tags = null) {
  const done = [];
  const failed = [];
  for (let start = 0; start < urls.length; start += CHUNK) {
    const params = { urls: urls.slice(start, start + CHUNK), op, ...(tags ? { tags } : {}) };
    const reply = await ask("modify_many", params);
    for (const result of reply.results) {
      if (result.ok) done.push(result.url);
      else failed.push(result);
    }
  }
  return { done, failed };
}

const FIELDS = {
  archive: { status: "archived" },
  readd: { status: "unread" },
  favorite: { favorite: true },
  unfavorite: { favorite: false },
};

/** The item after `op` (as the host applies it); null once deleted. */
export function applyOp(item, op, tags = []) {
  if (op === "delete") return null;
  const changed = { ...item, state: "pending" };
  if (op === "tags_add") changed.tags = [...new Set([...item.tags, ...tags])];
  else if (op === "tags_remove") changed.tags = item.tags.filter((tag) => !tags.includes(tag));
  else Object.assign(changed, FIELDS[op]);
  return changed;
}

/** Tags as typed: split on commas, trimmed, lower-cased, without repeats. */
export function parseTags(text) {
  const tags = String(text).split(",").map((tag) => tag.trim().toLowerCase()).filter(Boolean);
  return [...new Set(tags)];
}
