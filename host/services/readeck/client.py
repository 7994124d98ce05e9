"""Readeck over HTTP: one method per endpoint (the adapter is :mod:`.adapter`, the logins
:mod:`.oauth`).

Written from Readeck's sources (0.20 to 0.22): the API lives under ``{server}/api`` and takes
the token as ``Authorization: Bearer``. A save answers **202** with the new bookmark's id only
in its ``Bookmark-Id`` (and ``Location``) header. Lists page with ``limit`` (at most 100: a
larger one is a 404) and ``offset`` and tell ``Total-Count``. ``/api/bookmarks/sync`` (0.20
and later) lists what changed since a time, deletions included; an older server has no such
route (404). The OAuth endpoints (0.21 and later) answer their errors as ``{"error",
"error_description"}``, 400 (``invalid_client``: 401): they are read, not mapped to the
generic errors, by :meth:`ReadeckClient.oauth`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pocket_companion.errors import ServiceError, ServiceUnavailable
from pocket_companion.services.http import (
    Refused,
    RestClient,
    SessionFactory,
    check,
    default_session,
    json_of,
)
from pocket_companion.services.values import json_object, objects_in

if TYPE_CHECKING:
    pass

MAX_TITLE = 1024  # characters Readeck takes in a title
PAGE = 100  # the most a list gives at once; more is refused with a 404
_UID = re.compile(r"[A-Za-z0-9]{1,64}")  # Readeck's are 18 to 22 of these
# Where Readeck 0.21 puts its OAuth endpoints, below the server's address.
ENDPOINTS = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/api/oauth/token",
    "device_authorization_endpoint": "/api/oauth/device",
    "registration_endpoint": "/api/oauth/client",
    "revocation_endpoint": "/api/oauth/revoke",
}


def is_uid(value: str | None) -> bool:
    """Whether ``value`` can be a bookmark id (and so be put in a path as it is)."""
    return bool(value) and _UID.fullmatch(value or "") is not None


class Page:
    """One page of a bookmark list and what its headers say about the whole list."""

    def __init__(self, items: list[dict[str, Any]], total: int | None, has_next: bool) -> None:
        self.items, self.total, self.has_next = items, total, has_next


class ReadeckClient(RestClient):
    """Readeck's endpoints, one method each; ``token`` is the account's API or OAuth token."""

    def __init__(self, server: str, session_factory: SessionFactory = default_session) -> None:
        super().__init__(server, session_factory=session_factory)

    # --- the bookmarks API -----------------------------------------------------------

    def profile(self, token: str) -> dict[str, Any]:
        data = self.json("GET", "/api/profile", token)
        return data if isinstance(data, dict) else {}

    def create(self, token: str, url: str, title: str, labels: Sequence[str]) -> str:
        """Save ``url``; the new bookmark's id, which only the answer's headers carry."""
        body: dict[str, Any] = {"url": url}
        if title:
            body["title"] = title[:MAX_TITLE]  # a longer one would fail the save
        if labels:
            body["labels"] = list(labels)
        resp = self.call("POST", "/api/bookmarks", token, json=body)
        uid = resp.headers.get("Bookmark-Id", "").strip()
        if not uid:
            uid = urlsplit(resp.headers.get("Location", "")).path.rstrip("/").rpartition("/")[2]
        if not is_uid(uid):
            raise ServiceUnavailable("Readeck saved the page but did not say under which id",
                                     sent=True)
        return uid

    def update(self, token: str, uid: str, fields: Mapping[str, Any]) -> None:
        self.call("PATCH", f"/api/bookmarks/{uid}", token, json=dict(fields))

    def delete(self, token: str, uid: str) -> bool:
        """Delete a bookmark; False when the server had no such bookmark (any more)."""
        try:
            self.call("DELETE", f"/api/bookmarks/{uid}", token)
        except Refused as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def bookmarks(self, token: str, params: Sequence[tuple[str, str]]) -> Page:
        """One page of ``GET /api/bookmarks`` with these query parameters."""
        resp = self.call("GET", "/api/bookmarks", token, params=list(params))
        items = objects_in(json_of(resp))
        total = resp.headers.get("Total-Count", "").strip()
        return Page(items, int(total) if total.isdigit() else None, "next" in resp.links)

    def sync(self, token: str, since: str | None) -> list[dict[str, Any]] | None:
        """``[{"id", "time", "type": "update"|"delete"}]`` since a time (every bookmark
        without one); None when the server has no change log (Readeck before 0.20)."""
        try:
            data = self.json("GET", "/api/bookmarks/sync", token,
                             params={"since": since} if since else None)
        except Refused as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, list):
            raise ServiceUnavailable("Readeck's change list is not a list", sent=True)
        return [entry for entry in data if isinstance(entry, dict)]

    # --- OAuth -----------------------------------------------------------------------

    def endpoints(self) -> dict[str, str]:
        """The OAuth endpoints' paths below the server's address, from its metadata; an
        endpoint named elsewhere (a proxy that misreports the scheme or host) is used at
        its documented place on the server as configured."""
        resp = self.call("GET", "/.well-known/oauth-authorization-server", checked=False)
        if resp.status_code in (404, 405):
            raise ServiceError("this Readeck server has no OAuth sign-in (Readeck 0.21 or "
                               "later has it): use an API token instead")
        check(resp)
        data = json_object(resp.json() if "json" in resp.headers.get("Content-Type", "")
                           else None, "Readeck's OAuth metadata is not JSON")
        base = urlsplit(self.base_url).path.rstrip("/")
        paths = {}
        for name, default in ENDPOINTS.items():
            named = data.get(name)
            parts = urlsplit(named) if isinstance(named, str) else None
            inside = parts is not None and parts.path.startswith(base + "/")
            paths[name] = parts.path[len(base):] if parts is not None and inside else default
        return paths

    def register(self, path: str, metadata: Mapping[str, Any]) -> str:
        """Register this program as a client; its ``client_id``."""
        data = self.json("POST", path, json=dict(metadata))
        client_id = data.get("client_id") if isinstance(data, dict) else None
        if not isinstance(client_id, str) or not client_id:
            raise ServiceUnavailable("Readeck's client registration has no client_id",
                                     sent=True)
        return client_id

    def device(self, path: str, client_id: str, scope: str) -> dict[str, Any]:
        data = self.json("POST", path, data={"client_id": client_id, "scope": scope})
        return json_object(data, "Readeck's device code answer is not an object")

    def oauth(self, path: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST a form to an OAuth endpoint: its status and JSON, its OAuth errors
        included (``{"error": ...}`` with a 400 or 401); any other failure raises."""
        resp = self.call("POST", path, data=form, checked=False)
        try:
            data = resp.json()
        except ValueError:
            data = None
        if (resp.status_code in (400, 401) and isinstance(data, dict)
                and isinstance(data.get("error"), str)):
            return resp.status_code, data
        check(resp)
        return resp.status_code, json_object(data, "Readeck's OAuth answer is not a JSON object")

    def revoke(self, path: str, token: str) -> None:
        self.call("POST", path, token, json={"token": token})
