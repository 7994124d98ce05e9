"""The search index and the queries of ``list`` and ``tags``.

``items_fts`` is an FTS5 table (``unicode61 remove_diacritics 2``) with one row per live
item (rowid = the item's id): its title, its tags, its site and the words of its URL
after the host (percent-escapes decoded). The store changes it in the same transaction as the items
table: :func:`add_to_index` for new items, :func:`reindex` for items whose title, tags or
deleted flag changed. (Not triggers: SQLite 3.40's FTS5 writes each row a trigger inserts
to disk as a segment of its own, five times the cost of a batch of saves.)

A query with words or tag and site filters is answered from the index: its matches are
counted there (with the other filters, by reading each match's row), and a page of them is
either read from the index and sorted (ranked by bm25, or up to a few thousand matches by
date) or, for more, found by walking a date index and keeping the rows in the matched set,
which stops as soon as the page is full. bm25 gives a word in at least half of the list no
weight (its IDF is clamped to ~0), so a query matching that many items is listed newest
first rather than in an order of noise, and costs the walk instead of scoring every item.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from urllib.parse import unquote

from pocket_companion.library.items import ITEM_COLUMNS, tags_of
from pocket_companion.library.query import Filter, Query, Term, has_words, searchable

FTS_TABLE = (
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, tags, site, url, "
    "tokenize='unicode61 remove_diacritics 2')")
WEIGHTS = "10.0, 5.0, 3.0, 1.0"  # bm25 weights: title, tags, site, url words
SORTED_IN_MEMORY = 5000  # up to this many matches are read from the index and sorted
_NEWEST = "i.saved_at DESC, i.id DESC"
_ORDERS = {"newest": _NEWEST, "oldest": "i.saved_at ASC, i.id ASC"}
_LIVE = "i.deleted = 0"
_COLUMNS = {"tag": "tags", "site": "site"}  # the index column a filter's words are in
IndexRow = tuple[int, str, Sequence[str], str, str]  # id, title, tags, site, url


def _url_words(url: str) -> str:
    """The URL after its host (the host is the site column), %-escapes decoded."""
    rest = url.partition("://")[2].partition("/")[2]
    return unquote(rest) if "%" in rest else rest


def add_to_index(conn: sqlite3.Connection, rows: Iterable[IndexRow]) -> None:
    """Index live items that are not in the index yet."""
    conn.executemany(
        "INSERT INTO items_fts (rowid, title, tags, site, url) VALUES (?, ?, ?, ?, ?)",
        [(item_id, title, " ".join(tags), site, _url_words(url))
         for item_id, title, tags, site, url in rows])


def reindex(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Index the items as they are now: live ones (again), deleted ones not at all."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM items_fts WHERE rowid IN ({marks})", chunk)
        rows = conn.execute("SELECT id, title, tags, site, url FROM items "
                            f"WHERE id IN ({marks}) AND deleted = 0", chunk).fetchall()
        add_to_index(conn, [(i, title, tags_of(tags), site, url)
                            for i, title, tags, site, url in rows])


def _quoted(term: Term) -> str:
    """A term as an FTS5 string: never syntax, whatever the user typed (see query.py)."""
    return f'"{term.text}"' + ("*" if term.prefix else "")


def _filter_sql(found: Filter) -> tuple[str, list[object]]:
    if found.kind == "is":  # literal values, so that the partial indexes serve them
        return {"favorite": "i.favorite = 1", "archived": "i.status = 'archived'",
                "unread": "i.status = 'unread'"}[found.value], []
    if found.kind == "tag":
        return "EXISTS (SELECT 1 FROM json_each(i.tags) WHERE value = ?)", [found.value]
    return "(i.site = ? OR substr(i.site, ?) = ?)", [
        found.value, -len(found.value) - 1, f".{found.value}"]


def _conditions(query: Query) -> tuple[str, list[object]]:
    """What every listed item must satisfy besides the index match, as SQL on ``i``."""
    where, args = [_LIVE], []
    for found in query.filters:
        sql, values = _filter_sql(found)
        where.append(f"NOT {sql}" if found.negated else sql)
        args += values
    if query.excluded:
        where.append("i.id NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        args.append(" OR ".join(map(_quoted, query.excluded)))
    return " AND ".join(where), args


def _match(query: Query) -> str | None:
    """The FTS5 query: every word, and the words of each tag and site filter in their
    own column (a fast first cut; the exact test is in :func:`_conditions`)."""
    parts = [_quoted(term) for term in query.words]
    parts += [f"{{{_COLUMNS[found.kind]}}} : {_quoted(Term(searchable(found.value)))}"
              for found in query.filters
              if found.kind in _COLUMNS and not found.negated and has_words(found.value)]
    return " AND ".join(parts) or None


def _count(conn: sqlite3.Connection, sql: str, args: Sequence[object]) -> int:
    return int(conn.execute(sql, args).fetchone()[0])


class _Plan(NamedTuple):
    source: str
    where: str
    args: list[object]
    order: str

    def rows(self, conn: sqlite3.Connection, limit: int, offset: int) -> list[sqlite3.Row]:
        return conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM {self.source} WHERE {self.where} "
            f"ORDER BY {self.order} LIMIT ? OFFSET ?", [*self.args, limit, offset]).fetchall()


def page(conn: sqlite3.Connection, query: Query, sort: str, limit: int, offset: int
         ) -> tuple[list[sqlite3.Row], int]:
    """One page of matching items (rows of ``ITEM_COLUMNS``) and how many match in all."""
    where, args = _conditions(query)
    match = _match(query)
    if match is None:
        plan = _Plan("items i", where, args, _ORDERS.get(sort, _NEWEST))
        return plan.rows(conn, limit, offset), _count(
            conn, f"SELECT COUNT(*) FROM items i WHERE {where}", args)
    found, total = _counts(conn, match, where, args)
    if not total:
        return [], 0
    ranked = sort == "relevance" and bool(query.words) and not _most(conn, found)
    order = f"bm25(items_fts, {WEIGHTS}), {_NEWEST}" if ranked else _ORDERS.get(sort, _NEWEST)
    read = _Plan("items_fts CROSS JOIN items i ON i.id = items_fts.rowid",
                 f"items_fts MATCH ? AND {where}", [match, *args], order)
    if not ranked and total > SORTED_IN_MEMORY:
        read = _Plan("items i", "i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?) "
                     f"AND {where}", [match, *args], order)
    return read.rows(conn, limit, offset), total


def walk(conn: sqlite3.Connection, query: Query, oldest: bool, after: tuple[float, int] | None,
         limit: int) -> list[sqlite3.Row]:
    """The next ``limit`` matching items by date after ``after`` (the last one's saved_at and
    id): the whole list in steps whose cost does not grow with how far along they are."""
    where, args = _conditions(query)
    match = _match(query)
    if match is not None:
        where += " AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
        args.append(match)
    if after is not None:
        where += f" AND (i.saved_at, i.id) {'>' if oldest else '<'} (?, ?)"
        args += list(after)
    order = _ORDERS["oldest" if oldest else "newest"]
    return conn.execute(f"SELECT {ITEM_COLUMNS} FROM items i WHERE {where} ORDER BY {order} "
                        "LIMIT ?", [*args, limit]).fetchall()


def _counts(conn: sqlite3.Connection, match: str, where: str, args: list[object]
            ) -> tuple[int, int]:
    """How many items the index matches, and how many of them meet ``where`` too (one pass;
    the index holds only live items, so with no other condition that is the same count)."""
    if where == _LIVE:
        found = _count(conn, "SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH ?", [match])
        return found, found
    row = conn.execute(f"SELECT COUNT(*), COUNT(CASE WHEN {where} THEN 1 END) FROM items_fts "
                       "CROSS JOIN items i ON i.id = items_fts.rowid WHERE items_fts MATCH ?",
                       [*args, match]).fetchone()
    return int(row[0]), int(row[1])


def _most(conn: sqlite3.Connection, found: int) -> bool:
    """Whether ``found`` matches are at least half the list (see the module's notes)."""
    return 2 * found >= _count(conn, f"SELECT COUNT(*) FROM items i WHERE {_LIVE}", ())


def tag_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Each tag of the live items and how many carry it, by name (case-insensitive)."""
    rows = conn.execute(
        "SELECT t.value, COUNT(*) FROM items i, json_each(i.tags) t "
        f"WHERE {_LIVE} AND i.tags != '[]' GROUP BY t.value").fetchall()
    return sorted(((str(name), int(count)) for name, count in rows),
                  key=lambda pair: (pair[0].casefold(), pair[0]))
