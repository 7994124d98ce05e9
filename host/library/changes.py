"""Changes to items, applied inside the store's write transactions and queued for the server.

A deleted item leaves the list at once but stays in the table for ``UNDO_SECONDS``: while
it is *held*, nothing of it is sent (not even its add), and ``restore`` brings it back as
it was and drops the queued delete. Once the time is up its changes go out in order, the
delete last; an item the server never saw (its add never handed to a sender) is instead
dropped with its queue, so nothing at all is sent for it (:func:`expire`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from pocket_companion.errors import NotFound
from pocket_companion.library.items import Item
from pocket_companion.library.search import reindex

ADD = "add"
UNDO_SECONDS = 10.0
TAG_OPS = frozenset({"tags_add", "tags_remove", "tags_replace", "tags_clear"})
MODIFY_OPS = frozenset({"archive", "readd", "favorite", "unfavorite", "delete",
                        "restore"}) | TAG_OPS
_SETS = {"archive": ("status", "archived"), "readd": ("status", "unread"),
         "favorite": ("favorite", 1), "unfavorite": ("favorite", 0)}
_UNSENT_DELETE = ("SELECT seq FROM outbox WHERE item = ? AND op = 'delete' "
                  "AND claimed_by IS NULL AND sent_at IS NULL")


def enqueue(conn: sqlite3.Connection, item_id: int, op: str, now: float,
            tags: Sequence[str] | None = None) -> None:
    conn.execute(
        "INSERT INTO outbox (item, op, tags, created_at) VALUES (?, ?, ?, ?)",
        (item_id, op, None if tags is None else json.dumps(list(tags)), now),
    )


def has_fresh_add(conn: sqlite3.Connection, item_id: int) -> bool:
    """True when an add for the item is queued and has not been handed to a sender."""
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE item = ? AND op = ? AND claimed_by IS NULL AND sent_at IS NULL",
        (item_id, ADD),
    ).fetchone()
    return row is not None


def held(deleted_at: float | None, now: float) -> bool:
    """Whether an item deleted at ``deleted_at`` may still be restored (nothing is sent)."""
    return deleted_at is not None and now < deleted_at + UNDO_SECONDS


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


def apply(conn: sqlite3.Connection, item: Item, op: str, tags: Sequence[str], now: float
          ) -> NotFound | None:
    """Apply one op to one item (live, or deleted for ``restore``); an error if it cannot."""
    if op == "restore":
        return restore(conn, item, now)
    if op == "delete":
        conn.execute("UPDATE items SET deleted = 1, deleted_at = ?, updated_at = ? WHERE id = ?",
                     (now, now, item.id))
        enqueue(conn, item.id, "delete", now)
        reindex(conn, [item.id])
        return None
    fresh = item.remote_id is None and has_fresh_add(conn, item.id)
    if op in TAG_OPS:
        conn.execute("UPDATE items SET tags = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(_new_tags(op, item.tags, tags)), now, item.id))
        reindex(conn, [item.id])
    else:
        column, value = _SETS[op]
        conn.execute(f"UPDATE items SET {column} = ?, updated_at = ? WHERE id = ?",
                     (value, now, item.id))
    if not (fresh and op in TAG_OPS):  # a queued add sends the tags as they are then
        enqueue(conn, item.id, op, now, tags if op in TAG_OPS else None)
    return None


def restore(conn: sqlite3.Connection, item: Item, now: float) -> NotFound | None:
    """Undo a delete within ``UNDO_SECONDS``: the item as it was, the delete unqueued."""
    if item.deleted_at is None:
        return NotFound("that page is not deleted: there is nothing to restore")
    if not held(item.deleted_at, now):
        return NotFound(f"that page was deleted more than {UNDO_SECONDS:.0f} s ago and can no "
                        "longer be restored; save it again instead")
    queued = conn.execute(_UNSENT_DELETE, (item.id,)).fetchone()
    if queued is None:
        return NotFound("that page's deletion was already sent to the server; save it again "
                        "instead")
    conn.execute("DELETE FROM outbox WHERE seq = ?", (queued[0],))
    conn.execute("UPDATE items SET deleted = 0, deleted_at = NULL, updated_at = ? WHERE id = ?",
                 (now, item.id))
    reindex(conn, [item.id])
    return None


def revive(conn: sqlite3.Connection, item_id: int) -> None:
    """A deleted page saved again: its unsent delete is dropped (it stays on the server)."""
    conn.execute("DELETE FROM outbox WHERE item = ? AND op = 'delete' AND claimed_by IS NULL "
                 "AND sent_at IS NULL", (item_id,))


def expire(conn: sqlite3.Connection, now: float) -> None:
    """Drop the items deleted longer ago than ``UNDO_SECONDS`` that the server never saw
    (no id from it, nothing of them handed to a sender), with their queued changes."""
    ids = [(row[0],) for row in conn.execute(
        "SELECT i.id FROM items i WHERE i.deleted = 1 AND i.deleted_at <= ? "
        "AND i.remote_id IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.item = i.id "
        "AND (o.claimed_by IS NOT NULL OR o.sent_at IS NOT NULL))", (now - UNDO_SECONDS,))]
    if not ids:  # the usual case, at every claim
        return
    conn.executemany("DELETE FROM outbox WHERE item = ?", ids)
    conn.executemany("DELETE FROM items WHERE id = ?", ids)
