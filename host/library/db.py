"""The SQLite file behind the reading list: WAL, 0600, safe for several processes.

Two browsers may each run a host, and the CLI may run beside them. Every write
is one ``BEGIN IMMEDIATE`` transaction (one writer at a time, others wait up to
the busy timeout); readers never block. Saves commit with ``synchronous=FULL``
so an acknowledged save survives even a power cut; bookkeeping commits use
``NORMAL`` (safe against crashes of the process, which is what matters there).

The schema's version is SQLite's ``user_version``. Each migration runs in the
write transaction that checks the version, so a failed one leaves the file as it
was and two processes opening an old file at once migrate it once. Version 2 adds
each item's site, when it was deleted (to undo it), indexes for the list's filters and
the search index. Version 3 marks the changes an import queued (``outbox.batch``), so its
progress can be told. Version 4 keeps readable copies of pages (``articles``: the text and
the sanitized HTML, each zlib-compressed, last in the row so that the small columns before
them are read without them), each page's copy state, reading progress and place in the
queue of pages to fetch, and whether its images are shown (``article_state``, small rows:
``status`` sums them), both removed with their page (``ON DELETE CASCADE``), and rebuilds
the search index with the article text as its fifth column. Version 5 notes which process
holds a page claimed for a fetch (``article_state.claimed_by``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pocket_companion.errors import StorageUnavailable
from pocket_companion.files import ensure_private

SCHEMA_VERSION = 5
_VERSION_1 = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    saved_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'unread',
    favorite INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    remote_id TEXT
);
CREATE INDEX IF NOT EXISTS items_by_saved ON items (deleted, saved_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS items_by_remote ON items (remote_id);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item INTEGER NOT NULL REFERENCES items (id),
    op TEXT NOT NULL,
    tags TEXT,
    created_at REAL NOT NULL,
    claimed_by TEXT,
    claim_until REAL NOT NULL DEFAULT 0,
    sent_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_by_item ON outbox (item, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# The index as version 2 made it; version 4 replaces it (``search.FTS_TABLE``).
_FTS_V2 = ("CREATE VIRTUAL TABLE items_fts USING fts5(title, tags, site, url, "
           "tokenize='unicode61 remove_diacritics 2')")
_VERSION_4 = """
CREATE TABLE articles (
    item INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    byline TEXT NOT NULL,
    site TEXT NOT NULL,
    lang TEXT NOT NULL,
    dir TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    words INTEGER NOT NULL,
    stored_at REAL NOT NULL,
    text_size INTEGER NOT NULL,
    html_size INTEGER NOT NULL,
    text BLOB NOT NULL,
    html BLOB NOT NULL
);
CREATE TABLE article_state (
    item INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL DEFAULT 0,
    claim_until REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    progress REAL NOT NULL DEFAULT 0,
    images INTEGER,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX article_due ON article_state (next_try) WHERE state = 'pending'
"""


def require_fts5(conn: sqlite3.Connection) -> None:
    """Fail clearly when this Python's SQLite has no FTS5 (the search index needs it)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.Error as exc:
        raise StorageUnavailable(
            f"this Python's SQLite {sqlite3.sqlite_version} has no full-text search (FTS5: "
            f"{exc}), which the reading list needs: use a Python whose sqlite3 module has "
            "FTS5, as python.org's builds and Debian's and most Linux distributions' do"
        ) from None


def _run(conn: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _version_1(conn: sqlite3.Connection) -> None:
    _run(conn, _VERSION_1)


def _version_2(conn: sqlite3.Connection) -> None:
    """Sites, deletion times, indexes for the archived and favourite filters, and the search
    index (filled by version 4, which gives it its present shape)."""
    from pocket_companion.library.urls import site_of

    conn.execute("ALTER TABLE items ADD COLUMN site TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE items ADD COLUMN deleted_at REAL")
    conn.execute("UPDATE items SET deleted_at = updated_at WHERE deleted = 1")
    # Partial indexes: a page is saved unread, not a favourite and without a server id, so
    # saves write none of them; the lists of archived pages and of favourites use them.
    conn.execute("DROP INDEX items_by_remote")
    conn.execute("CREATE INDEX items_by_remote ON items (remote_id) WHERE remote_id IS NOT NULL")
    conn.execute("CREATE INDEX items_archived ON items (deleted, saved_at DESC, id DESC) "
                 "WHERE status = 'archived'")
    conn.execute("CREATE INDEX items_favorites ON items (deleted, saved_at DESC, id DESC) "
                 "WHERE favorite = 1")
    conn.execute(_FTS_V2)
    conn.executemany("UPDATE items SET site = ? WHERE id = ?",
                     [(site_of(key), item_id) for item_id, key
                      in conn.execute("SELECT id, key FROM items").fetchall()])


def _version_3(conn: sqlite3.Connection) -> None:
    """Which import queued a change (NULL for everything else)."""
    conn.execute("ALTER TABLE outbox ADD COLUMN batch TEXT")
    conn.execute("CREATE INDEX outbox_by_batch ON outbox (batch) WHERE batch IS NOT NULL")


def _version_4(conn: sqlite3.Connection) -> None:
    """Readable copies and their fetch queue; the search index rebuilt with a ``body``
    column (FTS5 tables take no new column), from the live items there are."""
    from pocket_companion.library.search import FTS_TABLE, reindex

    _run(conn, _VERSION_4)
    conn.execute("DROP TABLE items_fts")
    conn.execute(FTS_TABLE)
    reindex(conn, [row[0] for row in conn.execute("SELECT id FROM items WHERE deleted = 0")])


def _version_5(conn: sqlite3.Connection) -> None:
    """Who holds a page claimed for a fetch, so that a host that is gone lets go at once."""
    conn.execute("ALTER TABLE article_state ADD COLUMN claimed_by TEXT")


# The migration at index n makes version n + 1.
_MIGRATIONS = (_version_1, _version_2, _version_3, _version_4, _version_5)


class Database:
    """One connection, serialised by a lock, shared by the host's threads."""

    def __init__(self, path: Path, busy_timeout: float = 30.0) -> None:
        ensure_private(path)  # SQLite gives its -wal and -shm files the same mode
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        with self.write() as conn:
            require_fts5(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for migrate in _MIGRATIONS[version:]:
                migrate(conn)
            if version < SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def write(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """A write transaction; ``durable`` makes its commit reach the disk."""
        with self._lock:
            if durable:
                self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                if durable:
                    self._conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def trial(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that is always rolled back (a dry run sees what would be)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            finally:
                self._conn.execute("ROLLBACK")

    def query(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        """One SELECT (atomic on its own, no transaction needed)."""
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several SELECTs."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
