"""wallabag v2 over HTTP: the raw client, one method per endpoint (the adapter is :mod:`.adapter`).

Written from the research notes (other-services.md §1) and wallabag's own controllers:
form-encoded bodies (the clones of §1.9 read nothing else reliably), flags sent as ``1`` /
``0`` (Lion Reader honours only ``"1"``, and wallabag's PHP reads ``"false"`` as true),
tags as one comma-separated string, paths joined onto the base URL as given (Lion Reader
lives below ``/api/wallabag``).

The token endpoint answers a refused login with an OAuth2 error body (400 on wallabag,
401 ``invalid_grant`` on Lion Reader): :meth:`WallabagClient.token` raises
:class:`TokenRefused` with its code, which the adapter maps to the login field at fault.
Every other answer goes through :func:`~pocket_companion.services.http.check`. The
helpers below read the replies' shapes: int ids, 0/1 flags, tags as ``{id, label, slug}``,
dates as ``2016-04-05T09:07:54+0000``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pocket_companion.errors import ServiceError, ServiceUnavailable
from pocket_companion.services.base import RemoteItem
from pocket_companion.services.http import (
    RestClient,
    SessionFactory,
    check,
    default_session,
    json_of,
)
from pocket_companion.services.values import iso_seconds, objects_in, text_of

if TYPE_CHECKING:
    import requests

TOKEN_PATH = "/oauth/v2/token"
# The token endpoint's own refusals (RFC 6749 §5.2)
OAUTH_ERRORS = frozenset({"invalid_request", "invalid_client", "invalid_grant",
                          "unauthorized_client", "unsupported_grant_type", "invalid_scope"})


class TokenRefused(ServiceError):
    """The token endpoint refused the grant; ``error`` is its OAuth2 code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"wallabag refused the login ({error}: {description or 'no reason'})")
        self.error, self.description = error, description


def _refusal(resp: requests.Response) -> TokenRefused | None:
    """The OAuth2 error a token answer carries, if it is one."""
    if resp.status_code not in (400, 401):
        return None
    try:
        body = resp.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if error not in OAUTH_ERRORS:
        return None
    description = body.get("error_description")
    return TokenRefused(error, description if isinstance(description, str) else "")


def id_of(raw: Mapping[str, Any]) -> str | None:
    """An entry's or a tag's id (an int on wallabag), as a string."""
    value = raw.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _label(tag: object) -> str:
    return str(tag).strip().lower()  # as wallabag keeps labels


def remote_item(raw: Mapping[str, Any]) -> RemoteItem | None:
    """An entry of a reply; None for one without an id or a URL."""
    entry_id, given, final = id_of(raw), text_of(raw, "given_url"), text_of(raw, "url")
    url = given or final
    if entry_id is None or not url:
        return None
    tags = raw.get("tags")
    labels = [text_of(tag, "label") for tag in tags if isinstance(tag, dict)
              ] if isinstance(tags, list) else None
    return RemoteItem(
        remote_id=entry_id, url=url,
        status="archived" if raw.get("is_archived") in (1, "1") else "unread",
        title=text_of(raw, "title"), resolved_url=final if final != url else "",
        favorite=raw.get("is_starred") in (1, "1"),
        tags=None if labels is None else tuple(label for label in labels if label),
        time_added=iso_seconds(raw.get("created_at")))  # wallabag's +0000, Lion Reader's Z


class Scan:
    """What the passes over a listing (pages of :meth:`WallabagClient.entries`) saw: every
    id, and whether the last pass was whole (each page gave the same total, and as many
    ids)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._pass: set[str] = set()
        self._totals: set[object] = set()

    def begin(self) -> None:
        self._pass, self._totals = set(), set()

    def note(self, reply: Mapping[str, Any]) -> list[dict[str, Any]]:
        embedded = reply.get("_embedded")
        raws = objects_in(embedded.get("items") if isinstance(embedded, dict) else None)
        ids = {entry_id for raw in raws if (entry_id := id_of(raw))}
        self._pass |= ids
        self.ids |= ids
        self._totals.add(reply.get("total"))
        return raws

    @property
    def whole(self) -> bool:
        return self._totals in ({len(self._pass)}, {None})  # None: a server that does not say


def _entry_path(entry_id: str, tail: str = "") -> str:
    return f"/api/entries/{quote(entry_id, safe='')}{tail}.json"


class WallabagClient:
    """The endpoints the adapter uses, one method each; ``token`` is the access token."""

    def __init__(self, base_url: str, session_factory: SessionFactory = default_session,
                 timeout: tuple[float, float] = (5.0, 20.0)) -> None:
        self.rest = RestClient(base_url, session_factory=session_factory, timeout=timeout)

    def token(self, fields: Mapping[str, str]) -> dict[str, Any]:
        """``POST /oauth/v2/token`` (a password or refresh_token grant)."""
        resp = self.rest.call("POST", TOKEN_PATH, data=fields, checked=False)
        refusal = _refusal(resp)  # OAuth2's refusals, read before the usual mapping
        if refusal is not None:
            raise refusal
        check(resp)
        reply = json_of(resp)
        return reply if isinstance(reply, dict) else {}

    def user(self, token: str) -> dict[str, Any]:
        reply = self.rest.json("GET", "/api/user.json", token)
        return reply if isinstance(reply, dict) else {}

    def add(self, token: str, fields: Mapping[str, str]) -> dict[str, Any]:
        """``POST /api/entries.json``: a new entry, or the one the URL already has, updated."""
        reply = self.rest.json("POST", "/api/entries.json", token, data=fields)
        return reply if isinstance(reply, dict) else {}

    def patch(self, token: str, entry_id: str, fields: Mapping[str, str]) -> None:
        self.rest.call("PATCH", _entry_path(entry_id), token, data=fields)

    def delete(self, token: str, entry_id: str) -> None:
        self.rest.call("DELETE", _entry_path(entry_id), token, params={"expect": "id"})

    def tags(self, token: str, entry_id: str) -> list[dict[str, Any]]:
        """The entry's tags, ``[{"id", "label", "slug"}]``."""
        return objects_in(self.rest.json("GET", _entry_path(entry_id, "/tags"), token))

    def add_tags(self, token: str, entry_id: str, tags: Sequence[str]) -> None:
        if tags:
            self.rest.call("POST", _entry_path(entry_id, "/tags"), token,
                           data={"tags": ",".join(tags)})

    def untag(self, token: str, entry_id: str, labels: Collection[str] | None) -> None:
        """Remove the entry's tags of these labels (every tag: None), one call each: the
        endpoint takes a tag's id, so the entry's tags are read first."""
        wanted = None if labels is None else {_label(label) for label in labels}
        if wanted == set():
            return
        for tag in self.tags(token, entry_id):
            tag_id = id_of(tag)
            if tag_id and (wanted is None or _label(tag.get("label", "")) in wanted):
                self.rest.call("DELETE", _entry_path(entry_id, f"/tags/{quote(tag_id, safe='')}"),
                               token)

    def entries(self, token: str, **params: Any) -> dict[str, Any]:
        """One page of ``GET /api/entries.json``: ``page``, ``pages``, ``total``,
        ``_embedded.items``."""
        reply = self.rest.json("GET", "/api/entries.json", token, params=params)
        if not isinstance(reply, dict):
            raise ServiceUnavailable("the server's list of entries is not a JSON object",
                                     sent=True)
        return reply

    def exists(self, token: str, urls: Sequence[str]) -> dict[str, Any]:
        """``GET /api/entries/exists.json`` for several URLs: ``{url: id or null}``."""
        params = [("return_id", "1"), *(("urls[]", url) for url in urls)]
        reply = self.rest.json("GET", "/api/entries/exists.json", token, params=params)
        return reply if isinstance(reply, dict) else {}

    def exists_one(self, token: str, url: str) -> dict[str, Any]:
        """The same for one URL (``url=``), as every server of §1.9 answers it:
        ``{"exists": id or null}`` (wallabag) or ``{"exists": true, "id": id}`` (Lion Reader)."""
        reply = self.rest.json("GET", "/api/entries/exists.json", token,
                               params={"url": url, "return_id": "1"})
        return reply if isinstance(reply, dict) else {}
