"""Karakeep's REST API (``{server}/api/v1``) over HTTP: one method per call the adapter
makes (:mod:`.adapter` maps changes and pulls onto them).

Written from the research notes (other-services.md §3) and Karakeep's source: an API key
sent as ``Authorization: Bearer``, bookmarks with string ids, and errors mostly as plain
text (``Unauthorized``, ``API key is missing required scope: bookmarks:readwrite``,
``Bookmark not found``) that :class:`~pocket_companion.services.http.RestClient` maps. A
used-up rate limit is a 429 whose only hint is in words (``Rate limit exceeded. Try again
in N seconds.``), with no ``Retry-After``: a response hook copies N into that header, so
the shared mapping gives the wait the server asked for rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pocket_companion.errors import ServiceUnavailable
from pocket_companion.services.http import (
    RestClient,
    SessionFactory,
    default_session,
    json_of,
)
from pocket_companion.services.values import http_date, json_object

if TYPE_CHECKING:
    import requests

PAGE = 100  # the most one GET /bookmarks gives (MAX_NUM_BOOKMARKS_PER_PAGE)
MAX_TITLE = 1000  # longer titles are refused with a 400 (MAX_BOOKMARK_TITLE_LENGTH)
_MAX_PAGES = 100_000
_WAIT_WORDS = re.compile(r"try again in (\d+) seconds?", re.IGNORECASE)


def wait_from_words(resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """A 429 that says its wait only in words gets it as a ``Retry-After`` header."""
    if resp.status_code == 429 and "Retry-After" not in resp.headers:
        match = _WAIT_WORDS.search(resp.text[:300])
        if match:
            resp.headers["Retry-After"] = match.group(1)
    return resp


def _hooked(factory: SessionFactory) -> SessionFactory:
    def make() -> requests.Session:
        session = factory()
        session.hooks["response"].append(wait_from_words)
        return session

    return make


def _object(data: Any) -> dict[str, Any]:
    return json_object(data, "Karakeep sent a reply that is not a JSON object")


def server_clock(resp: requests.Response) -> float | None:
    """The server's time when it answered (its ``Date`` header), in Unix seconds."""
    return http_date(resp.headers.get("Date"))


class KarakeepClient:
    """The endpoints the adapter uses, one method each; ``key`` is the API key."""

    def __init__(self, server: str, session_factory: SessionFactory = default_session) -> None:
        self.rest = RestClient(server.rstrip("/") + "/api/v1",
                               session_factory=_hooked(session_factory))

    @staticmethod
    def _path(bookmark_id: str, tail: str = "") -> str:
        return f"/bookmarks/{quote(bookmark_id, safe='')}{tail}"

    def whoami(self, key: str) -> dict[str, Any]:
        """``{id, name, email, …}``; needs the ``users:read`` scope."""
        return _object(self.rest.json("GET", "/users/me", key))

    def create(self, key: str, url: str, title: str) -> dict[str, Any]:
        """The bookmark, new (201) or the one already saved under this exact URL (200 with
        ``alreadyExists``, and then un-archived and moved to the top by Karakeep)."""
        body: dict[str, Any] = {"type": "link", "url": url, "source": "extension"}
        if title:
            body["title"] = title[:MAX_TITLE]
        return _object(self.rest.json("POST", "/bookmarks", key, json=body))

    def bookmark(self, key: str, bookmark_id: str) -> dict[str, Any]:
        return _object(self.rest.json("GET", self._path(bookmark_id), key,
                                      params={"includeContent": "false"}))

    def update(self, key: str, bookmark_id: str, fields: dict[str, Any]) -> None:
        self.rest.call("PATCH", self._path(bookmark_id), key, json=fields)

    def attach(self, key: str, bookmark_id: str, names: Sequence[str]) -> None:
        """Tags by name (Karakeep makes the ones the account does not have yet)."""
        self.rest.call("POST", self._path(bookmark_id, "/tags"), key,
                       json={"tags": [{"tagName": name} for name in names]})

    def detach(self, key: str, bookmark_id: str, tags: Sequence[dict[str, str]]) -> None:
        """Tags as ``{"tagId": …}`` or ``{"tagName": …}``."""
        self.rest.call("DELETE", self._path(bookmark_id, "/tags"), key, json={"tags": list(tags)})

    def delete(self, key: str, bookmark_id: str) -> None:
        self.rest.call("DELETE", self._path(bookmark_id), key)

    def check_url(self, key: str, url: str) -> str | None:
        """The id of the bookmark saved under ``url`` (Karakeep ignores its #fragment and a
        trailing slash), or None. A server older than the call answers 404."""
        found = _object(self.rest.json("GET", "/bookmarks/check-url", key,
                                       params={"url": url})).get("bookmarkId")
        return found if isinstance(found, str) and found else None

    def pages(self, key: str, limit: int = PAGE
              ) -> Iterator[tuple[list[Any], float | None]]:
        """Every bookmark, newest first, a page at a time (without their content), each
        with the server's clock when it answered; paged by ``nextCursor``."""
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            params = {"limit": str(limit), "includeContent": "false"}
            if cursor:
                params["cursor"] = cursor
            resp = self.rest.call("GET", "/bookmarks", key, params=params)
            data = _object(json_of(resp))
            listed = data.get("bookmarks")
            if not isinstance(listed, list):
                raise ServiceUnavailable("Karakeep's list of bookmarks has no bookmarks", sent=True)
            yield listed, server_clock(resp)
            following = data.get("nextCursor")
            if not isinstance(following, str) or not following or following == cursor:
                return
            cursor = following
