"""The account's items applied to the local list, a pulled page per transaction.

The rules (PROTOCOL.md, "Two-way sync"):

- a page with a change here that the server has not confirmed (anything queued for it)
  keeps its local state, and the change is still sent: the local change is newer than
  what the server said;
- otherwise the server's state is the truth: status, favourite, tags, its title (when it
  has one) and the date it was saved;
- a page deleted on the server leaves the list, unless it has a queued change: then it
  stays, and is sent again as a new add (with its state) in place of changes to an item
  the server no longer has;
- an item the server filed under another URL (its resolved URL, a merge of two saves) is
  one item here too: pages that name the same server item are folded into one, their tags
  joined and their queued changes kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence

from pocket_companion.errors import CompanionError
from pocket_companion.library.changes import ADD, enqueue, has_fresh_add
from pocket_companion.library.items import tags_json
from pocket_companion.library.search import reindex
from pocket_companion.library.urls import clean, key_of, site_of
from pocket_companion.services.base import RemoteItem


def _matches(conn: sqlite3.Connection, item: RemoteItem) -> list[sqlite3.Row]:
    """Local rows for the server's item: by its id, and by its URL and resolved URL (one
    URL is one page here; a row still naming an id the server no longer gives out for that
    URL is the same page). The row bound to it comes first."""
    keys = [k for k in (key_of(item.url), key_of(item.resolved_url)) if k]
    marks = ",".join("?" * len(keys)) or "NULL"
    rows = conn.execute(
        "SELECT id, key, tags, remote_id, deleted FROM items WHERE remote_id = ? OR "
        f"key IN ({marks}) ORDER BY remote_id IS NOT ? , id",
        (item.remote_id, *keys, item.remote_id)).fetchall()
    return list(rows)


def _queued(conn: sqlite3.Connection, item_id: int) -> bool:
    return conn.execute("SELECT 1 FROM outbox WHERE item = ? LIMIT 1", (item_id,)).fetchone() \
        is not None


def _fold(conn: sqlite3.Connection, keep: sqlite3.Row, others: Sequence[sqlite3.Row]) -> None:
    """Rows naming the same server item become ``keep``: tags joined, queues moved."""
    tags = json.loads(keep["tags"])
    for other in others:
        tags = list(dict.fromkeys([*tags, *json.loads(other["tags"])]))
        conn.execute("UPDATE outbox SET item = ? WHERE item = ?", (keep["id"], other["id"]))
        conn.execute("DELETE FROM items_fts WHERE rowid = ?", (other["id"],))
        conn.execute("DELETE FROM items WHERE id = ?", (other["id"],))
    conn.execute("UPDATE items SET tags = ? WHERE id = ?", (json.dumps(tags), keep["id"]))


def _insert(conn: sqlite3.Connection, item: RemoteItem, now: float) -> int | None:
    try:
        url, key = clean(item.url)
    except (CompanionError, ValueError):
        return None
    cursor = conn.execute(
        "INSERT INTO items (url, key, title, tags, saved_at, updated_at, status, favorite, "
        "remote_id, site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (url, key, item.title, tags_json(item.tags or ()), item.time_added or now, now,
         item.status, int(item.favorite), item.remote_id, site_of(key)))
    return cursor.lastrowid


def _take(conn: sqlite3.Connection, row_id: int, item: RemoteItem, now: float) -> None:
    """The server's state, on a page with nothing queued."""
    conn.execute(
        "UPDATE items SET status = ?, favorite = ?, remote_id = ?, updated_at = ?, "
        "title = CASE WHEN ? != '' THEN ? ELSE title END, "
        "saved_at = COALESCE(?, saved_at), tags = COALESCE(?, tags) WHERE id = ?",
        (item.status, int(item.favorite), item.remote_id, now, item.title, item.title,
         item.time_added, None if item.tags is None else tags_json(item.tags), row_id))


def _resend(conn: sqlite3.Connection, row_id: int, now: float) -> None:
    """Deleted on the server, changed here since: a new add, then its state, replace the
    queued changes to the item the server no longer has."""
    state = conn.execute("SELECT status, favorite, deleted FROM items WHERE id = ?",
                         (row_id,)).fetchone()
    conn.execute("UPDATE items SET remote_id = NULL WHERE id = ?", (row_id,))
    if state["deleted"]:  # deleted on both sides: nothing left to say
        conn.execute("DELETE FROM outbox WHERE item = ? AND claimed_by IS NULL", (row_id,))
        return
    conn.execute("DELETE FROM outbox WHERE item = ? AND op != ? AND claimed_by IS NULL",
                 (row_id, ADD))
    if not has_fresh_add(conn, row_id):
        enqueue(conn, row_id, ADD, now)
    for op, wanted in (("archive", state["status"] == "archived"),
                       ("favorite", bool(state["favorite"]))):
        if wanted:
            enqueue(conn, row_id, op, now)


def _forget(conn: sqlite3.Connection, row_id: int) -> None:
    """Gone from the list (its search entry goes with the page's reindex)."""
    conn.execute("DELETE FROM outbox WHERE item = ?", (row_id,))
    conn.execute("DELETE FROM items WHERE id = ?", (row_id,))


def apply_page(conn: sqlite3.Connection, items: Sequence[RemoteItem], now: float,
               in_flight: Collection[int] = ()) -> dict[str, int]:
    """Apply one pulled page; counts of what it did (added, updated, removed, kept).
    ``in_flight``: the items that had changes queued when the page was fetched (a push may
    have settled them since; the page may not show it yet): they keep their state too."""
    counts = {"added": 0, "updated": 0, "removed": 0, "kept": 0}
    touched: list[int] = []
    for item in items:
        rows = _matches(conn, item)
        if not rows:
            if item.status != "deleted" and (row_id := _insert(conn, item, now)):
                touched.append(row_id)
                counts["added"] += 1
            continue
        keep, others = rows[0], rows[1:]
        if others:
            _fold(conn, keep, others)
        touched.append(keep["id"])
        queued = keep["id"] in in_flight or _queued(conn, keep["id"])
        if item.status == "deleted":
            if queued and not keep["deleted"]:
                _resend(conn, keep["id"], now)
                counts["kept"] += 1
            else:
                _forget(conn, keep["id"])
                counts["removed"] += 1
        elif queued:
            conn.execute("UPDATE items SET remote_id = ? WHERE id = ?", (item.remote_id,
                                                                         keep["id"]))
            counts["kept"] += 1
        else:
            _take(conn, keep["id"], item, now)
            counts["updated"] += 1
    reindex(conn, touched)
    return counts
