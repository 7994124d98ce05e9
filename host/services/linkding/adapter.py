"""linkding as a :class:`~pocket_companion.services.base.ReadingService`.

Pushes send one request per change (:func:`~pocket_companion.services.each.push_each`):
``add`` is a create (a URL the account holds is updated in place: same id, archive flag
kept, but its title, tags, description and notes become the request's); archive and
re-add are the ``/archive/`` and ``/unarchive/`` actions; a tag change reads the bookmark
and PATCHes its whole ``tag_names`` list; there are no favourites.

Pulls read the unarchived list and the archived one. linkding reports no deletions, so
when the caller knows remote ids the whole of both lists is read (to see which ids are
missing) and each missing id is confirmed with a read of its own, since paging by offset
skips an item whenever one before it leaves the list mid-read (a list whose count changes
while it is read is also read again from the start); otherwise only what
``modified_since`` keeps is read. The cursor is the newest ``date_modified`` seen, read
back with :data:`OVERLAP` seconds to spare (a save is stamped before it commits, and a
server may run several workers), with the ids and stamps already reported inside that
window so that nothing comes twice. The server's stamps are compared with each other only,
never with this machine's clock.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pocket_companion.config import Settings
from pocket_companion.errors import FieldRejected, NotAuthenticated
from pocket_companion.logs import register_secret
from pocket_companion.services.base import (
    Change,
    ChangeResult,
    Credentials,
    Grant,
    PullPage,
    RemoteItem,
)
from pocket_companion.services.each import push_each
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.linkding.client import LinkdingClient
from pocket_companion.services.values import iso_seconds, json_cursor, pasted_token, unique

OVERLAP = 30.0  # seconds of date_modified read again on the next pull
PAGE = 500  # bookmarks a page (the server's default is 100; it sets no maximum)
LOOKUPS = 4  # check calls at once: each makes the server fetch the page
_MAX_PAGES = 10_000
_RESTARTS = 2  # times a list is read again from the start when its count changed mid-read
_TAG_OPS = frozenset({"tags_add", "tags_remove", "tags_replace", "tags_clear"})


def _iso(seconds: float) -> str:
    """A time as ``modified_since`` takes it: UTC, ``Z`` (a ``+`` would arrive as a space)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _bookmark_id(raw: Any) -> str | None:
    """A linkding id (an int) as text; None for anything else, which never goes in a path."""
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    return text if text.isascii() and text.isdigit() else None


def _names(given: Iterable[str]) -> list[str]:
    """Tag names as linkding will keep them: it joins a list with commas and splits it
    again, trims each name and turns inner spaces into dashes; once each, first spelling
    kept, since its tags ignore case."""
    return unique((part.strip().replace(" ", "-") for name in given for part in name.split(",")),
                  key=str.lower)


def _tags(raw: Any) -> list[str]:
    return [name for name in raw if isinstance(name, str)] if isinstance(raw, list) else []


def new_tags(op: str, current: list[str], given: Sequence[str]) -> list[str]:
    """The whole tag list a tag change leaves."""
    wanted = _names(given)
    if op == "tags_replace":
        return wanted
    if op == "tags_clear":
        return []
    if op == "tags_remove":
        dropped = {name.lower() for name in wanted}
        return [name for name in current if name.lower() not in dropped]
    return unique([*current, *wanted], key=str.lower)  # linkding's tags ignore case


def remote_item(raw: Mapping[str, Any]) -> RemoteItem | None:
    """A bookmark of a list or detail answer; None for one that says nothing usable."""
    bookmark_id, url = _bookmark_id(raw.get("id")), raw.get("url")
    if bookmark_id is None or not isinstance(url, str) or not url:
        return None
    title = raw.get("title") or raw.get("website_title")  # the latter: before 1.36
    return RemoteItem(
        remote_id=bookmark_id, url=url,
        status="archived" if raw.get("is_archived") is True else "unread",
        title=title.strip() if isinstance(title, str) else "",
        favorite=False, tags=tuple(_tags(raw.get("tag_names"))),
        time_added=iso_seconds(raw.get("date_added")))


class Cursor(NamedTuple):
    """Where a pull ended: the newest stamp seen (None: nothing yet) and the stamps of the
    bookmarks already reported within :data:`OVERLAP` of it."""

    newest: float | None
    seen: Mapping[str, str]

    @classmethod
    def parse(cls, text: str | None) -> Cursor:
        parsed = json_cursor(text, "t")
        return cls(None, {}) if parsed is None else cls(*parsed)

    def floor(self) -> float | None:
        return None if self.newest is None else self.newest - OVERLAP

    def changed(self, bookmark_id: str, modified: str) -> bool:
        """Whether a bookmark so stamped is news to the pull that ended here."""
        floor, stamp = self.floor(), iso_seconds(modified)
        if floor is not None and stamp is not None and stamp <= floor:
            return False
        return self.seen.get(bookmark_id) != modified

    def after(self, read: Mapping[str, str]) -> Cursor:
        """The cursor once the bookmarks ``read`` (id -> stamp) were reported."""
        stamps = [s for s in map(iso_seconds, read.values()) if s is not None]
        newest = max([*stamps, *([self.newest] if self.newest is not None else [])],
                     default=None)
        if newest is None:
            return Cursor(None, {})
        merged = {**self.seen, **read}
        return Cursor(newest, {k: v for k, v in merged.items()
                               if (iso_seconds(v) or newest) > newest - OVERLAP})

    def text(self) -> str:
        return json.dumps({"t": self.newest, "seen": dict(self.seen)}, sort_keys=True)


class LinkdingService:
    batch_size = 25  # changes a push: one request each, up to four at once
    page_size = PAGE

    def __init__(self, settings: Settings, session_factory: SessionFactory = default_session
                 ) -> None:
        self.client = LinkdingClient(settings.server, session_factory)

    # --- login ----------------------------------------------------------------------------

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        """Check the pasted token with the server. Its profile names no user, so the
        account is named after the server."""
        token = pasted_token(secrets, "linkding needs the REST API token")
        try:
            self.client.profile(token)
        except NotAuthenticated:
            raise FieldRejected("token", "linkding refused this API token") from None
        return Grant(f"linkding user at {self.client.host}", Credentials(token))

    def refresh(self, creds: Credentials) -> Credentials | None:
        return None  # a token lives until it is deleted in linkding's settings

    # --- push -----------------------------------------------------------------------------

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        register_secret(creds.secret)
        return push_each(changes, lambda change: self._one(creds.secret, change))

    def _one(self, token: str, change: Change) -> ChangeResult:
        if change.op == "add":
            saved = self.client.create(token, change.url, change.title, _names(change.tags))
            new_id = _bookmark_id(saved.get("id"))
            if new_id is None:
                return ChangeResult(False, error="linkding did not say the bookmark's id")
            return ChangeResult(True, new_id)
        if change.op in ("favorite", "unfavorite"):
            return ChangeResult(False, error="linkding has no favourites")
        if change.op not in _TAG_OPS | {"archive", "readd", "delete"}:
            return ChangeResult(False, error=f"linkding cannot do {change.op!r}")
        bookmark_id = _bookmark_id(change.remote_id)
        if bookmark_id is None:
            return ChangeResult(False, error="this item has no linkding id")
        if change.op == "delete":
            self.client.delete(token, bookmark_id)  # already gone is as good
        elif change.op in ("archive", "readd"):
            self.client.archive(token, bookmark_id, change.op == "archive")
        elif not self._retag(token, bookmark_id, change):
            return ChangeResult(False, error="linkding no longer has this bookmark")
        return ChangeResult(True, bookmark_id)

    def _retag(self, token: str, bookmark_id: str, change: Change) -> bool:
        """PATCH the whole tag list; False when the bookmark is gone."""
        current: list[str] = []
        if change.op in ("tags_add", "tags_remove"):
            found = self.client.bookmark(token, bookmark_id)
            if found is None:
                return False
            current = _tags(found.get("tag_names"))
        self.client.set_tags(token, bookmark_id, new_tags(change.op, current, change.tags))
        return True

    # --- pull -----------------------------------------------------------------------------

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        token, start = creds.secret, Cursor.parse(cursor)
        register_secret(token)
        whole = start.newest is None or bool(known)
        floor = start.floor()
        since = None if whole or floor is None else _iso(floor)
        read: dict[str, str] = {}  # id -> date_modified of every bookmark read
        listed: dict[bool, set[str]] = {}  # archived? -> ids of the list's latest read
        held: list[RemoteItem] | None = None
        for archived, offset, raws in self._listing(token, since):
            if held is not None:
                yield PullPage(held)
            held = self._news(start, raws, read)
            if not offset:  # a list read (again) from the start
                listed[archived] = set()
            listed[archived].update(str(raw.get("id")) for raw in raws)
        items = held or []
        if whole and known:
            missing = {str(remote_id) for remote_id in known}.difference(*listed.values())
            gone, found = self._confirm_missing(token, missing)
            items += self._news(start, found, read)
            items += [RemoteItem(remote_id, status="deleted") for remote_id in gone]
        yield PullPage(items, start.after(read).text())

    @staticmethod
    def _news(start: Cursor, raws: Iterable[Mapping[str, Any]], read: dict[str, str]
              ) -> list[RemoteItem]:
        """The items of ``raws`` changed since ``start`` and not reported yet by this pull;
        every bookmark's stamp goes in ``read``."""
        items: list[RemoteItem] = []
        for raw in raws:
            item = remote_item(raw)
            modified = raw.get("date_modified")
            modified = modified if isinstance(modified, str) else ""
            if item is None or read.get(item.remote_id) == modified:
                continue
            read[item.remote_id] = modified
            if start.changed(item.remote_id, modified):
                items.append(item)
        return items

    def _listing(self, token: str, since: str | None
                 ) -> Iterator[tuple[bool, int, list[dict[str, Any]]]]:
        """The bookmarks of both lists, a page at a time: (archived?, offset, bookmarks).
        A list whose count changed while it was read is read again from the start (an
        item that left it moved the rest)."""
        for archived in (False, True):
            offset, count, restarts = 0, None, 0
            for _ in range(_MAX_PAGES):
                page = self.client.page(token, archived=archived, offset=offset,
                                        limit=self.page_size, modified_since=since)
                results = [raw for raw in page.get("results") or [] if isinstance(raw, dict)]
                yield archived, offset, results
                if count is not None and page.get("count") != count and restarts < _RESTARTS:
                    offset, count, restarts = 0, None, restarts + 1
                    continue
                count = page.get("count")
                if not page.get("next") or not results:
                    break
                offset += len(results)

    def _confirm_missing(self, token: str, missing: set[str]
                         ) -> tuple[list[str], list[dict[str, Any]]]:
        """Of the known ids the lists lacked, those really gone, and the bookmarks of the
        others (skipped by a list that moved while it was read)."""
        ids = sorted(remote_id for remote_id in missing if _bookmark_id(remote_id))
        gone = sorted(remote_id for remote_id in missing if not _bookmark_id(remote_id))
        found: list[dict[str, Any]] = []
        if ids:
            with ThreadPoolExecutor(min(LOOKUPS, len(ids)), "linkding") as pool:
                answers = list(pool.map(lambda i: self.client.bookmark(token, i), ids))
            for remote_id, answer in zip(ids, answers, strict=True):
                if answer is None:
                    gone.append(remote_id)
                else:
                    found.append(answer)
        return gone, found

    # --- look-up --------------------------------------------------------------------------

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """One ``check`` call per URL, a few at once. The server matches by its own
        normalised URL, the match a save of that URL would have made, so its answer is
        taken as it is. ``since`` is not needed: the look-up is by URL."""
        register_secret(creds.secret)
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        with ThreadPoolExecutor(min(LOOKUPS, len(wanted)), "linkding") as pool:
            answers = list(pool.map(lambda url: self.client.check(creds.secret, url), wanted))
        found: dict[str, str] = {}
        for url, bookmark in zip(wanted, answers, strict=True):
            bookmark_id = _bookmark_id(bookmark.get("id")) if bookmark else None
            if bookmark_id is not None:
                found[url] = bookmark_id
        return found
