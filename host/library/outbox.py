"""Queued changes for the server, claimed with leases so that every change is sent once.

Several processes (two browsers' hosts, the CLI) may sync at the same time. A
sender claims up to one batch of changes in a write transaction, marks them as
possibly sent, and settles them afterwards: confirmed changes leave the queue,
failed ones go back with a back-off. A claim held by a process that died is free
again at once when that process is known to be gone, else when its lease ends.
A change that may have reached the server (its reply was lost) is *uncertain*:
the syncer checks the server before sending an uncertain add again. Nothing of an
item deleted less than ``changes.UNDO_SECONDS`` ago is claimed, even by a forced
sync: the delete can still be undone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from typing import NamedTuple

from pocket_companion.library.changes import UNDO_SECONDS, expire, held
from pocket_companion.library.owners import new_owner, owner_alive
from pocket_companion.library.store import ADD, Store
from pocket_companion.services.base import Change, ChangeResult

LEASE_SECONDS = 240.0  # a claim holds up to sync.CLAIM_BATCHES batches


class Claimed(NamedTuple):
    seq: int
    item: int
    change: Change
    sent_at: float | None  # set when an earlier attempt may have reached the server
    attempts: int

    @property
    def backoff(self) -> float:
        """Seconds to wait before the next attempt: 15 s doubling up to an hour."""
        return float(min(15 * 2 ** min(self.attempts, 8), 3600))


def _change(row: sqlite3.Row) -> Change:
    tags = row["op_tags"] if row["op"] != ADD else row["tags"]
    return Change(
        op=row["op"], url=row["url"], title=row["title"],
        tags=tuple(json.loads(tags)) if tags and tags != "[]" else (),
        remote_id=row["remote_id"], time=int(row["created_at"]),
    )


def _sent_at(claimed: Claimed, sent: bool, now: float) -> float | None:
    """The earliest moment the change may have reached the server, if it may have."""
    if claimed.sent_at is not None:
        return claimed.sent_at
    return now if sent else None


def _settle(conn: sqlite3.Connection, answered: Sequence[tuple[Claimed, ChangeResult]],
            now: float) -> None:
    """Confirmed changes leave the queue, failed ones go back with a back-off."""
    if not answered:
        return
    done = [(c, r) for c, r in answered if r.ok]
    if done:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_sync', ?)",
                     (str(now),))
    conn.executemany(
        "UPDATE outbox SET claimed_by = NULL, claim_until = 0, sent_at = NULL, "
        "not_before = ?, last_error = ? WHERE seq = ?",
        [(now + c.backoff, r.error, c.seq) for c, r in answered if not r.ok])
    conn.executemany("DELETE FROM outbox WHERE seq = ?", [(c.seq,) for c, _ in done])
    conn.executemany("UPDATE items SET remote_id = ? WHERE id = ?", [
        (r.remote_id, c.item) for c, r in done if c.change.op == ADD and r.remote_id])
    conn.executemany(
        "DELETE FROM items WHERE id = ? AND deleted = 1 AND NOT EXISTS "
        "(SELECT 1 FROM outbox WHERE item = ?)",
        [(c.item, c.item) for c, _ in done if c.change.op == "delete"])


_CANDIDATES = """
SELECT o.seq, o.item, o.op, o.tags AS op_tags, o.created_at, o.claimed_by, o.claim_until,
       o.sent_at, o.not_before, o.attempts, i.url, i.title, i.tags, i.remote_id, i.deleted_at
FROM outbox o JOIN items i ON i.id = o.item WHERE o.seq > ? ORDER BY o.seq LIMIT ?
"""


def _candidates(conn: sqlite3.Connection, page: int) -> Iterator[sqlite3.Row]:
    """The queue in order, read a page at a time (a claim rarely needs more than one)."""
    last = 0
    while rows := conn.execute(_CANDIDATES, (last, page)).fetchall():
        yield from rows
        last = rows[-1]["seq"]


class Outbox:
    def __init__(self, store: Store, owner: str | None = None) -> None:
        self.store = store
        self.owner = owner or new_owner()

    def _free(self, row: sqlite3.Row, now: float) -> bool:
        holder = row["claimed_by"]
        if holder is None or holder == self.owner or row["claim_until"] <= now:
            return True
        return not owner_alive(holder)

    def claim(self, limit: int, *, force: bool = False, skip: Collection[int] = (),
              settle: Sequence[tuple[Claimed, ChangeResult]] = ()) -> list[Claimed]:
        """Claim the next changes in queue order, at most one unconfirmed add per item.

        ``force`` ignores back-off delays; ``skip`` leaves out changes already tried;
        ``settle`` records answers first, in the same transaction (see :meth:`settle`).
        Deleted items the server never saw are dropped first once their undo time is up.
        """
        now = self.store.clock()
        chosen: list[Claimed] = []
        blocked: set[int] = set()
        with self.store.db.write() as conn:
            _settle(conn, settle, now)
            expire(conn, now)
            for row in _candidates(conn, limit + 10):
                item = row["item"]
                ready = self._free(row, now) and (force or row["not_before"] <= now)
                ready = ready and row["seq"] not in skip and not held(row["deleted_at"], now)
                needs_id = row["op"] != ADD and row["remote_id"] is None
                if item in blocked or not ready or needs_id:
                    blocked.add(item)
                    continue
                chosen.append(
                    Claimed(row["seq"], item, _change(row), row["sent_at"], row["attempts"]))
                if row["op"] == ADD and row["remote_id"] is None:
                    blocked.add(item)
                if len(chosen) == limit:
                    break
            conn.executemany(
                "UPDATE outbox SET claimed_by = ?, claim_until = ?, sent_at = COALESCE(sent_at, ?),"
                " attempts = attempts + 1 WHERE seq = ?",
                [(self.owner, now + LEASE_SECONDS, now, c.seq) for c in chosen],
            )
        return chosen

    def settle(self, claimed: Sequence[Claimed], results: Sequence[ChangeResult]) -> None:
        """Record the server's answer for each claimed change."""
        with self.store.db.write() as conn:
            _settle(conn, list(zip(claimed, results, strict=True)), self.store.clock())

    def unclaim(self, claimed: Sequence[Claimed]) -> None:
        """Give back changes claimed but never sent, as they were before the claim."""
        with self.store.db.write() as conn:
            conn.executemany(
                "UPDATE outbox SET claimed_by = NULL, claim_until = 0, sent_at = ?, "
                "attempts = attempts - 1 WHERE seq = ?", [(c.sent_at, c.seq) for c in claimed])

    def release(self, claimed: Sequence[Claimed], *, sent: bool, error: str,
                retry_in: float | None = None) -> None:
        """Give changes back after a failure; ``sent`` marks them uncertain."""
        now = self.store.clock()
        with self.store.db.write() as conn:
            conn.executemany(
                "UPDATE outbox SET claimed_by = NULL, claim_until = 0, not_before = ?, "
                "last_error = ?, sent_at = ? WHERE seq = ?",
                [(now + (c.backoff if retry_in is None else retry_in), error,
                  _sent_at(c, sent, now), c.seq) for c in claimed],
            )

    def mark_delivered(self, claimed: Sequence[Claimed], remote_ids: dict[int, str]) -> None:
        """Settle uncertain adds that the server turned out to have (by sequence number)."""
        self.settle(claimed, [ChangeResult(True, remote_ids[c.seq]) for c in claimed])

    def next_due(self) -> float | None:
        """When the earliest queued change may be sent (None when the queue is empty)."""
        with self.store.db.read() as conn:
            row = conn.execute(
                "SELECT MIN(MAX(o.not_before, COALESCE(i.deleted_at + ?, 0))), COUNT(*) "
                "FROM outbox o JOIN items i ON i.id = o.item", (UNDO_SECONDS,)).fetchone()
        return None if not row[1] else float(row[0])

    def queued_items(self) -> set[int]:
        """The items with changes queued or in flight."""
        with self.store.db.read() as conn:
            return {row[0] for row in conn.execute("SELECT DISTINCT item FROM outbox")}

    def last_error(self) -> str | None:
        with self.store.db.read() as conn:
            row = conn.execute(
                "SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY seq LIMIT 1"
            ).fetchone()
        return None if row is None else str(row[0])
