"""Karakeep as a :class:`~pocket_companion.services.base.ReadingService`.

Login: the person pastes an API key; ``GET /users/me`` checks it and names the account. A
key may be scoped: one without ``users:read`` is still fine for bookmarks, so it is then
checked by reading one bookmark and named after its key id (Karakeep shows that id in
its list of keys).

Pushes go one change per request (:func:`~pocket_companion.services.each.push_each`).
An add is ``POST /bookmarks`` and, when it has tags, ``POST /bookmarks/{id}/tags``: Karakeep
takes no tags on create, and both calls are the one change. Should the tag call fail after
the bookmark was made, the change fails as a whole: refused, it waits for its retry; on a
server error the push stops as one that never reached the server, so the add is sent again
rather than looked up (a look-up would settle it without its tags). Karakeep answers the
second create with the same bookmark (200, ``alreadyExists``) and the tags go on then. A
re-save un-archives the bookmark and moves it to the top: for an add that is what was
asked (the page was just saved), and a later archive queued here follows it. Archive and
favourite are ``PATCH`` flags; tags go on and off by name (a replace reads the bookmark's
tags first); a delete of a bookmark already gone has done its job.

Pulls: Karakeep has no "changed since" filter, so every pull lists the account without
content (100 bookmarks a call) and keeps the bookmarks modified since the cursor, less an
overlap: its times have whole seconds and are taken before the write commits. The cursor
holds the server's clock (the ``Date`` of the first page) and a fingerprint of each
bookmark in the overlap, so one already reported is not reported again unless it changed.
Deletions: the known ids that the listing lacks, confirmed by a second listing, since a
bookmark re-saved meanwhile moves to the top, past where the first listing had got to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pocket_companion.config import Settings
from pocket_companion.errors import FieldRejected, Forbidden, NotAuthenticated, ServiceUnavailable
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
from pocket_companion.services.http import Refused, SessionFactory, default_session
from pocket_companion.services.karakeep.client import KarakeepClient
from pocket_companion.services.values import json_cursor, pasted_token, text_of, unique

OVERLAP = 5.0  # seconds before the cursor that a pull looks at again
_FLAGS: dict[str, dict[str, bool]] = {
    "archive": {"archived": True}, "readd": {"archived": False},
    "favorite": {"favourited": True}, "unfavorite": {"favourited": False},
}
_MODIFY = frozenset({*_FLAGS, "tags_add", "tags_remove", "tags_replace", "tags_clear", "delete"})


def tag_names(tags: Iterable[str]) -> list[str]:
    """Tags as Karakeep stores them (trimmed, no leading ``#``), none empty, each once."""
    return unique(tag.strip().lstrip("#") for tag in tags)


def _seconds(value: Any) -> float | None:
    """An ISO time of Karakeep's (``2026-08-22T19:27:51.000Z``) in Unix seconds."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


class Listed(NamedTuple):
    """A bookmark of a listing: the item, when it was last modified, and its fingerprint."""

    item: RemoteItem
    modified: float
    mark: str


def listed(raw: Any) -> Listed | None:
    """A link bookmark as an item; None for notes, files and replies that say nothing."""
    if not isinstance(raw, dict) or not isinstance(raw.get("content"), dict):
        return None
    content, bookmark_id = raw["content"], raw.get("id")
    url = text_of(content, "url")
    if content.get("type") != "link" or not url or not isinstance(bookmark_id, str):
        return None
    tags = raw.get("tags")
    names = None if not isinstance(tags, list) else tuple(
        tag["name"] for tag in tags if isinstance(tag, dict) and isinstance(tag.get("name"), str))
    item = RemoteItem(
        remote_id=bookmark_id, url=url, status="archived" if raw.get("archived") else "unread",
        title=text_of(raw, "title") or text_of(content, "title"),
        favorite=raw.get("favourited") is True, tags=names,
        time_added=_seconds(raw.get("firstCreatedAt")) or _seconds(raw.get("createdAt")))
    modified = _seconds(raw.get("modifiedAt")) or _seconds(raw.get("createdAt")) or 0.0
    shown = [item.url, item.status, item.title, str(item.favorite), *sorted(names or ())]
    mark = hashlib.blake2s("\x1f".join(shown).encode(), digest_size=6).hexdigest()
    return Listed(item, modified, mark)


class Cursor(NamedTuple):
    """What a pull leaves for the next: the server's clock when its listing began, and
    the fingerprint of each bookmark modified in the overlap before it."""

    since: float
    seen: dict[str, str]

    def text(self) -> str:
        return json.dumps({"since": self.since, "seen": self.seen}, separators=(",", ":"),
                          sort_keys=True)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """None (a pull of everything) for no cursor or one this adapter did not write."""
        parsed = json_cursor(text, "since")
        return None if parsed is None else cls(*parsed)

    def reports(self, entry: Listed) -> bool:
        return (entry.modified >= self.since - OVERLAP
                and self.seen.get(entry.item.remote_id) != entry.mark)


def _key(creds: Credentials) -> str:
    register_secret(creds.secret)
    return creds.secret


def _key_name(key: str) -> str:
    """``ak2_<keyId>_<secret>``: the key id, which Karakeep shows in its list of keys."""
    parts = key.split("_")
    return f"API key {parts[1]}" if len(parts) == 3 and parts[1] else "API key"


class KarakeepService:
    batch_size = 20

    def __init__(self, settings: Settings, session_factory: SessionFactory = default_session
                 ) -> None:
        self.client = KarakeepClient(settings.server, session_factory)

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        key = pasted_token(secrets, "Paste a Karakeep API key")
        try:
            me = self.client.whoami(key)
        except NotAuthenticated:
            raise FieldRejected("token", "Karakeep refused this API key") from None
        except Forbidden:  # a key scoped to bookmarks only: fine, if it can read them
            try:
                next(self.client.pages(key, limit=1))
            except NotAuthenticated:
                raise FieldRejected("token", "Karakeep refused this API key") from None
            except Forbidden:
                raise FieldRejected("token", "This Karakeep API key may not use bookmarks: "
                                    "make one with full access") from None
            return Grant(_key_name(key), Credentials(key))
        name = text_of(me, "name") or text_of(me, "email") or _key_name(key)
        return Grant(name, Credentials(key))

    def refresh(self, creds: Credentials) -> Credentials | None:
        return None  # API keys do not expire; a refused one needs a new key

    # --- push -------------------------------------------------------------------------------

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        key = _key(creds)
        return push_each(changes, lambda change: self._apply(key, change))

    def _apply(self, key: str, change: Change) -> ChangeResult:
        if change.op == "add":
            return self._add(key, change)
        if change.op not in _MODIFY:
            return ChangeResult(False, error=f"Karakeep cannot do {change.op!r}")
        if not change.remote_id:
            return ChangeResult(False, error="the change names no Karakeep bookmark")
        self._modify(key, change.remote_id, change)
        return ChangeResult(True, change.remote_id)

    def _add(self, key: str, change: Change) -> ChangeResult:
        bookmark_id = self.client.create(key, change.url, change.title).get("id")
        if not isinstance(bookmark_id, str) or not bookmark_id:
            raise ServiceUnavailable("Karakeep's answer to a save has no bookmark id", sent=True)
        names = tag_names(change.tags)
        if names:
            try:
                self.client.attach(key, bookmark_id, names)
            except ServiceUnavailable as exc:
                # The bookmark is there, its tags may not be: the add must be sent again
                # (not looked up, which would settle it without them); Karakeep merges it.
                raise ServiceUnavailable(f"Karakeep saved the page but not its tags yet "
                                         f"({exc.message})", sent=False) from None
        return ChangeResult(True, bookmark_id)

    def _modify(self, key: str, bookmark_id: str, change: Change) -> None:
        op, names = change.op, tag_names(change.tags)
        if op in _FLAGS:
            self.client.update(key, bookmark_id, _FLAGS[op])
        elif op == "tags_add" and names:
            self.client.attach(key, bookmark_id, names)
        elif op == "tags_remove" and names:
            self.client.detach(key, bookmark_id, [{"tagName": name} for name in names])
        elif op in ("tags_replace", "tags_clear"):
            self._set_tags(key, bookmark_id, change.tags if op == "tags_replace" else ())
        elif op == "delete":
            try:
                self.client.delete(key, bookmark_id)
            except Refused as exc:
                if exc.status != 404:  # 404: already gone, which is what was asked
                    raise

    def _set_tags(self, key: str, bookmark_id: str, tags: Sequence[str]) -> None:
        """Exactly ``tags``: the bookmark's tags are read, the missing attached and the
        others (the ones Karakeep's AI attached too) detached."""
        current = {tag["name"]: tag["id"] for tag in self.client.bookmark(key, bookmark_id)
                   .get("tags") or [] if isinstance(tag, dict)
                   and isinstance(tag.get("name"), str) and isinstance(tag.get("id"), str)}
        wanted = tag_names(tags)
        extra = [{"tagId": tag_id} for name, tag_id in current.items() if name not in wanted]
        if extra:
            self.client.detach(key, bookmark_id, extra)
        missing = [name for name in wanted if name not in current]
        if missing:
            self.client.attach(key, bookmark_id, missing)

    # --- pull -------------------------------------------------------------------------------

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        key, previous = _key(creds), Cursor.parse(cursor)
        ids: set[str] = set()
        entries: list[Listed] = []
        started: float | None = None
        for raw_page, clock in self.client.pages(key):
            started = clock if started is None else started
            page = self._read(raw_page, ids)
            entries += page
            changed = [e.item for e in page if previous is None or previous.reports(e)]
            if changed:
                yield PullPage(changed)
        moved, gone = self._confirm(key, set(known) - ids)
        entries += moved
        since = started if started is not None else max(
            (e.modified for e in entries), default=previous.since if previous else 0.0)
        items = [e.item for e in moved if previous is None or previous.reports(e)]
        items += [RemoteItem(bookmark_id, status="deleted") for bookmark_id in sorted(gone)]
        seen = {e.item.remote_id: e.mark for e in entries if e.modified >= since - OVERLAP}
        yield PullPage(items, Cursor(since, seen).text())

    @staticmethod
    def _read(raw_page: list[Any], ids: set[str]) -> list[Listed]:
        """The page's link bookmarks; every id listed (a note's too) goes into ``ids``."""
        ids.update(raw["id"] for raw in raw_page
                   if isinstance(raw, dict) and isinstance(raw.get("id"), str))
        return [entry for raw in raw_page if (entry := listed(raw))]

    def _confirm(self, key: str, missing: set[str]) -> tuple[list[Listed], set[str]]:
        """Of the known ids a listing lacked, those a second listing finds (moved to the
        top by a re-save while the first was under way) and those truly gone."""
        found: list[Listed] = []
        if not missing:
            return found, missing
        for raw_page, _ in self.client.pages(key):
            ids: set[str] = set()
            page = self._read(raw_page, ids)
            found += [entry for entry in page if entry.item.remote_id in missing]
            missing -= ids
        return found, missing

    # --- look-up ------------------------------------------------------------------------------

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """One ``check-url`` per URL (Karakeep matches them ignoring a #fragment and a
        trailing slash). A server older than that call (before v0.31) answers 404: this
        raises Forbidden then, and the sync engine sends the add again, which Karakeep
        merges into the bookmark it may already have."""
        key, found = _key(creds), {}
        for url in urls:
            try:
                bookmark_id = self.client.check_url(key, url)
            except Refused as exc:
                if exc.status != 404:
                    raise
                raise Forbidden("this Karakeep server is too old to say which pages it has "
                                "already (it has no check-url call; v0.31 or later has)"
                                ) from None
            if bookmark_id:
                found[url] = bookmark_id
        return found
