"""A plain Python reading of the items table: what a search must find, without the index.

Words are folded (accents removed, lower case) and split as FTS5's ``unicode61`` tokenizer
splits the text the tests use (Latin letters, digits, punctuation). A term matches when its
words follow each other in one column (title, tags, site, the URL after its host with
%-escapes decoded), the last one as a prefix when the term is one.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from pocket_companion.library.query import Filter, Query, Term

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


class Row(NamedTuple):
    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    site: str
    status: str
    favorite: bool
    saved_at: float

    def columns(self) -> list[list[str]]:
        return [words(self.title), words(" ".join(self.tags)), words(self.site),
                words(unquote(self.url.partition("://")[2].partition("/")[2]))]


def live_rows(path: Path) -> list[Row]:
    """The live items, read straight from the table (a connection of its own)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT id, url, title, tags, site, status, favorite, saved_at "
                            "FROM items WHERE deleted = 0").fetchall()
    finally:
        conn.close()
    return [Row(i, url, title, tuple(json.loads(tags)), site, status, bool(fav), saved)
            for i, url, title, tags, site, status, fav, saved in rows]


def _in_column(column: list[str], wanted: list[str], prefix: bool) -> bool:
    size = len(wanted)
    for start in range(len(column) - size + 1):
        found = column[start:start + size]
        if found[:-1] == wanted[:-1] and (found[-1].startswith(wanted[-1]) if prefix
                                          else found[-1] == wanted[-1]):
            return True
    return False


def term_matches(row: Row, term: Term) -> bool:
    wanted = words(term.text)
    return any(_in_column(column, wanted, term.prefix) for column in row.columns())


def filter_matches(row: Row, found: Filter) -> bool:
    if found.kind == "tag":
        ok = found.value in row.tags
    elif found.kind == "site":
        ok = row.site == found.value or row.site.endswith(f".{found.value}")
    else:
        ok = row.favorite if found.value == "favorite" else row.status == found.value
    return ok != found.negated


def matches(row: Row, query: Query) -> bool:
    return (all(term_matches(row, term) for term in query.words)
            and not any(term_matches(row, term) for term in query.excluded)
            and all(filter_matches(row, found) for found in query.filters))


def search(path: Path, query: Query, sort: str) -> list[int]:
    """Ids of the matching live items: newest first, oldest first, or (relevance) by id."""
    found = [row for row in live_rows(path) if matches(row, query)]
    if sort == "relevance":
        return sorted(row.id for row in found)
    found.sort(key=lambda row: (row.saved_at, row.id), reverse=sort != "oldest")
    return [row.id for row in found]
