"""Item data model: URLs, ids, tags and per-user item storage (no HTTP, no locking)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
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
    """Global URL -> item_id table shared by all users (item ids are per URL, §1.4).

    It is also the server's resolver: `alias` makes one URL resolve to another (a merge, see
    `PocketState.merge_url`); `resolve` and `lookup` follow such aliases, `id_for` does not.
    """

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._urls: dict[str, str] = {}
        self._aliases: dict[str, str] = {}  # normal URL -> the URL it now resolves to

    def id_for(self, normal_url: str, given_url: str) -> str:
        """The item id of exactly this normal URL (allocated on first use; no aliases)."""
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

    def direct_id(self, normal_url: str) -> str | None:
        """The id this very normal URL got, if it was ever saved (aliases not followed)."""
        return self._ids.get(normal_url)

    def _chain(self, normal_url: str) -> list[tuple[str, str | None]]:
        """[(normal URL, the URL it was reached by)] along the aliases, starting at normal_url."""
        chain: list[tuple[str, str | None]] = [(normal_url, None)]
        seen = {normal_url}
        while normal_url in self._aliases:
            resolved = self._aliases[normal_url]
            normal_url = normalize_url(resolved) or normal_url
            if normal_url in seen:  # alias() refuses cycles; never loop anyway
                break
            seen.add(normal_url)
            chain.append((normal_url, resolved))
        return chain

    def resolve(self, normal_url: str) -> tuple[str, str | None]:
        """(normal URL whose item a URL belongs to, the URL it resolves to or None if unmerged)."""
        return self._chain(normal_url)[-1]

    def lookup(self, url: str) -> str | None:
        """The item id a URL is saved under (aliases followed); None if never saved."""
        normal = normalize_url(url)
        return None if normal is None else self._ids.get(self.resolve(normal)[0])

    def alias(self, normal_url: str, into_url: str) -> None:
        """From now on `normal_url` resolves to `into_url`; ValueError if that makes a cycle."""
        into_normal = normalize_url(into_url)
        if into_normal is None or normal_url in (n for n, _ in self._chain(into_normal)):
            raise ValueError(f"cannot merge {normal_url!r} into {into_url!r}")
        self._aliases[normal_url] = into_url


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
    resolved_url: str = ""  # "" = the given URL; set when a merge made them differ

    @property
    def deleted(self) -> bool:
        return self.status == STATUS_DELETED

    def mark_deleted(self) -> None:
        """Deleted: a tombstone kept for `since` (rendered as a status-2 stub)."""
        self.status, self.favorite, self.time_favorited, self.tags = STATUS_DELETED, False, 0, []


@dataclass(frozen=True)
class Seed:
    """One entry of `FakePocket.seed_many`: an item as it already is in the list."""

    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    time_added: int | None = None  # None: the server's now
    status: int = STATUS_UNREAD
    favorite: bool = False

    @classmethod
    def of(cls, entry: Mapping[str, Any] | Sequence[Any]) -> Seed:
        """From {"url", "title", "tags", "time_added", "status", "favorite"} or a tuple of
        them in that order (missing ones take defaults). ValueError when invalid.
        """
        if isinstance(entry, str) or not isinstance(entry, Mapping | Sequence):
            raise ValueError(f"seed entry must be a dict or a tuple: {entry!r}")
        names = [f.name for f in dataclasses.fields(cls)]
        if isinstance(entry, Mapping):
            raw = dict(entry)
        elif len(entry) <= len(names):
            raw = dict(zip(names, entry, strict=False))
        else:
            raise ValueError(f"too many fields in seed entry: {entry!r}")
        unknown = set(raw) - set(names)
        if unknown or normalize_url(str(raw.get("url", ""))) is None:
            raise ValueError(f"invalid seed entry: {entry!r}")
        return cls(
            url=str(raw["url"]), title=_seed_title(raw.get("title")),
            tags=tuple(_seed_tags(raw.get("tags"))),
            time_added=_seed_time(raw.get("time_added")),
            status=_seed_status(raw.get("status")), favorite=_seed_flag(raw.get("favorite")),
        )


def _seed_tags(raw: object) -> list[str]:
    tags = parse_tags(list(raw) if isinstance(raw, tuple | set | frozenset) else raw)
    if tags is None:
        raise ValueError(f"invalid tags: {raw!r}")
    return tags


def _seed_title(raw: object) -> str:
    if raw is not None and not isinstance(raw, str):
        raise ValueError(f"title must be a string: {raw!r}")
    return raw or ""


def _seed_time(raw: object) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"time_added must be unix seconds (int): {raw!r}")
    return raw


def _seed_flag(raw: object) -> bool:
    if raw is not None and not isinstance(raw, bool):
        raise ValueError(f"favorite must be a bool: {raw!r}")
    return bool(raw)


def parse_status(raw: object) -> int:
    """"unread" -> 0, "archived" -> 1 (the only states a client can set)."""
    states = {"unread": STATUS_UNREAD, "archived": STATUS_ARCHIVED}
    if not isinstance(raw, str) or raw not in states:
        raise ValueError(f'status must be "unread" or "archived": {raw!r}')
    return states[raw]


def _seed_status(raw: object) -> int:
    return STATUS_UNREAD if raw is None else parse_status(raw)


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
        title: str, tags: list[str], now: int, when: int | None, resolved_url: str = "",
    ) -> Item:
        """Add, or re-add (un-archive / un-delete, union tags, move to the top).

        A re-add keeps the given URL (and resolved URL) of the first save.
        """
        self._seq += 1
        item = self._items.get(item_id)
        if item is None:
            item = Item(item_id, given_url, normal_url, title=title, time_added=when or now,
                        resolved_url=resolved_url)
            self._items[item_id] = item
        else:
            item.status, item.time_read = STATUS_UNREAD, 0
            item.title = title or item.title
        item.tags.extend(t for t in tags if t not in item.tags)
        item.sort_key = (when or now, self._seq)
        item.time_updated = now
        return item

    def fold(self, old_id: str, into_id: str, resolved_url: str, now: int) -> bool:
        """Merge the item `old_id` into `into_id`; False when there is no `old_id` item.

        FAKE CHOICE (the real merge rules are unknown): if the list has an `into_id` item
        it keeps all its fields and gains the old item's tags (its own first); if not, the
        old item moves to `into_id` unchanged (given URL, title, status, favorite, times,
        tags, place in the list) with `resolved_url` set. The old item becomes a tombstone;
        both are stamped `time_updated = now`.
        """
        old = self.get(old_id)
        if old is None:
            return False
        into = self.get(into_id)
        if into is None:
            into = dataclasses.replace(old, item_id=into_id, tags=list(old.tags),
                                       resolved_url=resolved_url)
            self._items[into_id] = into
        else:
            into.tags.extend(t for t in old.tags if t not in into.tags)
        into.time_updated = old.time_updated = now
        old.mark_deleted()
        return True

    def clear(self) -> None:
        self._items.clear()
