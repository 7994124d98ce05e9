"""The local reading list: every save lands here first, durably, before any network call.

An item is *pending* while the outbox holds a change for it that the server has
not confirmed, and *synced* otherwise. Saving a URL that is already in the list
merges (tags union, newest title) and queues a re-add, as Pocket's own re-add
moves the item back to the top of the unread list.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from .db import Database
from .errors import NotFound
from .urls import url_key

Clock = Callable[[], float]
ADD = "add"
TAG_OPS = frozenset({"tags_add", "tags_remove", "tags_replace", "tags_clear"})
MODIFY_OPS = frozenset({"archive", "readd", "favorite", "unfavorite", "delete"}) | TAG_OPS


class NewItem(NamedTuple):
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    key: str = ""  # the URL's lookup key when already known (urls.clean gives both)


class Item(NamedTuple):
    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    saved_at: float
    status: str
    favorite: bool
    remote_id: str | None
    pending: bool

    @property
    def state(self) -> str:
        return "pending" if self.pending else "synced"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "url": self.url,
            "title": self.title,
            "tags": list(self.tags),
            "state": self.state,
            "status": self.status,
            "favorite": self.favorite,
            "saved_at": datetime.fromtimestamp(self.saved_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.remote_id:
            data["item_id"] = self.remote_id
        return data


_ITEM_SELECT = """
SELECT i.id, i.url, i.title, i.tags, i.saved_at, i.status, i.favorite, i.remote_id,
       EXISTS (SELECT 1 FROM outbox o WHERE o.item = i.id) AS pending FROM items i
"""


def _tags(text: str) -> tuple[str, ...]:
    return () if text == "[]" else tuple(json.loads(text))


def _tags_json(tags: Sequence[str]) -> str:
    return json.dumps(list(tags)) if tags else "[]"


def _item(row: sqlite3.Row) -> Item:
    """An item from a row of ``_ITEM_SELECT`` (by position: rows come by the thousand)."""
    item_id, url, title, tags, saved_at, status, favorite, remote_id, pending = row
    return Item(item_id, url, title, _tags(tags), saved_at, status, bool(favorite), remote_id,
                bool(pending))


def _union(old: Sequence[str], new: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


def _new_tags(op: str, current: Sequence[str], given: Sequence[str]) -> list[str]:
    if op == "tags_add":
        return _union(current, given)
    if op == "tags_remove":
        return [tag for tag in current if tag not in given]
    if op == "tags_replace":
        return list(dict.fromkeys(given))
    return []


def _has_fresh_add(conn: sqlite3.Connection, item_id: int) -> bool:
    """True when an add for the item is queued and has not been handed to a sender."""
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE item = ? AND op = ? AND claimed_by IS NULL AND sent_at IS NULL",
        (item_id, ADD),
    ).fetchone()
    return row is not None


def enqueue(conn: sqlite3.Connection, item_id: int, op: str, now: float,
            tags: Sequence[str] | None = None) -> None:
    conn.execute(
        "INSERT INTO outbox (item, op, tags, created_at) VALUES (?, ?, ?, ?)",
        (item_id, op, None if tags is None else json.dumps(list(tags)), now),
    )


class Store:
    """Items and their local state; the outbox lives in :mod:`.outbox`."""

    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        self.db = Database(path)
        self.clock = clock

    def save(self, entries: Sequence[NewItem]) -> list[int]:
        """Commit the entries durably (one transaction); return their item ids in order."""
        now = self.clock()
        keys = [entry.key or url_key(entry.url) for entry in entries]
        with self.db.write(durable=True) as conn:
            known = self._ids(conn, keys)
            fresh: dict[str, NewItem] = {}
            for key, entry in zip(keys, entries, strict=True):
                if key in known:
                    self._merge(conn, known[key], entry, now)
                elif key in fresh:  # the same page twice in one batch
                    old = fresh[key]
                    fresh[key] = NewItem(old.url, entry.title or old.title,
                                         tuple(_union(old.tags, entry.tags)))
                else:
                    fresh[key] = entry
            known.update(self._insert(conn, fresh, now))
        return [known[key] for key in keys]

    @staticmethod
    def _ids(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, id FROM items WHERE key IN ({marks})", chunk)
            found.update((row["key"], row["id"]) for row in rows)
        return found

    @staticmethod
    def _insert(conn: sqlite3.Connection, fresh: dict[str, NewItem], now: float
                ) -> dict[str, int]:
        """New items, each with its add queued (nothing else can be queued for them yet);
        returns their ids, given here (the writer holds the database, so they are free)."""
        first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0]
        ids = dict(zip(fresh, range(first, first + len(fresh)), strict=True))
        conn.executemany(
            "INSERT INTO items (id, url, key, title, tags, saved_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(ids[key], e.url, key, e.title, _tags_json(e.tags), now, now)
             for key, e in fresh.items()])
        conn.executemany("INSERT INTO outbox (item, op, created_at) VALUES (?, ?, ?)",
                         [(item_id, ADD, now) for item_id in ids.values()])
        return ids

    @staticmethod
    def _merge(conn: sqlite3.Connection, item_id: int, entry: NewItem, now: float) -> None:
        row = conn.execute("SELECT title, tags FROM items WHERE id = ?", (item_id,)).fetchone()
        tags = _union(json.loads(row["tags"]), entry.tags)
        conn.execute(
            "UPDATE items SET title = ?, tags = ?, saved_at = ?, updated_at = ?, "
            "status = 'unread', deleted = 0 WHERE id = ?",
            (entry.title or row["title"], json.dumps(tags), now, now, item_id),
        )
        if not _has_fresh_add(conn, item_id):
            enqueue(conn, item_id, ADD, now)

    def get(self, item_ids: Sequence[int]) -> list[Item]:
        """Items by local id, in the order asked (missing ones left out)."""
        found: dict[int, Item] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(_ITEM_SELECT + f" WHERE i.id IN ({marks})", chunk):
                item = _item(row)
                found[item.id] = item
        return [found[item_id] for item_id in item_ids if item_id in found]

    def find(self, *, url: str | None = None, remote_id: str | None = None) -> Item | None:
        """A live (not deleted) item by URL (normalised) or by the server's item id."""
        column, value = ("key", url_key(url)) if url is not None else ("remote_id", remote_id)
        rows = self.db.query(_ITEM_SELECT + f" WHERE i.{column} = ? AND i.deleted = 0", (value,))
        return _item(rows[0]) if rows else None

    def page(self, limit: int, offset: int, status: str | None = None) -> tuple[list[Item], int]:
        where, args = ("i.deleted = 0", []) if status is None else (
            "i.deleted = 0 AND i.status = ?", [status])
        with self.db.read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM items i WHERE {where}", args).fetchone()[0]
            rows = conn.execute(
                _ITEM_SELECT + f" WHERE {where} "
                "ORDER BY i.saved_at DESC, i.id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [_item(row) for row in rows], int(total)

    def modify(self, item: Item, op: str, tags: Sequence[str] = ()) -> Item | None:
        """Apply a change locally and queue it for the server; None once deleted."""
        now = self.clock()
        with self.db.write(durable=True) as conn:
            fresh = item.remote_id is None and _has_fresh_add(conn, item.id)
            if op == "delete":
                self._delete(conn, item, fresh, now)
                return None
            self._apply(conn, item, op, tags, now)
            if not (fresh and op in TAG_OPS):
                enqueue(conn, item.id, op, now, tags if op in TAG_OPS else None)
        found = self.get([item.id])
        if not found:
            raise NotFound("the item is no longer in the reading list")
        return found[0]

    def _apply(self, conn: sqlite3.Connection, item: Item, op: str,
               tags: Sequence[str], now: float) -> None:
        if op in TAG_OPS:
            conn.execute("UPDATE items SET tags = ?, updated_at = ? WHERE id = ?",
                         (json.dumps(_new_tags(op, item.tags, tags)), now, item.id))
            return
        column, value = {
            "archive": ("status", "archived"), "readd": ("status", "unread"),
            "favorite": ("favorite", 1), "unfavorite": ("favorite", 0),
        }[op]
        conn.execute(f"UPDATE items SET {column} = ?, updated_at = ? WHERE id = ?",
                     (value, now, item.id))

    def _delete(self, conn: sqlite3.Connection, item: Item, fresh: bool, now: float) -> None:
        others = conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE item = ? AND NOT (op = ? AND claimed_by IS NULL "
            "AND sent_at IS NULL)", (item.id, ADD)).fetchone()[0]
        if fresh and not others:
            conn.execute("DELETE FROM outbox WHERE item = ?", (item.id,))
            conn.execute("DELETE FROM items WHERE id = ?", (item.id,))
            return
        conn.execute("UPDATE items SET deleted = 1, updated_at = ? WHERE id = ?", (now, item.id))
        enqueue(conn, item.id, "delete", now)

    def pending_count(self) -> int:
        return int(self.db.query("SELECT COUNT(DISTINCT item) FROM outbox")[0][0])

    def get_meta(self, *keys: str) -> dict[str, str]:
        marks = ",".join("?" * len(keys))
        rows = self.db.query(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys)
        return {row["key"]: row["value"] for row in rows}

    def set_meta(self, **values: str) -> None:
        with self.db.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             values.items())

    def rebind(self, account: str) -> None:
        """After a login to a different account, queue every live item for it."""
        now = self.clock()
        with self.db.write(durable=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'account'").fetchone()
            if row is not None and row[0] == account:
                return
            if row is not None:
                conn.execute("UPDATE items SET remote_id = NULL")
                conn.execute("DELETE FROM outbox WHERE op != ? OR item IN "
                             "(SELECT id FROM items WHERE deleted = 1)", (ADD,))
                conn.execute("DELETE FROM items WHERE deleted = 1")
                for (item_id,) in conn.execute("SELECT id FROM items").fetchall():
                    if not _has_fresh_add(conn, item_id):
                        enqueue(conn, item_id, ADD, now)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('account', ?)",
                         (account,))
