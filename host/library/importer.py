"""Bringing rows read from other programs' exports (:mod:`.imports`) into the reading list.

Rows go in by batches of :data:`BATCH`, each batch one durable transaction, so an import
stopped at any moment (even ``kill -9``) leaves whole batches only, and running it again
finishes it: an import changes nothing that is already as the file says.

- A page not in the list is added with its saved date, archived or unread state,
  favourite and tags, and queued for the server: its add carries the saved date, then its
  archive and favourite follow.
- A page already in the list keeps its place, date and state (an import never moves a
  page back to unread or to the top); the file's tags are added to its tags and a
  favourite in the file makes it a favourite. A page deleted from the list comes back.
- The same page twice in one file: the first row gives title, date and state, later
  rows add tags and favourite.

Changes an import queues are marked with its batch id (``outbox.batch``), so
:func:`progress` can say how many of its pages have reached the server.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocket_companion.library import search
from pocket_companion.library.changes import ADD, revive
from pocket_companion.library.items import tags_json
from pocket_companion.library.store import Store, Then
from pocket_companion.library.urls import site_of

if TYPE_CHECKING:  # the format readers load when an import runs, not for status
    from pocket_companion.library.imports import ImportedCopy, Problem, Row

BATCH = 1000
SHOWN_PROBLEMS = 100  # problems listed in a report; the count covers all of them
Progress = Callable[[int], None]


class Report:
    """What an import did (or, for a dry run, would do). (A plain class: the command should
    not load ``dataclasses`` and ``inspect`` for it.)"""

    def __init__(self, *, dry_run: bool = False) -> None:
        self.dry_run = dry_run
        self.added = self.updated = self.unchanged = 0
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.queued = 0  # pages this run queued for the server that were not waiting already

    @property
    def rows(self) -> int:
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict[str, object]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "problem_count": self.problem_count, "dry_run": self.dry_run,
                "problems": [{"where": p.where, "message": p.message} for p in self.problems]}


def run(store: Store, paths: Sequence[Path], *, dry_run: bool = False,
        progress: Progress | None = None, then: Then | None = None) -> Report:
    """Import every file; ``progress(rows_done)`` after each batch; ``then`` is given the
    ids of the pages each batch added or changed, in its transaction."""
    report = Report(dry_run=dry_run)
    batch_id = None if dry_run else _batch_id(store)
    for batch in _batches(_entries(paths, report)):
        with store.db.trial() if dry_run else store.db.write(durable=True) as conn:
            written = _apply(conn, batch, report, batch_id, store.clock())
            if then is not None and not dry_run:
                then(conn, written)
        if progress:
            progress(report.rows)
    if batch_id and report.queued:
        _remember(store, batch_id, report.queued)
    return report


def _entries(paths: Sequence[Path], report: Report) -> Iterator[Row]:
    from pocket_companion.library.imports import Row, read

    for path in paths:
        for entry in read(path):
            if isinstance(entry, Row):
                yield entry
                continue
            report.problem_count += 1
            if len(report.problems) < SHOWN_PROBLEMS:
                report.problems.append(entry)


def _batches(rows: Iterable[Row]) -> Iterator[dict[str, Row]]:
    """Rows by batch, one per page (duplicates merged into the first)."""
    batch: dict[str, Row] = {}
    for row in rows:
        first = batch.get(row.key)
        if first is None:
            if len(batch) >= BATCH:
                yield batch
                batch = {}
            batch[row.key] = row
        else:
            batch[row.key] = first._replace(favorite=first.favorite or row.favorite,
                                            tags=tuple(dict.fromkeys([*first.tags, *row.tags])))
    if batch:
        yield batch


def _apply(conn: sqlite3.Connection, batch: dict[str, Row], report: Report,
           batch_id: str | None, now: float) -> list[int]:
    """One batch written; the ids of the pages it added or changed."""
    known = _known(conn, list(batch))
    fresh = [row for key, row in batch.items() if key not in known]
    waiting = _already_waiting(conn, [found[0] for found in known.values()], batch_id)
    touched: list[int] = []
    for key, (item_id, tags, favorite, deleted) in known.items():
        row = batch[key]
        new_tags = [tag for tag in row.tags if tag not in tags]
        if deleted:
            _revive(conn, item_id, row, tags, batch_id, now)
        elif new_tags or (row.favorite and not favorite):
            _merge(conn, item_id, tags, new_tags, row.favorite and not favorite, batch_id, now)
        else:
            report.unchanged += 1
            continue
        report.updated += 1
        touched.append(item_id)
    search.reindex(conn, touched)
    added = _insert(conn, fresh, batch_id, now)
    report.added += len(fresh)
    report.queued += len(fresh) + len(set(touched) - waiting)
    ids = {**{key: found[0] for key, found in known.items()},
           **{row.key: item_id for row, item_id in zip(fresh, added, strict=True)}}
    _keep_copies(conn, [(ids[key], row.copy) for key, row in batch.items() if row.copy], now)
    return [*touched, *added]


def _keep_copies(conn: sqlite3.Connection, copies: list[tuple[int, ImportedCopy]], now: float
                 ) -> None:
    """The readable copies the file brings, for the pages that have none (an import never
    replaces a copy)."""
    from pocket_companion.library.articles import store_in

    for item_id, copy in copies:
        if conn.execute("SELECT 1 FROM articles WHERE item = ?", (item_id,)).fetchone() is None:
            store_in(conn, item_id, copy.article, copy.source, now)


def _already_waiting(conn: sqlite3.Connection, ids: list[int], batch_id: str | None
                     ) -> set[int]:
    if not ids or batch_id is None:
        return set()
    marks = ",".join("?" * len(ids))
    return {row[0] for row in conn.execute(
        f"SELECT DISTINCT item FROM outbox WHERE batch = ? AND item IN ({marks})",
        (batch_id, *ids))}


def _known(conn: sqlite3.Connection, keys: list[str]
           ) -> dict[str, tuple[int, list[str], bool, bool]]:
    marks = ",".join("?" * len(keys))
    rows = conn.execute(f"SELECT key, id, tags, favorite, deleted FROM items WHERE key IN "
                        f"({marks})", keys)
    return {key: (item_id, json.loads(tags), bool(favorite), bool(deleted))
            for key, item_id, tags, favorite, deleted in rows}


def _queue(conn: sqlite3.Connection, entries: Iterable[tuple[int, str, str | None, float]],
           batch_id: str | None) -> None:
    conn.executemany("INSERT INTO outbox (item, op, tags, created_at, batch) "
                     "VALUES (?, ?, ?, ?, ?)",
                     [(item, op, tags, at, batch_id) for item, op, tags, at in entries])


def _merge(conn: sqlite3.Connection, item_id: int, tags: list[str], new_tags: list[str],
           favorite: bool, batch_id: str | None, now: float) -> None:
    conn.execute("UPDATE items SET tags = ?, favorite = favorite OR ?, updated_at = ? "
                 "WHERE id = ?", (tags_json([*tags, *new_tags]), favorite, now, item_id))
    queued = [(item_id, "tags_add", json.dumps(new_tags), now)] if new_tags else []
    _queue(conn, [*queued, *([(item_id, "favorite", None, now)] if favorite else [])],
           batch_id)


def _revive(conn: sqlite3.Connection, item_id: int, row: Row, tags: list[str],
            batch_id: str | None, now: float) -> None:
    """A page deleted from the list comes back as the file has it."""
    conn.execute("UPDATE items SET title = ?, tags = ?, saved_at = ?, status = ?, favorite = ?, "
                 "deleted = 0, deleted_at = NULL, updated_at = ? WHERE id = ?",
                 (row.title, tags_json(list(dict.fromkeys([*tags, *row.tags]))),
                  row.saved_at or now, row.status, row.favorite, now, item_id))
    revive(conn, item_id)
    _queue(conn, _changes(item_id, row, now), batch_id)


def _changes(item_id: int, row: Row, now: float) -> list[tuple[int, str, str | None, float]]:
    """An imported page's changes for the server: the add (with the saved date), then its
    archived and favourite states."""
    at = row.saved_at or now
    changes: list[tuple[int, str, str | None, float]] = [(item_id, ADD, None, at)]
    if row.status == "archived":
        changes.append((item_id, "archive", None, at))
    if row.favorite:
        changes.append((item_id, "favorite", None, at))
    return changes


def _insert(conn: sqlite3.Connection, rows: list[Row], batch_id: str | None,
            now: float) -> range:
    first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM items").fetchone()[0]
    ids = range(first, first + len(rows))
    sites = [site_of(row.key) for row in rows]
    conn.executemany(
        "INSERT INTO items (id, url, key, title, tags, saved_at, updated_at, status, favorite, "
        "site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(item_id, row.url, row.key, row.title, tags_json(row.tags), row.saved_at or now, now,
          row.status, row.favorite, site) for item_id, row, site in zip(ids, rows, sites,
                                                                         strict=True)])
    _queue(conn, [change for item_id, row in zip(ids, rows, strict=True)
                  for change in _changes(item_id, row, now)], batch_id)
    search.add_to_index(conn, [(item_id, row.title, row.tags, site, row.url)
                               for item_id, row, site in zip(ids, rows, sites, strict=True)])
    return ids


def _batch_id(store: Store) -> str:
    """The import under way (its changes not all sent yet) goes on; else a new one."""
    current = _current(store)
    if current and _waiting(store, current["batch"]):
        return str(current["batch"])
    return os.urandom(16).hex()


def _current(store: Store) -> dict[str, Any] | None:
    raw = store.get_meta("import").get("import")
    found = json.loads(raw) if raw else None
    return found if isinstance(found, dict) and isinstance(found.get("batch"), str) else None


def _waiting(store: Store, batch_id: str) -> int:
    rows = store.db.query("SELECT COUNT(DISTINCT item) FROM outbox WHERE batch = ?", (batch_id,))
    return int(rows[0][0])


def _remember(store: Store, batch_id: str, queued: int) -> None:
    """Add this run's newly queued pages to the import's total."""
    current = _current(store)
    if current is None or current["batch"] != batch_id:
        current = {"batch": batch_id, "started": time.time(), "total": 0}
    current["total"] = int(current["total"]) + queued
    store.set_meta(**{"import": json.dumps(current)})


def progress(store: Store) -> dict[str, int] | None:
    """The latest import's pages: how many it queued, how many reached the server."""
    current = _current(store)
    if current is None:
        return None
    total = int(current["total"])
    return {"total": total, "sent": max(0, total - _waiting(store, current["batch"]))}
