"""CSV reading lists: Pocket's export (and this program's CSV export, written the same way)
and Instapaper's, told apart by their header and read by column name, not position."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO

from pocket_companion.library.imports import Raw

_INSTAPAPER_FOLDERS = {"unread": "unread", "archive": "archived", "starred": "starred"}


def rows(text: IO[str]) -> Iterator[tuple[str, Raw | str]]:
    """(line, row or problem) for every record; a record may span lines (quoted newlines)."""
    reader = csv.reader(text)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        if "url" not in header:
            yield "1", "not a file this program can import (no 'url' column, and not HTML or JSON)"
            return
        read = _instapaper if "folder" in header or "selection" in header else _pocket
        line = reader.line_num
        for record in reader:
            start, line = line + 1, reader.line_num
            if record and any(cell.strip() for cell in record):
                yield str(start), read(dict(zip(header, record, strict=False)))
    except csv.Error as exc:
        yield str(reader.line_num), f"the CSV cannot be read further ({exc})"


def _pocket(cells: dict[str, str]) -> Raw | str:
    """``title,url,time_added,tags,status`` (any order, extra columns such as ``cursor``
    ignored); tags split on ``|``, status ``unread`` or ``archive``."""
    status = cells.get("status", "").strip().lower()
    if status not in ("", "unread", "archive", "archived"):
        return f"unknown status {status!r} (expected unread or archive)"
    return Raw(cells.get("url", ""), cells.get("title", ""), cells.get("time_added"),
               "archived" if status.startswith("archive") else "unread",
               cells.get("favorite", "").strip() in ("1", "true"),
               cells.get("tags", "").split("|"))


def _instapaper(cells: dict[str, str]) -> Raw | str:
    """``URL,Title,Selection,Folder[,Timestamp,Tags]``: Folder Archive is archived, Starred a
    favourite, any other folder of the user's own becomes a tag; Tags is a JSON array."""
    if not cells.get("url", "").strip():
        return "no URL (Instapaper notes without a page cannot be imported)"
    folder = cells.get("folder", "").strip()
    kind = _INSTAPAPER_FOLDERS.get(folder.lower())
    tags = _json_tags(cells.get("tags", ""))
    if isinstance(tags, str):
        return tags
    if folder and kind is None:
        tags.append(folder)
    return Raw(cells["url"], cells.get("title", ""), cells.get("timestamp"),
               "archived" if kind == "archived" else "unread", kind == "starred", tags)


def _json_tags(text: str) -> list[str] | str:
    if not text.strip():
        return []
    try:
        tags = json.loads(text)
    except ValueError:
        return text.split(",")  # the older exports: comma-separated
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return f"Tags {text[:60]!r} is not a list of names"
    return tags
