"""The search index and the queries of ``list`` and ``tags``.

``items_fts`` is an FTS5 table (``unicode61 remove_diacritics 2``) with one row per live
item (rowid = the item's id): its title, its tags, its site, the words of its URL after the
host (percent-escapes decoded) and the text of its readable copy, if it has one (``body``).
The store changes it in the same transaction as the items table: :func:`add_to_index` for
new items, :func:`reindex` for items whose title, tags, deleted flag or copy changed. (Not
triggers: SQLite 3.40's FTS5 writes each row a trigger inserts to disk as a segment of its
own, five times the cost of a batch of saves.) The table keeps its own copy of what it
indexes (it is not contentless): an item is taken out of it by its rowid alone, after its
row has changed (a contentless table needs the old values, gone by then), and
:func:`snippets` reads the text there by rowid. The copy of the article text is the price:
the ``articles`` table holds it again, compressed, for pages that are not in the index
(deleted ones can be restored) and for export.

A query with words or tag and site filters is answered from the index: its matches are
counted there (with the other filters, by reading each match's row), and a page of them is
either read from the index and sorted (ranked by bm25, or up to a few thousand matches by
date) or, for more, found by walking a date index and keeping the rows in the matched set,
which stops as soon as the page is full. bm25 gives a word in at least half of the list no
weight (its IDF is clamped to ~0), so a query matching that many items is listed newest
first rather than in an order of noise, and costs the walk instead of scoring every item.
"""

from __future__ import annotations

import re
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from functools import cache
from typing import NamedTuple
from urllib.parse import unquote

from pocket_companion.library.items import ITEM_COLUMNS, tags_of
from pocket_companion.library.query import Filter, Query, Term, has_words, searchable

FTS_TABLE = (
    "CREATE VIRTUAL TABLE items_fts USING fts5(title, tags, site, url, body, "
    "tokenize='unicode61 remove_diacritics 2')")
WEIGHTS = "10.0, 5.0, 3.0, 1.0, 1.0"  # bm25 weights: title, tags, site, url words, article
SNIPPET_CHARS = 200  # of article text around a match, at most (markers and ellipses aside)
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?:;]\x03?$")  # a snippet cut there: "end. …", not "end.…"
_TOKEN = re.compile(r"[^\W_]+")  # letters and digits: what FTS5's unicode61 keeps
SORTED_IN_MEMORY = 5000  # up to this many matches are read from the index and sorted
_NEWEST = "i.saved_at DESC, i.id DESC"
_ORDERS = {"newest": _NEWEST, "oldest": "i.saved_at ASC, i.id ASC"}
_LIVE = "i.deleted = 0"
_COLUMNS = {"tag": "tags", "site": "site"}  # the index column a filter's words are in
IndexRow = tuple[int, str, Sequence[str], str, str]  # id, title, tags, site, url
_Indexed = tuple[str, str, str, str]  # the title, tags, site and URL words as indexed


def _url_words(url: str) -> str:
    """The URL after its host (the host is the site column), %-escapes decoded."""
    rest = url.partition("://")[2].partition("/")[2]
    return unquote(rest) if "%" in rest else rest


def add_to_index(conn: sqlite3.Connection, rows: Iterable[IndexRow]) -> None:
    """Index live items that are not in the index yet (new items have no article)."""
    conn.executemany(
        "INSERT INTO items_fts (rowid, title, tags, site, url, body) VALUES (?, ?, ?, ?, ?, '')",
        [(item_id, title, " ".join(tags), site, _url_words(url))
         for item_id, title, tags, site, url in rows])


def reindex(conn: sqlite3.Connection, ids: Sequence[int], *, bodies: bool = False) -> None:
    """Index the items as they are now: live ones (again), deleted ones not at all. An item
    whose title, tags, site and URL are indexed as they are is left alone (a pull touches
    thousands, most unchanged), unless ``bodies``: its article changed."""
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ",".join("?" * len(chunk))
        indexed: dict[int, _Indexed] = {
            row[0]: tuple(row[1:]) for row in conn.execute(
                f"SELECT rowid, title, tags, site, url FROM items_fts WHERE rowid IN ({marks})",
                chunk)}
        wanted: dict[int, _Indexed] = {  # "+deleted": by id, not a scan of every live row
            item_id: (title, " ".join(tags_of(tags)), site, _url_words(url))
            for item_id, title, tags, site, url in conn.execute(
                f"SELECT id, title, tags, site, url FROM items WHERE id IN ({marks}) "
                "AND +deleted = 0", chunk)}
        stale = [i for i, values in indexed.items() if bodies or wanted.get(i) != values]
        fresh = [i for i, values in wanted.items() if bodies or indexed.get(i) != values]
        if stale:
            conn.execute(f"DELETE FROM items_fts WHERE rowid IN ({','.join('?' * len(stale))})",
                         stale)
        if fresh:
            with_text = {row[0] for row in conn.execute(
                f"SELECT item FROM articles WHERE item IN ({','.join('?' * len(fresh))})",
                fresh)}
            conn.executemany(  # one text in memory at a time: an article may be 4 MiB
                "INSERT INTO items_fts (rowid, title, tags, site, url, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ((i, *wanted[i], _text(conn, i) if i in with_text else "") for i in fresh))


def _text(conn: sqlite3.Connection, item_id: int) -> str:
    """An item's article text (it has a readable copy)."""
    [(text,)] = conn.execute("SELECT text FROM articles WHERE item = ?", (item_id,))
    return zlib.decompress(text).decode("utf-8")


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
    return 2 * found >= live_count(conn)


def live_count(conn: sqlite3.Connection) -> int:
    """How many rows the index holds (the live items), as FTS5 keeps it for bm25: the first
    varint of its "averages" record (``items_fts_data`` row 1). Counting the items instead
    reads an index entry per item, 7 ms at 100,000; this reads one row."""
    row = conn.execute("SELECT block FROM items_fts_data WHERE id = 1").fetchone()
    if row is not None and isinstance(row[0], bytes) and row[0]:
        value = 0
        for index, byte in enumerate(row[0][:9]):  # SQLite's varint: 7 bits a byte, 8 in a 9th
            if index == 8:
                return (value << 8) | byte
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                return value
    return _count(conn, f"SELECT COUNT(*) FROM items i WHERE {_LIVE}", ())


def snippets(conn: sqlite3.Connection, query: Query, ids: Sequence[int]) -> dict[int, str]:
    """For each of the items whose article text holds a word of ``query``, up to
    :data:`SNIPPET_CHARS` of that text around the first one, every matched word between
    ``\x02`` and ``\x03`` (the text itself holds no control characters: see
    ``articles.capture``).

    Found here, in the indexed text read by rowid, with the index's folding of case and
    accents: FTS5's own ``snippet()`` and ``highlight()`` need a ``MATCH`` for one rowid,
    which reads the word's whole list of pages, and a word found in most pages made a page
    of snippets cost a third of a second."""
    pattern = _words_pattern(query.words)
    if pattern is None:
        return {}
    found: dict[int, str] = {}
    for item_id in ids:
        row = conn.execute("SELECT body FROM items_fts WHERE rowid = ?", (item_id,)).fetchone()
        if row is not None and row[0]:
            snippet = _snippet(row[0], pattern)
            if snippet:
                found[item_id] = snippet
    return found


def _words_pattern(words: Sequence[Term]) -> re.Pattern[str] | None:
    """The query's words as a regular expression on folded text: each term's tokens with
    anything but letters and digits between them, a whole token unless it is a prefix."""
    choices = []
    for term in words:
        tokens = [re.escape(_fold(token)) for token in _TOKEN.findall(term.text)]
        if tokens:
            choices.append("[\\W_]+".join(tokens) + ("[^\\W_]*" if term.prefix else ""))
    if not choices:
        return None
    return re.compile(f"(?<![^\\W_])(?:{'|'.join(choices)})(?![^\\W_])")


def _snippet(text: str, pattern: re.Pattern[str]) -> str | None:
    """:data:`SNIPPET_CHARS` of ``text`` from a little before the first match, cut at
    spaces, every match marked; None when nothing matches."""
    folded = _fold(text)
    first = pattern.search(folded)
    if first is None:
        return None
    start = max(0, first.start() - SNIPPET_CHARS // 4)
    if start:
        space = text.find(" ", start, first.start())
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", first.end(), end)
        end = space if space >= 0 else end
    marked, at = [], start
    for match in pattern.finditer(folded, start, end):
        marked += [text[at:match.start()], "\x02", text[match.start():match.end()], "\x03"]
        at = match.end()
    marked.append(text[at:end])
    shown = _SPACES.sub(" ", "".join(marked)).strip()
    after = "" if end == len(text) else " …" if _SENTENCE_END.search(shown) else "…"
    return ("…" if start else "") + shown + after


def _fold(text: str) -> str:
    """``text`` in lower case without accents, as the index compares words, and of the
    same length (so that a match's place is the same in the text)."""
    accented, bases = _folding()
    return accented.sub(lambda found: bases[found.group()], text).lower()


@cache
def _folding() -> tuple[re.Pattern[str], dict[str, str]]:
    """The accented letters up to U+2FFF, each with its base letter, and İ with i (whose
    lower case would be two characters): a pattern that finds them (in C: most text has
    few) and what each becomes."""
    import unicodedata

    bases = {"\u0130": "i"}
    for point in range(0xC0, 0x3000):
        base = "".join(char for char in unicodedata.normalize("NFD", chr(point))
                       if not unicodedata.combining(char))
        if len(base) == 1 and base != chr(point) and len(base.lower()) == 1:
            bases[chr(point)] = base
    return re.compile(f"[{''.join(map(re.escape, bases))}]"), bases


def tag_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Each tag of the live items and how many carry it, by name (case-insensitive)."""
    rows = conn.execute(
        "SELECT t.value, COUNT(*) FROM items i, json_each(i.tags) t "
        f"WHERE {_LIVE} AND i.tags != '[]' GROUP BY t.value").fetchall()
    return sorted(((str(name), int(count)) for name, count in rows),
                  key=lambda pair: (pair[0].casefold(), pair[0]))
