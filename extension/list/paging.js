/**
 * The list is paged by the host (no reply over 1 MiB). A pager asks for one
 * query's pages in order; each new query gets a new number, and a reply to an
 * older one is dropped, so a slow answer never overtakes a newer search.
 * Rows that leave the list (archived in the unread view, deleted) move the
 * next page's offset back, so no page skips an item.
 */

export const FIRST_PAGE = 50;
export const PAGE = 100;

export class Pager {
  constructor(ask, { first = FIRST_PAGE, page = PAGE } = {}) {
    this.ask = ask;
    this.first = first;
    this.page = page;
    this.query = 0; // the current query's number
    this.params = null;
    this.offset = 0;
    this.total = null;
    this.done = true;
    this.loading = null; // the page being fetched for the current query
  }

  /**
   * Start a query: resolves with its first page `{items, total}`, or with null
   * when a newer query started meanwhile (its error is dropped then too).
   */
  start(params) {
    const query = ++this.query;
    this.params = params;
    this.offset = 0;
    this.total = null;
    this.done = false;
    this.loading = this.fetch(query, this.first);
    return this.loading;
  }

  /**
   * The next page of the current query, once its first came; null when there is
   * none, or it went stale.
   */
  more() {
    if (this.done || this.total === null) return Promise.resolve(null);
    this.loading ??= this.fetch(this.query, this.page);
    return this.loading;
  }

  async fetch(query, limit) {
    let reply;
    try {
      reply = await this.ask("list", { ...this.params, offset: this.offset, limit });
    } catch (error) {
      if (query !== this.query) return null;
      this.loading = null;
      throw error;
    }
    if (query !== this.query) return null;
    this.loading = null;
    this.offset = reply.next_offset ?? this.offset + reply.items.length;
    this.done = reply.next_offset === undefined;
    this.total = reply.total;
    return { items: reply.items, total: reply.total };
  }

  /** `count` loaded items left the list (or came back, when negative). */
  removed(count = 1) {
    this.offset = Math.max(0, this.offset - count);
    if (this.total !== null) this.total = Math.max(0, this.total - count);
  }
}
