"""Pocket v3 as a :class:`~pocket_companion.services.base.ReadingService`.

Pushes go to ``/v3/add`` (one add) or ``/v3/send`` (batches of 30, the servers' own
``maxActions`` hint). Pulls page through ``/v3/get`` (``state=all``, ``detailType=complete``,
``sort=oldest``) with ``count``/``offset``: up to 5,000 items a call, as the last servers
allowed, and still right on a server that silently caps a page lower (quirk 11 of the
protocol notes: a page is the last only when it is shorter than both the count asked for
and the longest page seen). The cursor is the first reply's ``since``: the server's clock
when the pull began, so a change made while it pages is fetched next time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from pocket_companion.library.urls import key_of
from pocket_companion.services.base import (
    Change,
    ChangeResult,
    Credentials,
    Grant,
    LoginTicket,
    PullPage,
    RemoteItem,
)
from pocket_companion.services.pocket.client import PocketClient
from pocket_companion.services.values import text_of

_TAGLESS = frozenset({"archive", "readd", "favorite", "unfavorite", "delete", "tags_clear"})
PAGE = 5000
_MAX_PAGES = 10_000
_RECONCILE_SLACK = 600.0  # seconds before the earliest uncertain send that a look-up covers
_STATUSES = {"0": "unread", "1": "archived", "2": "deleted"}


def _action(change: Change) -> dict[str, Any]:
    action: dict[str, Any] = {"action": change.op, "time": change.time}
    if change.op == "add":
        action["url"] = change.url
        if change.title:
            action["title"] = change.title
        if change.tags:
            action["tags"] = ",".join(change.tags)
        return action
    action["item_id"] = change.remote_id
    if change.op not in _TAGLESS:
        action["tags"] = ",".join(change.tags)
    return action


def _result(change: Change, result: Any, error: Any) -> ChangeResult:
    if change.op == "add" and isinstance(result, dict):
        item_id = str(result.get("item_id") or "")
        if item_id and item_id != "0":
            return ChangeResult(True, item_id)
    elif result is True:
        return ChangeResult(True, change.remote_id)
    message = error.get("message") if isinstance(error, dict) else None
    return ChangeResult(False, error=str(message or "the server did not apply the change"))


def _tags(raw: Any) -> tuple[str, ...]:
    """``{"tag": {"item_id", "tag"}}``, or ``[]`` when there are none."""
    if not isinstance(raw, dict):
        return ()
    return tuple(name for name in raw if isinstance(name, str) and name)


def _time(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def remote_item(item_id: str, raw: Any) -> RemoteItem | None:
    """An item of a ``/v3/get`` reply (strings everywhere, stubs for deletions); None for one
    that says nothing usable."""
    if not isinstance(raw, dict):
        return None
    status = _STATUSES.get(str(raw.get("status", "0")))
    url = text_of(raw, "given_url") or text_of(raw, "resolved_url")
    if status is None or (status != "deleted" and not url):
        return None
    if status == "deleted":
        return RemoteItem(str(item_id), url, "deleted")
    resolved = text_of(raw, "resolved_url")
    return RemoteItem(
        remote_id=str(item_id), url=url, status=status,
        title=text_of(raw, "resolved_title") or text_of(raw, "given_title"),
        resolved_url=resolved if resolved != url else "",
        favorite=str(raw.get("favorite", "0")) == "1",
        tags=_tags(raw.get("tags")) if "tags" in raw else None,
        time_added=_time(raw.get("time_added")),
    )


class PocketService:
    batch_size = 30  # the v3 servers' own hint ("maxActions": 30)

    def __init__(self, client: PocketClient) -> None:
        self.client = client

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket:
        code = self.client.request_token(redirect_uri, state)
        return LoginTicket(self.client.authorize_url(code, redirect_uri), code)

    def finish_login(self, ticket: LoginTicket, reply: Mapping[str, str]) -> Grant:
        return self.client.authorize(ticket.request_token)

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        if len(changes) == 1 and changes[0].op == "add":
            change = changes[0]
            item = self.client.add(creds.secret, change.url, change.title, change.tags)
            return [_result(change, item, None)]
        pairs = self.client.send(creds.secret, [_action(change) for change in changes])
        return [_result(change, *pair) for change, pair in zip(changes, pairs, strict=True)]

    def _pages(self, creds: Credentials, **params: Any
               ) -> Iterator[tuple[dict[str, Any], int | None]]:
        """``/v3/get`` page after page, oldest first, until the last."""
        offset, longest = 0, 0
        for _ in range(_MAX_PAGES):
            listed, since = self.client.get(creds.secret, state="all", sort="oldest",
                                            count=PAGE, offset=offset, **params)
            yield listed, since
            longest = max(longest, len(listed))
            if not listed or len(listed) < min(PAGE, longest):
                return
            offset += len(listed)

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        since = {"since": int(cursor)} if cursor and cursor.isdigit() else {}
        pages = self._pages(creds, detailType="complete", **since)
        listed, first = next(pages)
        for following in pages:
            yield PullPage(self._items(listed))
            listed = following[0]
        yield PullPage(self._items(listed), str(first) if first else cursor)

    @staticmethod
    def _items(listed: dict[str, Any]) -> list[RemoteItem]:
        return [item for item_id, raw in listed.items() if (item := remote_item(item_id, raw))]

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """Pocket has no look-up by URL: the items changed since a little before the earliest
        send are read and matched by their lookup key."""
        wanted = {key_of(url): url for url in urls}
        found: dict[str, str] = {}
        for listed, _ in self._pages(creds, detailType="simple",
                                     since=max(1, int(since - _RECONCILE_SLACK))):
            for item in self._items(listed):
                for url in (item.url, item.resolved_url):
                    key = key_of(url) if url else None
                    if key in wanted and item.status != "deleted":
                        found[wanted[key]] = item.remote_id
        return found

    def refresh(self, creds: Credentials) -> Credentials | None:
        return None  # Pocket's access tokens do not expire; a refused one needs a new login

