"""A fake Readeck (0.22): the bookmarks API, its change log and the profile, here; its OAuth
2 endpoints and HTML pages in :mod:`tests.fakes.readeck_oauth`.

Quirks reproduced, from Readeck's sources (docs: other-services.md §2):

- a token is taken as ``Bearer`` or as the password of Basic auth (any user name); without
  a valid one: 401, text ``Unauthorized``, ``WWW-Authenticate: Bearer realm="Bearer token"``;
  a token without the permission: 403, text ``Forbidden`` (``bookmarks:read`` for reads,
  ``bookmarks:write`` for writes; the profile for any token);
- a save answers **202** ``{"status":202,"message":"Link submited"}``: the id (22 letters and
  digits) only in ``Bookmark-Id``, ``Location`` and a ``Link`` header; the URL's fragment is
  dropped, labels are sorted; no de-duplication: a URL saved twice is two bookmarks; a URL
  that is not http(s), or longer than 1024, is a 422 with the form's errors;
- ``"loaded": false`` (and no title unless one was given) right after a save, true after a
  clock tick (1 s) or once a GET showed it loading; the extraction updates ``updated``;
- ``PATCH`` takes ``title``, ``is_marked``, ``is_archived``, ``is_deleted``, ``read_progress``,
  ``labels``, ``add_labels``, ``remove_labels`` (in that order) and answers the changed
  fields with ``id``, ``href``, ``updated``; a wrong type is a 400; ``DELETE`` is a 204;
  an unknown id is a 404, text ``Not Found``;
- lists: ``limit`` up to 100 (more, or a negative one, is a 404), ``offset``,
  ``Total-Count``/``Total-Pages``/``Current-Page`` and ``Link`` (next, previous, first, last);
  filters ``id`` (repeated; the answer in that order), ``site``, ``is_archived``,
  ``is_marked``, ``labels``, ``range_start``/``range_end`` (on the creation time);
  ``sort`` by created, published, title, site or domain (``-`` for descending), newest
  first by default, an unknown one ignored;
- ``/api/bookmarks/sync?since=``: ``[{"id","time","type"}]``, updates and deletions, newest
  first, ``since`` compared to the second (as SQLite's ``datetime()`` does); without
  ``since``, every bookmark as an update. ``sync_api=False`` makes a Readeck older than 0.20,
  which has no such route (404);
- a rate limit (``user_limit``): 429 with ``Retry-After``, as a proxy in front would answer.
"""

from __future__ import annotations

import base64
import dataclasses
import math
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from tests.fakes.base import FakeService, HttpError, Reply, Request, _reason
from tests.fakes.readeck_oauth import OAUTH_ERRORS, ReadeckOAuth

SCOPES = frozenset({"bookmarks:read", "bookmarks:write", "profile:read"})
TEXT = "text/plain; charset=utf-8"
EXTRACTION = 1.0  # seconds a save takes to be extracted
_UID = re.compile(r"[a-zA-Z0-9]{18,22}")
_RELATIVE = re.compile(r"^([+-])(\d+)([dwmy])$")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_SORTS = {"created": "created", "published": "created", "title": "title", "site": "site",
          "domain": "site"}
_BOOLS = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False}


def rfc3339(seconds: float) -> str:
    """A time as Go writes it in JSON: RFC 3339, the fraction without trailing zeros."""
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text.rstrip("0").rstrip(".") + "Z"


def new_uid() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(22))


def form_errors(errors: dict[str, str]) -> dict[str, Any]:
    """Readeck's rendering of an invalid form."""
    return {"is_valid": False, "errors": None,
            "fields": {name: {"is_null": False, "errors": [text]} for name, text in errors.items()}}


@dataclasses.dataclass
class Bookmark:
    uid: str
    url: str
    title: str
    labels: list[str]
    created: float
    updated: float
    is_archived: bool = False
    is_marked: bool = False
    is_deleted: bool = False
    loaded: bool = False
    shown: int = 0  # answers that showed it while it was loading


@dataclasses.dataclass
class Token:
    uid: str
    username: str
    scopes: frozenset[str]
    application: str = "API token"


class FakeReadeck(FakeService):
    """``with FakeReadeck() as fake:``; ``fake.issue_token()`` makes an API token of
    :data:`USER`, who signs in on the HTML pages with :data:`PASSWORD`."""

    name = "readeck"
    USER, PASSWORD = "alice", "correct horse battery staple"

    def __init__(self, *, auto_approve: bool = False, device_interval: float = 5.0,
                 sync_api: bool = True, **kwargs: Any) -> None:
        self.bookmarks: dict[str, Bookmark] = {}
        self.removed: list[tuple[str, float]] = []
        self.tokens: dict[str, Token] = {}
        self.users = {self.USER: self.PASSWORD}
        self.sync_api = sync_api
        self.oauth = ReadeckOAuth(self, auto_approve=auto_approve,
                                  device_interval=device_interval)
        super().__init__(**kwargs)

    # --- the test's side ---------------------------------------------------------------

    def issue_token(self, scopes: frozenset[str] = SCOPES, username: str = USER,
                    application: str = "API token") -> str:
        with self.lock:
            value = secrets.token_urlsafe(32)
            self.tokens[value] = Token(new_uid(), username, frozenset(scopes), application)
            return value

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def seed(self, url: str, title: str = "", archived: bool = False,
             labels: tuple[str, ...] = ()) -> str:
        """A bookmark saved and extracted already."""
        with self.lock:
            now = self.now()
            uid = new_uid()
            self.bookmarks[uid] = Bookmark(uid, url, title, sorted(labels), now, now,
                                           is_archived=archived, loaded=True)
            return uid

    def approve_device(self, user_code: str, username: str = USER) -> None:
        """Approve a device code as the person would on the ``/device`` page."""
        self.oauth.approve_device(user_code, username)

    def deny_device(self, user_code: str) -> None:
        self.oauth.deny_device(user_code)

    def copies(self, url: str) -> list[Bookmark]:
        """The bookmarks of ``url``, oldest first."""
        with self.lock:
            return [b for b in self.bookmarks.values() if b.url == url]

    def edit(self, url: str, **fields: Any) -> None:
        """Change the newest bookmark of ``url`` as another app would."""
        with self.lock:
            bookmark = self.copies(url)[-1]
            for name, value in fields.items():
                setattr(bookmark, name, value)
            bookmark.updated = self.now()

    def remove(self, url: str) -> None:
        with self.lock:
            uid = self.copies(url)[-1].uid
            del self.bookmarks[uid]
            self.removed.append((uid, self.now()))

    def items(self) -> dict[str, dict[str, Any]]:
        """By URL (the newest copy last, so it wins)."""
        with self.lock:
            return {b.url: {"status": "1" if b.is_archived else "0", "tags": list(b.labels),
                            "favorite": b.is_marked, "title": b.title}
                    for b in sorted(self.bookmarks.values(), key=lambda b: b.created)}

    # --- how Readeck answers -------------------------------------------------------------

    def error(self, exc: HttpError) -> Reply:
        if exc.error in OAUTH_ERRORS:
            body = {"error": exc.error}
            if exc.description:
                body["error_description"] = exc.description
            return Reply(exc.status, body, exc.headers)
        return Reply(exc.status, f"{_reason(exc.status)}\n",
                     {"X-Content-Type-Options": "nosniff", **exc.headers}, TEXT)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, "Too Many Requests\n", {"Retry-After": str(retry_after)}, TEXT)

    def limited(self, request: Request) -> bool:
        return bool(request.headers.get("authorization"))

    def token_of(self, request: Request) -> Token | None:
        """The token of a Bearer header, or the password of a Basic one."""
        value = request.bearer()
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if value is None and scheme.lower() == "basic":
            try:
                value = base64.b64decode(encoded.strip(), validate=True).decode().partition(
                    ":")[2]
            except ValueError:
                value = None
        return self.tokens.get(value) if value else None

    def authorized(self, request: Request, permission: str | None) -> Token:
        token = self.token_of(request)
        if token is None:
            raise HttpError(401, "unauthorized",
                            headers={"WWW-Authenticate": 'Bearer realm="Bearer token"'})
        if permission is not None and permission not in token.scopes:
            raise HttpError(403, "forbidden")
        return token

    def routes(self) -> None:
        self.route("GET", "/api/profile", self._profile)
        self.route("GET", "/api/bookmarks", self._list)
        self.route("POST", "/api/bookmarks", self._create)
        self.route("GET", "/api/bookmarks/sync", self._sync)
        self.route("GET", "/api/bookmarks/{uid}", self._get)
        self.route("PATCH", "/api/bookmarks/{uid}", self._update)
        self.route("DELETE", "/api/bookmarks/{uid}", self._delete)
        self.oauth.routes()

    # --- bookmarks -----------------------------------------------------------------------

    def _settle(self) -> None:
        """Finish the extractions that are due: a second after the save, or once an answer
        showed the bookmark loading."""
        now = self.now()
        for b in self.bookmarks.values():
            if not b.loaded and (now >= b.created + EXTRACTION or b.shown):
                b.loaded = True
                b.updated = max(b.updated, now if b.shown else b.created + EXTRACTION)
                b.title = b.title or f"A page on {urlsplit(b.url).hostname}"

    def _shown(self, b: Bookmark) -> dict[str, Any]:
        b.shown += not b.loaded
        site = urlsplit(b.url).hostname or ""
        return {
            "id": b.uid, "href": f"{self.base_url}/api/bookmarks/{b.uid}",
            "created": rfc3339(b.created), "updated": rfc3339(b.updated),
            "state": 0 if b.loaded else 2, "loaded": b.loaded, "url": b.url, "title": b.title,
            "site_name": site, "site": site, "authors": [], "lang": "", "text_direction": "",
            "document_type": "article" if b.loaded else "", "type": "article",
            "has_article": b.loaded, "description": "", "is_deleted": b.is_deleted,
            "is_marked": b.is_marked, "is_archived": b.is_archived, "labels": list(b.labels),
            "read_progress": 0, "resources": {},
        }

    def _find(self, uid: str) -> Bookmark:
        bookmark = self.bookmarks.get(uid) if _UID.fullmatch(uid) else None
        if bookmark is None:
            raise HttpError(404, "not_found")
        return bookmark

    def _profile(self, request: Request) -> Reply:
        token = self.authorized(request, None)
        return Reply(200, {
            "provider": {"name": "bearer token", "id": token.uid,
                         "application": token.application, "roles": sorted(token.scopes),
                         "permissions": ["api:profile:info"]},
            "user": {"username": token.username}})

    def _get(self, request: Request, uid: str) -> Reply:
        self.authorized(request, "bookmarks:read")
        self._settle()
        bookmark = self._find(uid)
        return Reply(200, self._shown(bookmark), {"Bookmark-Id": uid})

    def _create(self, request: Request) -> Reply:
        self.authorized(request, "bookmarks:write")
        body = request.body if isinstance(request.body, dict) else {}
        url, title, labels = body.get("url"), body.get("title", ""), body.get("labels", [])
        errors = {}
        parts = urlsplit(url.strip()) if isinstance(url, str) else None
        if parts is None or not url.strip():
            errors["url"] = "field is required"
        elif len(url.strip()) > 1024 or parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = "invalid URL"
        if not isinstance(title, str) or len(title.strip()) > 1024:
            errors["title"] = "invalid value"
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            errors["labels"] = "invalid value"
        if errors or parts is None:
            return Reply(422, form_errors(errors))
        uid, now = new_uid(), self.now()
        self.bookmarks[uid] = Bookmark(uid, urlunsplit(parts._replace(fragment="")),
                                       title.strip(), _labels(labels), now, now)
        return Reply(202, {"status": 202, "message": "Link submited"}, {
            "Location": f"{self.base_url}/api/bookmarks/{uid}", "Bookmark-Id": uid,
            "Link": f'<{self.base_url}/bookmarks/{uid}>; rel="alternate"; type="text/html"'})

    def _update(self, request: Request, uid: str) -> Reply:
        self.authorized(request, "bookmarks:write")
        self._settle()
        bookmark = self._find(uid)
        body = request.body
        if not isinstance(body, dict):
            return Reply(400, form_errors({"": "invalid input"}))
        errors = _patch_errors(body)
        if errors:
            return Reply(400, form_errors(errors))
        changed: dict[str, Any] = {}
        if "title" in body:
            bookmark.title = changed["title"] = body["title"].strip()
        for flag in ("is_marked", "is_archived"):
            if flag in body:
                setattr(bookmark, flag, body[flag])
                changed[flag] = body[flag]
        if any(name in body for name in ("labels", "add_labels", "remove_labels")):
            labels = list(body.get("labels", bookmark.labels)) + list(body.get("add_labels", []))
            bookmark.labels = _labels(x for x in labels if x not in body.get("remove_labels", []))
            changed["labels"] = list(bookmark.labels)
        if changed or "is_deleted" in body:
            bookmark.updated = self.now()
            changed["updated"] = rfc3339(bookmark.updated)
        if "is_deleted" in body:
            bookmark.is_deleted = changed["is_deleted"] = body["is_deleted"]
        href = f"{self.base_url}/api/bookmarks/{uid}"
        return Reply(200, {**changed, "id": uid, "href": href}, {"Location": href})

    def _delete(self, request: Request, uid: str) -> Reply:
        self.authorized(request, "bookmarks:write")
        self._find(uid)
        del self.bookmarks[uid]
        self.removed.append((uid, self.now()))
        return Reply(204)

    # --- lists ---------------------------------------------------------------------------

    def _list(self, request: Request) -> Reply:
        self.authorized(request, "bookmarks:read")
        self._settle()
        limit, offset = _paging(request)
        try:
            chosen = self._filtered(request)
        except ValueError as exc:
            return Reply(422, form_errors({str(exc): "invalid date value"}))
        page = [self._shown(b) for b in chosen[offset:offset + limit]]
        return Reply(200, page, self._page_headers(request, len(chosen), limit, offset))

    def _filtered(self, request: Request) -> list[Bookmark]:
        query = request.query
        found = sorted(self.bookmarks.values(), key=lambda b: b.created, reverse=True)
        for name in ("is_archived", "is_marked"):
            if query.get(name, "").lower() in _BOOLS:
                found = [b for b in found if getattr(b, name) == _BOOLS[query[name].lower()]]
        if query.get("site", "").strip():
            site = query["site"].strip().lower()
            found = [b for b in found if site in (urlsplit(b.url).hostname or "")]
        if query.get("labels", "").strip():
            found = [b for b in found if query["labels"].strip() in b.labels]
        if query.get("range_start") or query.get("range_end"):
            start = self._when(query.get("range_start"), "range_start") \
                if query.get("range_start") else -math.inf
            end = self._when(query.get("range_end"), "range_end")
            found = [b for b in found if math.floor(start) <= math.floor(b.created)
                     <= math.floor(end)]
        for value in reversed([v for k, v in request.query_list if k == "sort"]):
            field = _SORTS.get(value.lstrip("-"))
            if field:
                found.sort(key=lambda b, f=field: _sort_key(b, f), reverse=value[0] == "-")
        ids = [v.strip() for k, v in request.query_list if k == "id" and v.strip()]
        if ids:
            by_uid = {b.uid: b for b in found}
            found = [by_uid[uid] for uid in dict.fromkeys(ids) if uid in by_uid]
        return found

    def _when(self, text: str | None, name: str) -> float:
        """A time filter's value as Readeck reads it: ``now``, ``-2d``, or a date."""
        text = (text or "").strip().lower()
        match = _RELATIVE.match(text)
        if text in ("", "now"):
            return self.now()
        if match:
            days = int(match[2]) * _DAYS[match[3]] * (1 if match[1] == "+" else -1)
            return self.now() + timedelta(days=days).total_seconds()
        try:
            when = datetime.fromisoformat(text.upper())
        except ValueError:
            raise ValueError(name) from None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()

    def _page_headers(self, request: Request, total: int, limit: int, offset: int
                      ) -> dict[str, str]:
        pages = math.ceil(total / limit)
        last = (pages - 1) * limit if pages else 0
        kept = [(k, v) for k, v in request.query_list if k not in ("limit", "offset")]

        def link(at: int, rel: str) -> str:
            query = urlencode([*kept, ("limit", str(limit)), ("offset", str(at))])
            return f'<{self.base_url}/api/bookmarks?{query}>; rel="{rel}"'

        links = [link(offset - limit, "previous")] if offset - limit >= 0 else []
        links += [link(offset + limit, "next")] if offset + limit <= last else []
        links += [link(0, "first")] + ([link(last, "last")] if last > 0 else [])
        return {"Total-Count": str(total), "Total-Pages": str(pages),
                "Current-Page": str(offset // limit + 1), "Link": ", ".join(links)}

    def _sync(self, request: Request) -> Reply:
        if not self.sync_api:
            raise HttpError(404, "not_found")
        self.authorized(request, "bookmarks:read")
        self._settle()
        since = request.query.get("since")
        try:
            floor = math.floor(self._when(since, "since")) if since else None
        except ValueError:
            return Reply(422, form_errors({"since": "invalid date value"}))
        entries = [(b.uid, b.updated, "update") for b in self.bookmarks.values()
                   if floor is None or math.floor(b.updated) >= floor]
        if floor is not None:
            entries += [(uid, when, "delete") for uid, when in self.removed
                        if math.floor(when) >= floor]
        entries.sort(key=lambda e: e[1], reverse=True)
        return Reply(200, [{"id": uid, "time": rfc3339(when), "type": kind}
                           for uid, when, kind in entries])


def _labels(labels: Any) -> list[str]:
    """Labels as Readeck keeps them: trimmed, no empty one, sorted, each once."""
    kept = {x.strip() for x in labels if isinstance(x, str) and x.strip()}
    return sorted(kept, key=lambda x: (x.casefold(), x))


def _sort_key(bookmark: Bookmark, field: str) -> Any:
    if field == "created":
        return bookmark.created
    if field == "title":
        return bookmark.title.casefold()
    return urlsplit(bookmark.url).hostname or ""


def _paging(request: Request) -> tuple[int, int]:
    """``limit`` (0 or none: 50; at most 100) and ``offset``; Readeck answers a wrong one
    with a 404."""
    try:
        limit = int(request.query.get("limit") or 0)
        offset = int(request.query.get("offset") or 0)
    except ValueError:
        raise HttpError(404, "not_found") from None
    if not 0 <= limit <= 100 or offset < 0:
        raise HttpError(404, "not_found")
    return limit or 50, offset


def _patch_errors(body: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for flag in ("is_marked", "is_archived", "is_deleted"):
        if flag in body and not isinstance(body[flag], bool):
            errors[flag] = "invalid value"
    for name in ("labels", "add_labels", "remove_labels"):
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            errors[name] = "invalid value"
    title = body.get("title", "x")
    if not isinstance(title, str) or not title.strip() or len(title) > 1024:
        errors["title"] = "invalid value"
    progress = body.get("read_progress", 0)
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        errors["read_progress"] = "invalid value"
    return errors
