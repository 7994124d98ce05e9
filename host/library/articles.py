"""Readable copies of saved pages, and the queue of pages waiting for a fetched copy: the
only SQL of both (the tables ``articles`` and ``article_state``, made by :mod:`.db`).

A page has at most one copy: the sanitized HTML and the plain text, each zlib-compressed,
with what the extractor found (title, byline, site, language, direction, excerpt, words).
Each page with a state has one of:

    pending   waiting for a fetch, not before ``next_try``; a host fetching it holds it
              until ``claim_until`` (a lease), as ``claimed_by``: a host that closes lets
              go (:meth:`Articles.release`), and one of this computer that is gone is
              passed over at once
    stored    a copy is kept (``source``: ``capture`` from the user's browser, or ``fetch``)
    none      the page has no article (the extractor found none): its link only
    failed    fetching failed for good; ``last_error`` says why

A page without a state (``null`` in ``list``) was saved before copies existed, or while
fetching was off. A capture replaces any copy; a fetched copy never replaces a captured one.
Copies and states go with their page (``ON DELETE CASCADE``), in the transaction that
removes it for good. Every change to a copy re-indexes its page's text (:mod:`.search`).
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

from pocket_companion.articles.model import Article, FetchJob, FetchOutcome
from pocket_companion.library.db import Database
from pocket_companion.library.owners import new_owner, owner_alive
from pocket_companion.library.query import Query
from pocket_companion.library.search import reindex, snippets

CAPTURE = "capture"
FETCH = "fetch"
BACKOFF = (60.0, 600.0, 3600.0)  # seconds before each retry; the next failure is final
LEASE_SECONDS = 300.0  # a claimed page is another host's again after this
MAX_ERROR_CHARS = 500


class Copy(NamedTuple):
    """A stored copy as the reader shows it: ``article.html`` decompressed, its ``text``
    left out (see :meth:`Articles.text_of`); ``images``: the person's choice for the page
    (None: the reader's default)."""

    item_id: int
    source: str
    article: Article
    stored_at: float
    progress: float
    images: bool | None


def _unpack(data: bytes) -> str:
    return zlib.decompress(data).decode("utf-8")


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class Articles:
    """Copies and fetch states, each change one write transaction of the reading list."""

    def __init__(self, db: Database, clock: Callable[[], float],
                 owner: str | None = None) -> None:
        self.db = db
        self.clock = clock
        self.owner = owner or new_owner()

    def queue_changed_since(self, since: float) -> int:
        """Queue the live pages without a state that were added or changed at ``since`` or
        later (by an import or a pull, which say no more about the pages they wrote)."""
        with self.db.write() as conn:
            return conn.execute(
                "INSERT OR IGNORE INTO article_state (item, state, next_try) "
                "SELECT id, 'pending', ? FROM items WHERE updated_at >= ? AND deleted = 0",
                (self.clock(), since)).rowcount

    def claim(self, limit: int) -> list[FetchJob]:
        """Up to ``limit`` due pages, leased to the caller for :data:`LEASE_SECONDS` (two
        hosts never fetch the same page); a page deleted within its undo time waits."""
        now = self.clock()
        self._free_orphans(now)
        due = self.next_due()
        if due is None or due > now:  # the usual case: no write transaction for nothing
            return []
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT s.item, i.url, s.attempts FROM article_state s "
                "JOIN items i ON i.id = s.item WHERE s.state = 'pending' AND s.next_try <= ? "
                "AND s.claim_until <= ? AND i.deleted = 0 ORDER BY s.next_try LIMIT ?",
                (now, now, limit)).fetchall()
            conn.executemany(
                "UPDATE article_state SET claim_until = ?, claimed_by = ? WHERE item = ?",
                [(now + LEASE_SECONDS, self.owner, row[0]) for row in rows])
        return [FetchJob(item_id, url, attempts) for item_id, url, attempts in rows]

    def release(self) -> int:
        """Let go of every page this process holds (it is closing): another host may fetch
        them at once. How many there were."""
        with self.db.write() as conn:
            return conn.execute(
                "UPDATE article_state SET claim_until = 0, claimed_by = NULL "
                "WHERE claimed_by = ? AND state = 'pending'", (self.owner,)).rowcount

    def _free_orphans(self, now: float) -> None:
        """Let go of the pages held by processes of this computer that are gone."""
        holders = [row[0] for row in self.db.query(
            "SELECT DISTINCT claimed_by FROM article_state WHERE state = 'pending' "
            "AND claim_until > ? AND claimed_by IS NOT NULL", (now,))]
        gone = [holder for holder in holders if not owner_alive(holder)]
        if gone:
            with self.db.write() as conn:
                conn.execute("UPDATE article_state SET claim_until = 0, claimed_by = NULL "
                             f"WHERE claimed_by IN ({_marks(gone)})", gone)

    def next_due(self) -> float | None:
        """When the next pending page may be claimed (None: nothing is pending)."""
        rows = self.db.query("SELECT MIN(MAX(next_try, claim_until)) FROM article_state "
                             "WHERE state = 'pending'")
        return None if rows[0][0] is None else float(rows[0][0])

    def finish(self, job: FetchJob, outcome: FetchOutcome) -> str | None:
        """Settle a claimed page: its fetched copy stored (``outcome.article``, already
        sanitized), unless a capture came meanwhile; or the error noted, tried again after
        :data:`BACKOFF` when ``retry`` says it may help, else final. Returns the page's
        state now (None: the page is gone)."""
        now = self.clock()
        with self.db.write() as conn:
            row = conn.execute("SELECT state FROM article_state WHERE item = ?",
                               (job.item_id,)).fetchone()
            if row is None or row[0] != "pending":  # removed, or captured meanwhile
                return None if row is None else str(row[0])
            if outcome.article is not None and outcome.article.text.strip():
                store_in(conn, job.item_id, outcome.article, FETCH, now)
                return "stored"
            attempts = job.attempts + 1
            again = outcome.retry and attempts <= len(BACKOFF)
            state = "pending" if again else "none" if outcome.error is None else "failed"
            conn.execute(
                "UPDATE article_state SET state = ?, attempts = ?, next_try = ?, "
                "claim_until = 0, claimed_by = NULL, last_error = ? WHERE item = ?",
                (state, attempts, now + BACKOFF[attempts - 1] if again else 0,
                 (outcome.error or "")[:MAX_ERROR_CHARS] or None, job.item_id))
            return state

    def store(self, item_id: int, article: Article, source: str = CAPTURE) -> bool:
        """Keep a (sanitized) copy of a page; False when a fetched copy would replace a
        captured one, which it never does."""
        with self.db.write() as conn:
            return store_in(conn, item_id, article, source, self.clock())

    def no_article(self, item_id: int) -> bool:
        """The browser found no article in the page: it says "link only", unless a copy is
        kept already (an earlier capture or fetch stays). True when a copy is kept."""
        with self.db.write() as conn:
            if conn.execute("SELECT 1 FROM articles WHERE item = ?", (item_id,)).fetchone():
                return True
            _set_state(conn, item_id, "none")
            return False

    def read(self, item_id: int) -> Copy | None:
        rows = self.db.query(
            "SELECT a.source, a.title, a.byline, a.site, a.lang, a.dir, a.excerpt, a.words, "
            "a.html, a.stored_at, s.progress, s.images FROM articles a JOIN article_state s "
            "ON s.item = a.item WHERE a.item = ?", (item_id,))
        if not rows:
            return None
        (source, title, byline, site, lang, direction, excerpt, words, html, at, done,
         images) = rows[0]
        article = Article(title, byline, site, lang, direction, excerpt, _unpack(html), "",
                          words)
        return Copy(item_id, source, article, at, done, None if images is None else bool(images))

    def exported(self, item_id: int) -> Copy | None:
        """A page's copy with its text, as an export writes it (None: it has none)."""
        copy = self.read(item_id)
        text = self.text_of(item_id) if copy is not None else None
        return None if copy is None else copy._replace(
            article=copy.article._replace(text=text or ""))

    def text_of(self, item_id: int) -> str | None:
        rows = self.db.query("SELECT text FROM articles WHERE item = ?", (item_id,))
        return _unpack(rows[0][0]) if rows else None

    def set_progress(self, item_id: int, progress: float | None, images: bool | None
                     ) -> tuple[float, bool | None] | None:
        """How far the page's copy was read (0 to 1), and whether its images are shown,
        each changed unless None; both as they are then (None: the page has no copy)."""
        with self.db.write() as conn:
            conn.execute("UPDATE article_state SET progress = COALESCE(?, progress), "
                         "images = COALESCE(?, images) WHERE item = ? AND state = 'stored'",
                         (progress, images, item_id))
            row = conn.execute("SELECT progress, images FROM article_state WHERE item = ? "
                               "AND state = 'stored'", (item_id,)).fetchone()
        return None if row is None else (row[0], None if row[1] is None else bool(row[1]))

    def states(self, item_ids: Sequence[int]) -> dict[int, str]:
        """The state of each of the pages that has one."""
        found: dict[int, str] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            found.update((row[0], row[1]) for row in self.db.query(
                f"SELECT item, state FROM article_state WHERE item IN ({_marks(chunk)})",
                chunk))
        return found

    def snippets(self, query: Query, item_ids: Sequence[int]) -> dict[int, str]:
        """Article text around the query's words, for the pages whose text has them."""
        if not query.words or not item_ids:
            return {}
        with self.db.read() as conn:
            return snippets(conn, query, item_ids)

    def counts(self) -> dict[str, int]:
        """``count``: stored copies; ``bytes``: their text and HTML as stored (compressed);
        ``pending`` and ``failed``: pages waiting for a fetch, and given up."""
        rows = {state: (int(count), int(size)) for state, count, size in self.db.query(
            "SELECT state, COUNT(*), SUM(bytes) FROM article_state GROUP BY state")}
        stored = rows.get("stored", (0, 0))
        return {"count": stored[0], "bytes": stored[1], "pending": rows.get("pending", (0, 0))[0],
                "failed": rows.get("failed", (0, 0))[0]}


def queue_in(conn: sqlite3.Connection, item_ids: Sequence[int], due: float) -> int:
    """Give the live pages among ``item_ids`` that have no state a place in the fetch queue,
    due at ``due``, in the caller's transaction (a save's); how many were queued."""
    count = 0
    for start in range(0, len(item_ids), 500):
        chunk = list(item_ids[start:start + 500])
        count += conn.execute(
            "INSERT OR IGNORE INTO article_state (item, state, next_try) "
            f"SELECT id, 'pending', ? FROM items WHERE id IN ({_marks(chunk)}) "
            "AND +deleted = 0", [due, *chunk]).rowcount  # by id, not by the live rows
    return count


def _set_state(conn: sqlite3.Connection, item_id: int, state: str) -> None:
    """A page's state settled (its queue fields cleared; its reading progress kept)."""
    conn.execute(
        "INSERT INTO article_state (item, state) VALUES (?, ?) ON CONFLICT (item) DO UPDATE "
        "SET state = excluded.state, next_try = 0, claim_until = 0, claimed_by = NULL, "
        "last_error = NULL, bytes = 0", (item_id, state))


def store_in(conn: sqlite3.Connection, item_id: int, article: Article, source: str,
           now: float) -> bool:
    """Keep a copy (see :meth:`Articles.store`), in the caller's transaction."""
    kept = conn.execute("SELECT source FROM articles WHERE item = ?", (item_id,)).fetchone()
    if kept is not None and kept[0] == CAPTURE and source == FETCH:
        return False
    text, html = article.text.encode("utf-8"), article.html.encode("utf-8")
    packed_text, packed_html = zlib.compress(text), zlib.compress(html)
    conn.execute(
        "INSERT OR REPLACE INTO articles (item, source, title, byline, site, lang, dir, "
        "excerpt, words, stored_at, text_size, html_size, text, html) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (item_id, source, article.title, article.byline, article.site, article.lang,
         article.dir, article.excerpt, article.words, now, len(text), len(html), packed_text,
         packed_html))
    _set_state(conn, item_id, "stored")
    conn.execute("UPDATE article_state SET progress = 0, bytes = ? WHERE item = ?",
                 (len(packed_text) + len(packed_html), item_id))
    reindex(conn, [item_id], bodies=True)
    return True
