"""Item data model: URLs, ids, tags and per-user item storage (no HTTP, no locking)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TAG_MAX = 25
UNTAGGED = "_untagged_"
STATUS_UNREAD, STATUS_ARCHIVED, STATUS_DELETED = 0, 1, 2
_MS_THRESHOLD = 10**12  # 13+ digit timestamps are milliseconds (proxy parity, §4 notes)


def normalize_url(url: str) -> str | None:
    """Identity key of a URL: scheme-insensitive, lower-case host, no fragment, no lone "/".

    Returns None when the URL has no http(s) scheme or no host (such URLs are not saved).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    path = "" if parts.path in ("", "/") else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"http://{parts.netloc.lower()}{path}{query}"


def url_host(url: str) -> str:
    """Host of a URL without a leading "www." ("" when unparsable)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def digits_of(text: str) -> str:
    """A stable 10-digit decimal string derived from text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return str(1_000_000_000 + int.from_bytes(digest[:8], "big") % 9_000_000_000)


class UrlRegistry:
    """Global URL -> item_id table shared by all users (item ids are per URL, §1.4)."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._urls: dict[str, str] = {}

    def id_for(self, normal_url: str, given_url: str) -> str:
        if normal_url in self._ids:
            return self._ids[normal_url]
        item_id = digits_of(normal_url)
        while item_id in self._urls:  # hash collision: probe upwards, still deterministic
            item_id = str(int(item_id) + 1)
        self._ids[normal_url] = item_id
        self._urls[item_id] = given_url
        return item_id

    def url_for(self, item_id: str) -> str | None:
        return self._urls.get(item_id)


def clean_tag(raw: str) -> str:
    """Trimmed, lower-cased, truncated to 25 characters (§4 tag notes)."""
    return raw.strip().lower()[:TAG_MAX].strip()


def parse_tags(raw: object) -> list[str] | None:
    """Comma string or JSON array -> unique clean tags in order; None if the type is wrong."""
    if raw is None:
        return []
    if isinstance(raw, str):
        parts = raw.split(",")
    elif isinstance(raw, list) and all(isinstance(t, str | int) for t in raw):
        parts = [str(t) for t in raw]
    else:
        return None
    tags: list[str] = []
    for part in parts:
        tag = clean_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def parse_time(raw: object) -> int | None:
    """Unix seconds from a string or number (ms are converted); None when absent/empty.

    Raises ValueError when the value is not a number.
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError("invalid time")
    value = int(float(raw))
    if value < 0:
        raise ValueError("invalid time")
    return value // 1000 if value >= _MS_THRESHOLD else value


def parse_item_id(raw: object) -> str | None:
    """An item id given as a digit string or an integer; None when absent.

    Raises ValueError for anything else.
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return str(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return str(int(raw.strip()))
    raise ValueError("invalid item_id")


@dataclass
class Item:
    """One saved item of one user; timestamps are ints (rendered as strings)."""

    item_id: str
    given_url: str
    normal_url: str
    title: str = ""
    status: int = STATUS_UNREAD
    favorite: bool = False
    tags: list[str] = field(default_factory=list)
    time_added: int = 0
    time_updated: int = 0
    time_read: int = 0
    time_favorited: int = 0
    sort_key: tuple[int, int] = (0, 0)

    @property
    def deleted(self) -> bool:
        return self.status == STATUS_DELETED


class UserItems:
    """The list of one user, keyed by item_id; deleted items stay as tombstones for `since`."""

    def __init__(self) -> None:
        self._items: dict[str, Item] = {}
        self._seq = 0

    def __iter__(self) -> Iterator[Item]:
        return iter(list(self._items.values()))

    def get(self, item_id: str, *, include_deleted: bool = False) -> Item | None:
        item = self._items.get(item_id)
        if item is None or (item.deleted and not include_deleted):
            return None
        return item

    def save(
        self, item_id: str, given_url: str, normal_url: str, *,
        title: str, tags: list[str], now: int, when: int | None,
    ) -> Item:
        """Add, or re-add (un-archive / un-delete, union tags, move to the top)."""
        self._seq += 1
        item = self._items.get(item_id)
        if item is None:
            item = Item(item_id, given_url, normal_url, title=title, time_added=when or now)
            self._items[item_id] = item
        else:
            item.status, item.time_read = STATUS_UNREAD, 0
            item.title = title or item.title
        item.tags.extend(t for t in tags if t not in item.tags)
        item.sort_key = (when or now, self._seq)
        item.time_updated = now
        return item

    def clear(self) -> None:
        self._items.clear()
