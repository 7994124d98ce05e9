"""Items of the reading list as the store hands them out, and how rows become items."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple


class NewItem(NamedTuple):
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    key: str = ""  # the URL's lookup key when already known (urls.clean gives both)
    keep_title: bool = False  # the title only fills in a missing one (a link's text)
    keep_archived: bool = False  # an archived page stays archived, in its place (save_many)


def merged_title(stored: str, entry: NewItem) -> str:
    """The title of a page saved again: the new one, unless it is empty or only a
    stand-in (``keep_title``) for a title already stored."""
    if not entry.title or (entry.keep_title and stored):
        return stored
    return entry.title


class Item(NamedTuple):
    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    saved_at: float
    status: str
    favorite: bool
    remote_id: str | None
    pending: bool
    site: str = ""
    deleted_at: float | None = None  # set while the item is deleted

    @property
    def state(self) -> str:
        return "pending" if self.pending else "synced"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "url": self.url,
            "title": self.title,
            "tags": list(self.tags),
            "state": self.state,
            "status": self.status,
            "favorite": self.favorite,
            "saved_at": datetime.fromtimestamp(self.saved_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "site": self.site,
        }
        if self.remote_id:
            data["item_id"] = self.remote_id
        return data


ITEM_COLUMNS = """i.id, i.url, i.title, i.tags, i.saved_at, i.status, i.favorite, i.remote_id,
       EXISTS (SELECT 1 FROM outbox o WHERE o.item = i.id) AS pending, i.site, i.deleted_at"""
ITEM_SELECT = f"SELECT {ITEM_COLUMNS} FROM items i"


def tags_of(text: str) -> tuple[str, ...]:
    return () if text == "[]" else tuple(json.loads(text))


def tags_json(tags: Sequence[str]) -> str:
    return json.dumps(list(tags)) if tags else "[]"


def item_of(row: sqlite3.Row) -> Item:
    """An item from a row of ``ITEM_COLUMNS`` (by position: rows come by the thousand)."""
    item_id, url, title, tags, saved_at, status, favorite, remote_id, pending, site, gone = row
    return Item(item_id, url, title, tags_of(tags), saved_at, status, bool(favorite), remote_id,
                bool(pending), site, gone)
