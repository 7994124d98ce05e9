"""Instapaper (API v2) as a :class:`~pocket_companion.services.base.ReadingService` and a
:class:`~pocket_companion.services.base.FormLogin` (a pasted personal access token).

Pushes send one request per change (:func:`~..each.push_each`): a save, a move to the
archive or back home, a like, a change of tags, a delete. Saving a URL the account has
updates that bookmark (the spec's ``re_add_merges``). Tags are removed by id only, so the
ids come from the account's tag list or from the answer of an add; a replace adds what is
missing, then removes what is left over.

Pulls use the sync call (``GET /bookmarks?since=``): every section, with the ids deleted
since. A first pull asks ``since=1``, since ``since=0`` means "no since" to the server and
lists the home section only. The cursor is the server's clock (the ``Date`` of the first
page), and the next pull starts :data:`OVERLAP` seconds before it. Pages are read by offset
in steps :data:`BACKSTEP` short of a full page, so a bookmark changed or deleted while a
pull pages (which moves it to the end of the list) cannot push another past a page's edge;
the repeats are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.errors import (
    FieldRejected,
    Forbidden,
    NotAuthenticated,
    ServiceUnavailable,
)
from pocket_companion.library.urls import key_of
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
from pocket_companion.services.instapaper.client import MAX_PAGE, InstapaperClient
from pocket_companion.services.values import pasted_token, text_of

OVERLAP = 1  # seconds a pull reaches back before its cursor (the Date header's rounding)
BACKSTEP = 20  # items each page starts before the previous page's end
_MAX_PAGES = 10_000
_RECONCILE_SLACK = 600  # seconds before the earliest uncertain send that a look-up covers


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _tag_names(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(tag["name"] for tag in raw
                 if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"])


def remote_item(raw: Any) -> RemoteItem | None:
    """A bookmark of a list or sync reply; None for one without an id or a URL (private
    content saved by another app has none, and nothing here can show it)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
        return None
    url = raw.get("url")
    if not isinstance(url, str) or not url.strip():
        return None
    saved = raw.get("time")
    return RemoteItem(
        remote_id=str(raw["id"]), url=url.strip(),
        status="archived" if raw.get("archived") else "unread",
        title=text_of(raw, "title"),
        favorite=bool(raw.get("liked")),
        tags=_tag_names(raw["tags"]) if isinstance(raw.get("tags"), list) else None,
        time_added=float(saved) if isinstance(saved, int | float) and saved > 0 else None,
    )


def _newest(bookmarks: list[Any]) -> int | None:
    """The latest time a page's bookmarks tell (saved, or read to a point): a cursor for a
    server whose replies carry no ``Date``."""
    times = [0]
    for raw in bookmarks:
        if isinstance(raw, dict):
            progress = raw.get("progress")
            stamp = progress.get("timestamp") if isinstance(progress, dict) else None
            times += [t for t in (raw.get("time"), stamp) if isinstance(t, int)]
    return max(times) or None


class InstapaperService:
    batch_size = 50  # changes per push; each is a request of its own

    def __init__(self, settings: Settings, session_factory: SessionFactory = default_session
                 ) -> None:
        self.client = InstapaperClient(settings.server, session_factory)
        self._modify = self._modifiers()

    # --- login ------------------------------------------------------------------------

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        """Check the pasted token with ``/me``; a refused one names the token field."""
        token = pasted_token(secrets, "Paste the personal access token from Instapaper")
        try:
            me = self.client.me(token)
        except NotAuthenticated:
            raise FieldRejected("token", "Instapaper refused this personal access token"
                                ) from None
        except Forbidden as exc:
            raise FieldRejected("token", f"Instapaper refused this token's application: "
                                         f"{exc.message}") from None
        username = me.get("username")
        if not isinstance(username, str) or not username:
            raise ServiceUnavailable("the server's reply names no account", sent=True)
        return Grant(username, Credentials(token))

    def refresh(self, creds: Credentials) -> Credentials | None:
        return None  # Instapaper's tokens do not expire; a refused one needs a new token

    # --- push -------------------------------------------------------------------------

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        register_secret(creds.secret)
        return push_each(changes, lambda change: self._one(creds.secret, change))

    def _one(self, token: str, change: Change) -> ChangeResult:
        if change.op == "add":
            return self._add(token, change)
        apply = self._modify.get(change.op)
        if apply is None:
            return ChangeResult(False, error=f"Instapaper cannot apply {change.op!r}")
        bookmark = change.remote_id or ""
        if not bookmark.isdigit():
            return ChangeResult(False, error=f"{bookmark!r} is not an Instapaper bookmark id")
        apply(token, bookmark, change.tags)
        return ChangeResult(True, bookmark)

    def _modifiers(self) -> dict[str, Callable[[str, str, tuple[str, ...]], None]]:
        """The modify ops, each as (token, bookmark id, tags) -> None; an error raises."""
        c = self.client
        return {
            "archive": lambda token, b, _: c.move(token, b, "archive"),
            "readd": lambda token, b, _: c.move(token, b, "home"),
            "favorite": lambda token, b, _: c.like(token, b, True),
            "unfavorite": lambda token, b, _: c.like(token, b, False),
            "tags_add": lambda token, b, tags: self._add_tags(token, b, tags),
            "tags_remove": self._remove_tags,
            "tags_replace": self._replace_tags,
            "tags_clear": lambda token, b, _: self._replace_tags(token, b, ()),
            "delete": self._delete,
        }

    def _add(self, token: str, change: Change) -> ChangeResult:
        bookmark = self.client.save(token, change.url, change.title, change.tags)
        if not isinstance(bookmark.get("id"), int):
            raise ServiceUnavailable("the server's answer to a save has no bookmark id",
                                     sent=True)
        return ChangeResult(True, str(bookmark["id"]))

    def _add_tags(self, token: str, bookmark: str, tags: Sequence[str]) -> None:
        if tags:
            self.client.update_tags(token, bookmark, add=tags)

    def _remove_tags(self, token: str, bookmark: str, tags: Sequence[str]) -> None:
        """Remove by the ids the account's tag list gives those names; a name the account
        has no tag for is on no bookmark."""
        ids = [tag["id"] for tag in self.client.tags(token)
               if tag.get("name") in tags and isinstance(tag.get("id"), int)]
        if ids:
            self.client.update_tags(token, bookmark, remove=ids)

    def _replace_tags(self, token: str, bookmark: str, tags: Sequence[str]) -> None:
        """Add the wanted tags (the answer lists the bookmark's tags after, with their ids),
        then remove the others. With none wanted, the candidates are the account's tags
        that are on some bookmark."""
        if tags:
            present = self.client.update_tags(token, bookmark, add=tags)
        else:
            present = [tag for tag in self.client.tags(token) if tag.get("count", 1) != 0]
        extra = [tag["id"] for tag in present
                 if tag.get("name") not in tags and isinstance(tag.get("id"), int)]
        if extra:
            self.client.update_tags(token, bookmark, remove=extra)

    def _delete(self, token: str, bookmark: str, _tags: Sequence[str]) -> None:
        try:
            self.client.delete(token, bookmark)
        except Refused as exc:
            if exc.status != 404:  # 404: already gone, which is what a delete wants
                raise

    # --- pull -------------------------------------------------------------------------

    def _sync(self, token: str, since: int
              ) -> Iterator[tuple[list[RemoteItem], list[str], int | None]]:
        """The sync call page after page: the new bookmarks and deleted ids of each (none
        twice), and the server's time of the first."""
        offset, first = 0, None
        seen: set[str] = set()
        for page in range(_MAX_PAGES):
            data, server_time = self.client.changes(token, since, offset)
            first = server_time if page == 0 else first
            raw, gone = _list(data.get("bookmarks")), _list(data.get("deleted_ids"))
            items = [item for item in map(remote_item, raw)
                     if item and item.remote_id not in seen]
            deleted = [str(i) for i in gone if isinstance(i, int) and str(i) not in seen]
            seen.update([item.remote_id for item in items] + deleted)
            yield items, deleted, first or _newest(raw)
            count = len(raw) + len(gone)  # deleted ids take page slots as bookmarks do
            if count < MAX_PAGE:
                return
            offset += count - BACKSTEP

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        """Every bookmark (cursor None), or what changed since the cursor, deletions
        included; a first pull reports only the deletions of ids in ``known``. The cursor
        never goes back."""
        register_secret(creds.secret)
        since = int(cursor) - OVERLAP if cursor and cursor.isdigit() else 1
        latest = since + OVERLAP
        pages = self._sync(creds.secret, since)
        held = next(pages)
        for following in pages:
            yield PullPage(self._page(*held[:2], cursor, known))
            latest, held = max(latest, held[2] or 0), following
        latest = max(latest, held[2] or 0)
        yield PullPage(self._page(*held[:2], cursor, known), str(latest))

    @staticmethod
    def _page(items: list[RemoteItem], deleted: list[str], cursor: str | None,
              known: Collection[str]) -> list[RemoteItem]:
        if cursor is None:
            deleted = [item_id for item_id in deleted if item_id in known]
        return items + [RemoteItem(item_id, status="deleted") for item_id in deleted]

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """A save updates the bookmark, so one that arrived shows among the bookmarks
        changed since a little before the earliest send; matched by lookup key."""
        register_secret(creds.secret)
        wanted = {key_of(url): url for url in urls}
        found: dict[str, str] = {}
        for items, _, _ in self._sync(creds.secret, int(since) - _RECONCILE_SLACK):
            for item in items:
                key = key_of(item.url)
                if key is not None and key in wanted:
                    found[wanted[key]] = item.remote_id
        return found
