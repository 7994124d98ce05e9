"""Instapaper API v2 over HTTP: the raw client, one method per endpoint (the adapter is
:mod:`.adapter`).

Written from the research notes (other-services.md §5.1) and the official clients: every
call goes to ``{server}/api/2`` with ``Authorization: Bearer <token>`` and JSON bodies;
errors come as ``{"error": {"code", "message"}}``, or with an empty body (a bad token);
a delete answers 200 with an empty body. :class:`~..http.RestClient` maps the statuses to
the typed errors. ``requests`` is imported when a client is made, never at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pocket_companion.services.http import RestClient, SessionFactory, default_session, json_of
from pocket_companion.services.values import http_date, json_object, objects_in

MAX_PAGE = 500  # the largest ``limit`` the list and sync calls accept


def _object(data: Any) -> dict[str, Any]:
    return json_object(data, "the server sent a reply that is not a JSON object")


def _server_time(date: str | None) -> int | None:
    """The reply's ``Date`` header as Unix seconds (the server's clock), None when absent."""
    seconds = http_date(date)
    return None if seconds is None else int(seconds)


class InstapaperClient:
    """The v2 endpoints the adapter uses, one method each; ``server`` is the base URL the
    person configured (the API lives below it, at ``/api/2``)."""

    def __init__(self, server: str, session_factory: SessionFactory = default_session) -> None:
        self.rest = RestClient(server.rstrip("/") + "/api/2", session_factory=session_factory)

    def me(self, token: str) -> dict[str, Any]:
        """``{id, username, premium}`` of the token's account."""
        return _object(self.rest.json("GET", "/me", token))

    def save(self, token: str, url: str, title: str, tags: Sequence[str]) -> dict[str, Any]:
        """Save ``url``: the bookmark, a new one or the account's existing one updated."""
        body: dict[str, Any] = {"url": url}
        if title:
            body["title"] = title  # saves the server a slower look-up of the page
        if tags:
            body["tags"] = [{"name": name} for name in tags]
        return _object(self.rest.json("POST", "/bookmarks", token, json=body))

    def move(self, token: str, bookmark_id: str, section: str) -> None:
        """To ``archive``, back ``home``, or into a folder by its id."""
        self.rest.call("POST", f"/bookmarks/{bookmark_id}/move", token,
                       json={"section": section})

    def like(self, token: str, bookmark_id: str, liked: bool) -> None:
        self.rest.call("POST" if liked else "DELETE", f"/bookmarks/{bookmark_id}/like", token)

    def update_tags(self, token: str, bookmark_id: str, add: Sequence[str] = (),
                    remove: Sequence[int] = ()) -> list[dict[str, Any]]:
        """Add tags by name and remove tags by id; the bookmark's tags after the change."""
        body: dict[str, Any] = {}
        if add:
            body["add_tags"] = [{"name": name} for name in add]
        if remove:
            body["remove_tags"] = [{"id": tag_id} for tag_id in remove]
        reply = _object(self.rest.json("POST", f"/bookmarks/{bookmark_id}/tags", token,
                                       json=body))
        return objects_in(reply.get("tags"))

    def tags(self, token: str) -> list[dict[str, Any]]:
        """The account's tags: ``{id, name, slug, count}`` each."""
        return objects_in(_object(self.rest.json("GET", "/tags", token)).get("tags"))

    def delete(self, token: str, bookmark_id: str) -> None:
        """Delete for good (not an archive); the answer has an empty body."""
        self.rest.call("DELETE", f"/bookmarks/{bookmark_id}", token)

    def changes(self, token: str, since: int, offset: int, limit: int = MAX_PAGE
                ) -> tuple[dict[str, Any], int | None]:
        """One page of the sync call: ``{bookmarks, deleted_ids, total}`` changed since
        ``since`` (at least 1: the server takes 0 for "no since" and lists the home section
        only), and the server's time when it answered."""
        resp = self.rest.call("GET", "/bookmarks", token,
                              params={"since": max(1, since), "limit": min(limit, MAX_PAGE),
                                      "offset": offset})
        return _object(json_of(resp)), _server_time(resp.headers.get("Date"))
