"""linkding's REST API over HTTP: one method per call the adapter makes (the adapter is
:mod:`.adapter`).

Written from the research notes (other-services.md §4) and linkding 1.46's own routes:

- every path ends with a slash: linkding is Django with ``APPEND_SLASH``, which answers a
  path without it with a 301 to the slashed one, for a POST too (the body would be lost);
- the token goes as ``Authorization: Token <key>``;
- errors are DRF's: ``{"detail": …}`` for 401/403/404, ``{field: [messages]}`` for 400; a
  JSON 404 says the bookmark is gone, while an unknown path gets Django's HTML page (which
  :mod:`~pocket_companion.services.http` reports as a server in trouble, not as "gone");
- lists are ``{count, next, previous, results}`` pages (limit/offset). ``next`` is an
  absolute link built from the Host header the server saw, which a reverse proxy may have
  rewritten to an internal address: it is read as "there is more", never followed, so the
  token only ever goes to the configured server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pocket_companion.services.http import Refused, RestClient, SessionFactory, default_session
from pocket_companion.services.values import json_object

TITLE_MAX = 512  # Bookmark.title is a CharField(max_length=512): longer is a 400


def _object(data: Any) -> dict[str, Any]:
    """A JSON object, as every answer that has a body is; anything else is not linkding."""
    return json_object(data, "the server's answer is not one linkding gives")


def _gone(exc: Refused) -> bool:
    """A JSON 404: the bookmark is not (or no longer) the account's."""
    return exc.status == 404


class LinkdingClient:
    """The calls of one linkding server's API (``{server}/api``), for a given token."""

    def __init__(self, server: str, session_factory: SessionFactory = default_session) -> None:
        self.rest = RestClient(server.rstrip("/") + "/api", session_factory=session_factory,
                               scheme="Token")
        self.host = urlsplit(server).hostname or server

    def profile(self, token: str) -> dict[str, Any]:
        """The user's preferences (linkding ≥ 1.22): the cheapest call that checks a token."""
        return _object(self.rest.json("GET", "/user/profile/", token))

    def create(self, token: str, url: str, title: str, tags: list[str]) -> dict[str, Any]:
        """Save a URL (201). A URL the account holds already is updated in place, same id.

        Without a title the server scrapes the page for one (up to 10 s); with a title it
        is told not to, so a save stays fast."""
        body: dict[str, Any] = {"url": url, "tag_names": tags}
        params = None
        if title:
            body["title"] = title[:TITLE_MAX]
            params = {"disable_scraping": ""}
        return _object(self.rest.json("POST", "/bookmarks/", token, json=body, params=params))

    def bookmark(self, token: str, bookmark_id: str) -> dict[str, Any] | None:
        """One bookmark, or None when the account no longer has it."""
        try:
            return _object(self.rest.json("GET", f"/bookmarks/{bookmark_id}/", token))
        except Refused as exc:
            if _gone(exc):
                return None
            raise

    def set_tags(self, token: str, bookmark_id: str, tags: list[str]) -> dict[str, Any]:
        """Replace the bookmark's tags (the server adds those of its auto-tagging rules)."""
        return _object(self.rest.json("PATCH", f"/bookmarks/{bookmark_id}/", token,
                                      json={"tag_names": tags}))

    def archive(self, token: str, bookmark_id: str, archived: bool) -> None:
        """Archive or unarchive (204 either way, also when it already was)."""
        action = "archive" if archived else "unarchive"
        self.rest.call("POST", f"/bookmarks/{bookmark_id}/{action}/", token)

    def delete(self, token: str, bookmark_id: str) -> bool:
        """Delete; False when it was gone already."""
        try:
            self.rest.call("DELETE", f"/bookmarks/{bookmark_id}/", token)
        except Refused as exc:
            if _gone(exc):
                return False
            raise
        return True

    def page(self, token: str, *, archived: bool, offset: int, limit: int,
             modified_since: str | None = None) -> dict[str, Any]:
        """One page of the unarchived or the archived list, newest added first.
        ``modified_since`` (linkding ≥ 1.41; older servers ignore it) keeps the bookmarks
        modified strictly after that ISO 8601 time."""
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        if modified_since:
            params["modified_since"] = modified_since
        path = "/bookmarks/archived/" if archived else "/bookmarks/"
        return _object(self.rest.json("GET", path, token, params=params))

    def check(self, token: str, url: str) -> dict[str, Any] | None:
        """The account's bookmark of ``url`` (matched by linkding's normalised URL, as a
        save matches it), or None. Slow: the server scrapes the page for metadata."""
        data = _object(self.rest.json("GET", "/bookmarks/check/", token, params={"url": url}))
        found = data.get("bookmark")
        return found if isinstance(found, dict) else None
