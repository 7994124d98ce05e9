"""A reading list as version 1 of the schema (before search) left it: the upgrade fixture.

The SQL is the version 1 schema as released; items are written the way version 1 wrote
them (a queued add until the server gave an id, a queued delete behind a deleted item).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from pocket_companion.library.urls import clean

SQL = """
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
PRAGMA user_version = 1;
"""


class OldItem(NamedTuple):
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    status: str = "unread"
    favorite: bool = False
    deleted: bool = False
    remote_id: str | None = None


def make(path: Path, items: Sequence[OldItem], saved_at: float = 1_700_000_000.0) -> None:
    """A version 1 file at ``path`` holding ``items`` (URLs cleaned as a save cleans them;
    a URL given twice is kept once, as the key is unique)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SQL)
    conn.execute("BEGIN")
    for number, item in enumerate(items, 1):
        url, key = clean(item.url)
        when = saved_at + number
        cursor = conn.execute(
            "INSERT OR IGNORE INTO items (url, key, title, tags, saved_at, updated_at, status, "
            "favorite, deleted, remote_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (url, key, item.title, json.dumps(list(item.tags)), when, when, item.status,
             int(item.favorite), int(item.deleted), item.remote_id))
        queued = ([] if item.remote_id else ["add"]) + (["delete"] if item.deleted else [])
        conn.executemany("INSERT INTO outbox (item, op, created_at) VALUES (?, ?, ?)",
                         [(cursor.lastrowid, op, when) for op in queued if cursor.rowcount])
    conn.execute("COMMIT")
    conn.close()
