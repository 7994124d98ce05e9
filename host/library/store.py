"""The local reading list: every save lands here first, durably, before any network call.

An item is *pending* while the outbox holds a change for it that the server has
not confirmed, and *synced* otherwise. Saving a URL that is already in the list
merges (tags union, newest title) and queues a re-add, as Pocket's own re-add
moves the item back to the top of the unread list. Changes (:mod:`.changes`) and
the search index (:mod:`.search`) are written in the same transaction as the items.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pocket_companion.errors import NotFound
from pocket_companion.library import search
from pocket_companion.library.changes import (
    ADD,
    MODIFY_OPS,
    TAG_OPS,
    UNDO_SECONDS,
    apply,
    enqueue,
    expire,
    has_fresh_add,
    revive,
)
from pocket_companion.library.db import Database
from pocket_companion.library.items import (
    ITEM_SELECT,
    Item,
    NewItem,
    item_of,
    merged_title,
    tags_json,
)
from pocket_companion.library.query import Query
from pocket_companion.library.urls import site_of, url_key

# More work in a write transaction, given the ids of the pages it wrote (their fetches).
Then = Callable[[sqlite3.Connection, list[int]], object]

__all__ = ["ADD", "MODIFY_OPS", "TAG_OPS", "Item", "NewItem", "Store", "Target"]

Clock = Callable[[], float]
Target = tuple[str, str]  # ("key", a URL's lookup key) or ("remote_id", the server's id)
EVERYTHING = Query()


def _union(old: Sequence[str], new: Sequence[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


class Store:
    """Items and their local state; the outbox lives in :mod:`.outbox`."""

    def __init__(self, path: Path, clock: Clock = time.time) -> None:
        self.db = Database(path)
        self.clock = clock

    def save(self, entries: Sequence[NewItem], then: Then | None = None) -> list[int]:
        """Commit the entries durably (one transaction); return their item ids in order.
        ``then`` is given the ids in that transaction (to queue more work for them)."""
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
                    fresh[key] = NewItem(old.url, merged_title(old.title, entry),
                                         tuple(_union(old.tags, entry.tags)))
                else:
                    fresh[key] = entry
            search.reindex(conn, list(known.values()))
            known.update(self._insert(conn, fresh, now))
            ids = [known[key] for key in keys]
            if then is not None:
                then(conn, ids)
        return ids

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
        """New items, each with its add queued (nothing else can be queued for them yet)
        and in the index; returns their ids, given here (the writer holds the database,
        so they are free)."""
        first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0]
        ids = dict(zip(fresh, range(first, first + len(fresh)), strict=True))
        sites = {key: site_of(key) for key in fresh}
        conn.executemany(
            "INSERT INTO items (id, url, key, title, tags, saved_at, updated_at, site) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(ids[key], e.url, key, e.title, tags_json(e.tags), now, now, sites[key])
             for key, e in fresh.items()])
        conn.executemany("INSERT INTO outbox (item, op, created_at) VALUES (?, ?, ?)",
                         [(item_id, ADD, now) for item_id in ids.values()])
        search.add_to_index(conn, [(ids[key], e.title, e.tags, sites[key], e.url)
                                   for key, e in fresh.items()])
        return ids

    @staticmethod
    def _merge(conn: sqlite3.Connection, item_id: int, entry: NewItem, now: float) -> None:
        """Saved again: merged, moved to the top, brought back if it was deleted (the
        caller indexes it again). With ``keep_archived``, a live archived page keeps its
        status and place: it gets the title and new tags, and no re-add is queued (only
        the added tags, unless its own add still waits and will carry them)."""
        row = conn.execute("SELECT title, tags, status, deleted, remote_id FROM items "
                           "WHERE id = ?", (item_id,)).fetchone()
        old_tags = json.loads(row["tags"])
        tags = _union(old_tags, entry.tags)
        title = merged_title(row["title"], entry)
        if entry.keep_archived and row["status"] == "archived" and not row["deleted"]:
            conn.execute("UPDATE items SET title = ?, tags = ?, updated_at = ? WHERE id = ?",
                         (title, json.dumps(tags), now, item_id))
            added = tags[len(old_tags):]
            if added and (row["remote_id"] or not has_fresh_add(conn, item_id)):
                enqueue(conn, item_id, "tags_add", now, added)
            return
        conn.execute(
            "UPDATE items SET title = ?, tags = ?, saved_at = ?, updated_at = ?, "
            "status = 'unread', deleted = 0, deleted_at = NULL WHERE id = ?",
            (title, json.dumps(tags), now, now, item_id),
        )
        revive(conn, item_id)
        if not has_fresh_add(conn, item_id):
            enqueue(conn, item_id, ADD, now)

    def get(self, item_ids: Sequence[int]) -> list[Item]:
        """Items by local id, in the order asked (missing ones left out)."""
        found: dict[int, Item] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(ITEM_SELECT + f" WHERE i.id IN ({marks})", chunk):
                item = item_of(row)
                found[item.id] = item
        return [found[item_id] for item_id in item_ids if item_id in found]

    def find(self, url: str) -> Item | None:
        """A live (not deleted) item by URL (normalised)."""
        rows = self.db.query(ITEM_SELECT + " WHERE i.key = ? AND i.deleted = 0", (url_key(url),))
        return item_of(rows[0]) if rows else None

    def page(self, limit: int, offset: int, query: Query = EVERYTHING, sort: str = "newest"
             ) -> tuple[list[Item], int]:
        """A page of the live items that match ``query`` (see :mod:`.search`), and how
        many match in all."""
        with self.db.read() as conn:
            rows, total = search.page(conn, query, sort, limit, offset)
        return [item_of(row) for row in rows], total

    def tags(self) -> list[tuple[str, int]]:
        with self.db.read() as conn:
            return search.tag_counts(conn)

    def change(self, targets: Sequence[Target], op: str, tags: Sequence[str] = ()
               ) -> list[int | NotFound]:
        """Apply ``op`` to each target in one durable transaction, queued for the server;
        for each target its item's id, or why it could not be changed. A page named twice
        is changed once."""
        now = self.clock()
        seen: dict[Target, int | NotFound] = {}
        with self.db.write(durable=True) as conn:
            expire(conn, now)
            for target in targets:
                if target not in seen:
                    seen[target] = self._change_one(conn, target, op, tags, now)
        return [seen[target] for target in targets]

    @staticmethod
    def _change_one(conn: sqlite3.Connection, target: Target, op: str, tags: Sequence[str],
                    now: float) -> int | NotFound:
        found = Store._target(conn, target, deleted=op == "restore")
        if isinstance(found, NotFound):
            return found
        return apply(conn, found, op, tags, now) or found.id

    @staticmethod
    def _target(conn: sqlite3.Connection, target: Target, *, deleted: bool) -> Item | NotFound:
        column, value = target
        row = conn.execute(ITEM_SELECT + f" WHERE i.{column} = ? AND i.deleted = ?",
                           (value, int(deleted))).fetchone()
        if row is not None:
            return item_of(row)
        if not deleted:
            return NotFound("that page is not in the reading list")
        live = conn.execute(f"SELECT 1 FROM items WHERE {column} = ? AND deleted = 0",
                            (value,)).fetchone()
        return NotFound("that page is not deleted: there is nothing to restore" if live else
                        f"that page was not deleted in the last {UNDO_SECONDS:.0f} s (nor is it "
                        "in the reading list)")

    def remote_ids(self) -> set[str]:
        """The server's ids of the items it has (deleted ones here included)."""
        rows = self.db.query("SELECT remote_id FROM items WHERE remote_id IS NOT NULL", ())
        return {row["remote_id"] for row in rows}

    def pending_count(self) -> int:
        """Pages with changes waiting for the server (a deleted page the server never saw
        stops waiting once it can no longer be restored)."""
        with self.db.write() as conn:
            expire(conn, self.clock())
            return int(conn.execute("SELECT COUNT(DISTINCT item) FROM outbox").fetchone()[0])

    def get_meta(self, *keys: str) -> dict[str, str]:
        marks = ",".join("?" * len(keys))
        rows = self.db.query(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys)
        return {row["key"]: row["value"] for row in rows}

    def set_meta(self, **values: str) -> None:
        with self.db.write() as conn:
            conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             values.items())

    def rebind(self, account: str) -> None:
        """After a login to a different account, queue every live item for it; its list is
        pulled whole at the next sync."""
        now = self.clock()
        with self.db.write(durable=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'account'").fetchone()
            if row is not None and row[0] == account:
                return
            conn.execute("DELETE FROM meta WHERE key IN ('pull_cursor', 'last_pull')")
            if row is not None:
                conn.execute("UPDATE items SET remote_id = NULL")
                conn.execute("DELETE FROM outbox WHERE op != ? OR item IN "
                             "(SELECT id FROM items WHERE deleted = 1)", (ADD,))
                conn.execute("DELETE FROM items WHERE deleted = 1")
                for (item_id,) in conn.execute("SELECT id FROM items").fetchall():
                    if not has_fresh_add(conn, item_id):
                        enqueue(conn, item_id, ADD, now)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('account', ?)",
                         (account,))
