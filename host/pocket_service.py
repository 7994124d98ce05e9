"""Pocket v3 as a :class:`~.service.ReadingService`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .pocket import PocketClient
from .service import Change, ChangeResult, Grant, LoginTicket, RemoteItem

_TAGLESS = frozenset({"archive", "readd", "favorite", "unfavorite", "delete", "tags_clear"})
_PAGE = 30
_MAX_PAGES = 200


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


class PocketService:
    batch_size = 30  # the v3 servers' own hint ("maxActions": 30)

    def __init__(self, client: PocketClient) -> None:
        self.client = client

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket:
        code = self.client.request_token(redirect_uri, state)
        return LoginTicket(self.client.authorize_url(code, redirect_uri), code)

    def finish_login(self, ticket: LoginTicket) -> Grant:
        return self.client.authorize(ticket.request_token)

    def push(self, token: str, changes: Sequence[Change]) -> list[ChangeResult]:
        if len(changes) == 1 and changes[0].op == "add":
            change = changes[0]
            item = self.client.add(token, change.url, change.title, change.tags)
            return [_result(change, item, None)]
        pairs = self.client.send(token, [_action(change) for change in changes])
        return [_result(change, *pair) for change, pair in zip(changes, pairs, strict=True)]

    def changed_since(self, token: str, since: float) -> list[RemoteItem]:
        found: list[RemoteItem] = []
        offset = 0
        for _ in range(_MAX_PAGES):
            items = self.client.get(token, state="all", since=int(since), sort="oldest",
                                    detailType="simple", count=_PAGE, offset=offset)
            offset += len(items)
            for item_id, item in items.items():
                url = item.get("given_url") if isinstance(item, dict) else None
                if isinstance(url, str) and item.get("status") != "2":
                    found.append(RemoteItem(str(item_id), url))
            if not items:
                break
        return found
