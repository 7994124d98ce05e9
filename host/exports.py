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
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import IO, Protocol

from .imports import JSON_FORMAT

FORMATS = ("netscape", "csv", "json")


class Exported(Protocol):
    """What is written of an item (the store's items have these fields)."""

    url: str
    title: str
    tags: tuple[str, ...]
    saved_at: float
    status: str
    favorite: bool
    remote_id: str | None


def write(kind: str, items: Iterable[Exported], out: IO[str]) -> int:
    """Write ``items`` in format ``kind`` to ``out``; returns how many were written."""
    writer = {"netscape": _netscape, "csv": _csv, "json": _json}[kind]
    return writer(items, out)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _netscape(items: Iterable[Exported], out: IO[str]) -> int:
    out.write("<!DOCTYPE NETSCAPE-Bookmark-file-1>\n"
              "<!-- Exported by Pocket Companion. -->\n"
              '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">\n'
              "<TITLE>Reading list</TITLE>\n<H1>Reading list</H1>\n<DL><p>\n")
    count = 0
    for item in items:
        marks = [f'HREF="{escape(item.url)}"', f'ADD_DATE="{int(item.saved_at)}"',
                 f'TOREAD="{0 if item.status == "archived" else 1}"']
        if item.tags:
            marks.append(f'TAGS="{escape(",".join(item.tags))}"')
        if item.favorite:
            marks.append('FAVORITE="1"')
        out.write(f"<DT><A {' '.join(marks)}>{escape(item.title or item.url)}</A>\n")
        count += 1
    out.write("</DL><p>\n")
    return count


def _csv(items: Iterable[Exported], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["title", "url", "time_added", "tags", "status", "favorite"])
    count = 0
    for item in items:
        writer.writerow([item.title or item.url, item.url, int(item.saved_at),
                         "|".join(item.tags),
                         "archive" if item.status == "archived" else "unread",
                         int(item.favorite)])
        count += 1
    return count


def _json(items: Iterable[Exported], out: IO[str]) -> int:
    head = {"format": JSON_FORMAT, "version": 1, "exported_at": _iso(time.time())}
    out.write(json.dumps(head)[:-1] + ', "items": [')
    count = 0
    for item in items:
        entry: dict[str, object] = {
            "url": item.url, "title": item.title, "tags": list(item.tags),
            "status": item.status, "favorite": item.favorite, "saved_at": _iso(item.saved_at)}
        if item.remote_id:
            entry["item_id"] = item.remote_id
        out.write(("\n" if count == 0 else ",\n") + json.dumps(entry, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
