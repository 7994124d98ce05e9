"""Taking the list anywhere: Netscape bookmarks, a Pocket-style CSV, or lossless JSON.

Every writer takes the items as an iterable and writes as it goes, so an export's memory
does not grow with the list. What each format keeps:

- ``netscape``: the bookmark file browsers, wallabag, Readeck, linkding, Karakeep and
  Raindrop import: ``ADD_DATE``, ``TAGS``, ``TOREAD`` (``0`` for archived) and, for our own
  importer, ``FAVORITE``.
- ``csv``: Pocket's own columns and order (``title,url,time_added,tags,status``, RFC 4180
  quoting, tags joined with ``|``) so importers written for Pocket's file read it, plus a
  last ``favorite`` column they ignore. A tag containing ``|`` cannot survive this format.
- ``json``: every field we keep (never a secret), ``{"format": "pocket-companion-export",
  "version": 1, "exported_at", "items": [...]}``, one item per line.

With the text (``copy_of``), each page's readable copy joins it: in JSON, its plain
``text`` (``null`` for a page without a copy) and the whole copy as ``article`` (its HTML,
title, byline, site, language, direction, excerpt, word count and ``source``), which our
importer keeps again; in CSV, a last ``text`` column (empty without one). A bookmarks file
has no place for it.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from html import escape
from typing import IO, Protocol

from pocket_companion.library.articles import Copy
from pocket_companion.library.imports import JSON_FORMAT
from pocket_companion.library.items import Item, item_of
from pocket_companion.library.query import Query
from pocket_companion.library.search import walk
from pocket_companion.library.store import Store

FORMATS = ("netscape", "csv", "json")
WITH_TEXT = ("csv", "json")  # the formats that can hold the pages' text
MEDIA = {"netscape": ("text/html", "html"), "csv": ("text/csv", "csv"),
         "json": ("application/json", "json")}
STEP = 1000  # items read from the list at a time


class Exported(Protocol):
    """What is written of an item (the store's items have these fields)."""

    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def saved_at(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def favorite(self) -> bool: ...
    @property
    def remote_id(self) -> str | None: ...


def write(kind: str, items: Iterable[Exported], out: IO[str],
          copy_of: Callable[[Exported], Copy | None] | None = None) -> int:
    """Write ``items`` in format ``kind`` to ``out``, with each one's copy when ``copy_of``
    gives it (a format of :data:`WITH_TEXT`); returns how many were written."""
    out.write(head(kind, with_text=copy_of is not None))
    count = 0
    for item in items:
        out.write(entry(kind, item, count == 0, with_text=copy_of is not None,
                        copy=copy_of(item) if copy_of else None))
        count += 1
    out.write(tail(kind))
    return count


def head(kind: str, *, with_text: bool = False) -> str:
    if kind == "netscape":
        return ("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<!-- Exported by Pocket Companion. -->\n"
                '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n'
                "<TITLE>Reading list</TITLE>\n<H1>Reading list</H1>\n<DL><p>\n")
    if kind == "csv":
        return f"title,url,time_added,tags,status,favorite{',text' if with_text else ''}\r\n"
    start = {"format": JSON_FORMAT, "version": 1, "exported_at": _iso(time.time())}
    return json.dumps(start)[:-1] + ', "items": ['


def entry(kind: str, item: Exported, first: bool, *, with_text: bool = False,
          copy: Copy | None = None) -> str:
    """One item in format ``kind`` (``first``: the first of the file), ``with_text``: with
    ``copy``, its readable copy, its text included (None: it has none)."""
    if kind == "netscape":
        return _bookmark(item)
    if kind == "csv":
        line = io.StringIO()
        csv.writer(line, lineterminator="\r\n").writerow([
            item.title or item.url, item.url, int(item.saved_at), "|".join(item.tags),
            "archive" if item.status == "archived" else "unread", int(item.favorite),
            *([copy.article.text if copy else ""] if with_text else [])])
        return line.getvalue()
    fields: dict[str, object] = {
        "url": item.url, "title": item.title, "tags": list(item.tags), "status": item.status,
        "favorite": item.favorite, "saved_at": _iso(item.saved_at)}
    if item.remote_id:
        fields["item_id"] = item.remote_id
    if with_text:
        fields["text"] = copy.article.text if copy else None
        if copy:
            found = copy.article._asdict()
            del found["text"]  # beside it, as "text"
            fields["article"] = {**found, "source": copy.source}
    return ("\n" if first else ",\n") + json.dumps(fields, ensure_ascii=False)


def tail(kind: str) -> str:
    return {"netscape": "</DL><p>\n", "csv": "", "json": "\n]}\n"}[kind]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bookmark(item: Exported) -> str:
    marks = [f'HREF="{escape(item.url)}"', f'ADD_DATE="{int(item.saved_at)}"',
             f'TOREAD="{0 if item.status == "archived" else 1}"']
    if item.tags:
        marks.append(f'TAGS="{escape(",".join(item.tags))}"')
    if item.favorite:
        marks.append('FAVORITE="1"')
    return f"<DT><A {' '.join(marks)}>{escape(item.title or item.url)}</A>\n"


def listed(store: Store, query: Query, oldest: bool = False,
           after: tuple[float, int] | None = None) -> Iterator[Item]:
    """Every item matching ``query``, newest (or oldest) first, read :data:`STEP` at a time."""
    while True:
        with store.db.read() as conn:
            rows = walk(conn, query, oldest, after, STEP)
        items = [item_of(row) for row in rows]
        yield from items
        if len(items) < STEP:
            return
        after = (items[-1].saved_at, items[-1].id)
