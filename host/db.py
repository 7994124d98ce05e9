"""The SQLite file behind the reading list: WAL, 0600, safe for several processes.

Two browsers may each run a host, and the CLI may run beside them. Every write
is one ``BEGIN IMMEDIATE`` transaction (one writer at a time, others wait up to
the busy timeout); readers never block. Saves commit with ``synchronous=FULL``
so an acknowledged save survives even a power cut; bookkeeping commits use
``NORMAL`` (safe against crashes of the process, which is what matters there).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .files import ensure_private

SCHEMA_VERSION = 1
_SCHEMA = """
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
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
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
