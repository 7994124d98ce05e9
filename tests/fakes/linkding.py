"""A fake linkding server (REST API of linkding 1.46, other-services.md §4), faithful to
what the adapter meets:

- ``Authorization: Token <key>`` or ``Bearer <key>``; an unknown key → 401 ``{"detail":
  "Invalid token."}``, no header or another keyword → 401 ``{"detail": "Authentication
  credentials were not provided."}`` (DRF, with ``WWW-Authenticate: Token``);
- Django's ``APPEND_SLASH``: a path without its trailing slash → 301 to the slashed path,
  whatever the method (linkding runs with ``DEBUG = False``, where Django redirects a POST
  too), before any authentication; an unknown path → Django's HTML 404 page;
- create: a URL the account holds (by linkding's normalised URL) updates that bookmark,
  201 with the same id: its title, description, notes, unread and shared flags and tags
  become the request's, its URL and archive flag stay; without a title and without
  ``?disable_scraping`` the page is "scraped" (:attr:`FakeLinkding.pages` holds the titles);
- tags: names split on commas, trimmed, inner spaces as dashes, one per name whatever the
  case (the first spelling the account used wins), listed sorted;
- lists newest added first, ``limit``/``offset`` paging with absolute ``next`` links built
  from the Host header, ``modified_since``/``added_since`` (strictly after; a value that is
  not a date, such as a ``+`` offset that arrived as a space, is ignored);
- archive/unarchive 204, DELETE 204, an unknown or foreign id → 404 ``{"detail": …}``;
  the check endpoint; a 400 ``{field: [messages]}`` for bad values;
- a 5xx is Django's HTML page; a rate limit (linkding has none: a reverse proxy's) is
  nginx's 429 page with ``Retry-After``;
- read-only tokens (:meth:`FakeLinkding.issue_token`): linkding has none, they stand for
  a proxy or policy refusing writes: 403 with DRF's permission text;
- ``dated_filters=False``: a server older than 1.41, which ignores the date filters.

Every call is recorded with the path as sent (:attr:`~tests.fakes.base.Request.raw_path`).
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlparse, urlsplit, urlunparse

from tests.fakes.base import FakeService, HttpError, Reply, Request, html_page

VERSION = "1.46.2"
_DJANGO_404 = (b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n'
               b"</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not "
               b"found on this server.</p>\n</body>\n</html>\n")
_DJANGO_500 = (b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)'
               b"</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n"
               b"</html>\n")
_NOT_PROVIDED = "Authentication credentials were not provided."
_NO_PERMISSION = "You do not have permission to perform this action."
_NOT_FOUND = "No Bookmark matches the given query."
_SCHEMES = ("http", "https", "ftp", "ftps")


def normalize_url(url: str) -> str:
    """linkding's duplicate key: scheme and host lowercased, trailing slashes of the path
    dropped, query parameters sorted, the fragment kept."""
    url = url.strip()
    try:
        parts = urlparse(url)
        netloc = (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return url
    if parts.username:
        auth = parts.username + (f":{parts.password}" if parts.password else "")
        netloc = f"{auth}@{netloc}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)), quote_via=quote)
    return urlunparse((parts.scheme.lower(), netloc, parts.path.rstrip("/"), parts.params,
                       query, parts.fragment))


def iso(seconds: float) -> str:
    """A time as DRF writes it (UTC here): ``2020-09-26T09:46:23.006313Z``."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> float | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _positive(raw: Any, default: int) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


@dataclasses.dataclass
class Bookmark:
    id: int
    url: str
    title: str = ""
    description: str = ""
    notes: str = ""
    is_archived: bool = False
    unread: bool = False
    shared: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    date_added: float = 0.0
    date_modified: float = 0.0


class FakeLinkding(FakeService):
    name = "linkding"

    def __init__(self, *, dated_filters: bool = True, **kwargs: Any) -> None:
        """``dated_filters=False``: a server older than 1.41, which ignores
        ``modified_since`` and ``added_since``."""
        self.dated_filters = dated_filters
        self.tokens: dict[str, bool] = {}  # key -> may write
        self.bookmarks: dict[int, Bookmark] = {}
        self.tag_names: dict[str, str] = {}  # lowercased -> the account's spelling
        self.pages: dict[str, str] = {}  # URL -> the title a scrape finds
        self.scraped: list[str] = []
        self._next_id = 1
        super().__init__(**kwargs)

    # --- the test's side ------------------------------------------------------------------

    def issue_token(self, read_only: bool = False) -> str:
        token = secrets.token_hex(20)
        with self.lock:
            self.tokens[token] = not read_only
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def seed(self, url: str, title: str = "", archived: bool = False,
             tags: tuple[str, ...] = ()) -> int:
        with self.lock:
            bookmark = self._new(url, title)
            bookmark.is_archived = archived
            self._set_tags(bookmark, list(tags))
            return bookmark.id

    def by_url(self, url: str) -> Bookmark | None:
        key = normalize_url(url)
        with self.lock:
            return next((b for b in self.bookmarks.values() if normalize_url(b.url) == key),
                        None)

    def edit(self, url: str, *, archived: bool | None = None, tags: list[str] | None = None,
             title: str | None = None) -> None:
        """Change a bookmark as linkding's own pages would (stamping ``date_modified``)."""
        with self.lock:
            bookmark = self.by_url(url)
            assert bookmark is not None, url
            if archived is not None:
                bookmark.is_archived = archived
            if tags is not None:
                self._set_tags(bookmark, tags)
            if title is not None:
                bookmark.title = title
            bookmark.date_modified = self.now()

    def remove(self, url: str) -> None:
        with self.lock:
            bookmark = self.by_url(url)
            assert bookmark is not None, url
            del self.bookmarks[bookmark.id]

    def items(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {b.url: {"status": "1" if b.is_archived else "0", "tags": sorted(b.tags),
                            "favorite": False, "title": b.title}
                    for b in self.bookmarks.values()}

    # --- the service's shapes -------------------------------------------------------------

    def error(self, exc: HttpError) -> Reply:
        if exc.error == "not_found":  # no route: Django's own page
            return Reply(404, _DJANGO_404, exc.headers, "text/html; charset=utf-8")
        if exc.status >= 500:
            return Reply(exc.status, _DJANGO_500, exc.headers, "text/html; charset=utf-8")
        return Reply(exc.status, {"detail": exc.description or exc.error}, exc.headers)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, html_page(429), {"Retry-After": str(retry_after)}, "text/html")

    def limited(self, request: Request) -> bool:
        keyword = request.headers.get("authorization", "").partition(" ")[0].lower()
        return keyword in ("token", "bearer")

    def dispatch(self, request: Request) -> Reply:
        if (not request.slash
                and any(regex.match(request.path) for _, regex, _ in self._routes)):
            query = f"?{request.query_string}" if request.query_string else ""
            return Reply(301, b"", {"Location": f"{request.raw_path}/{query}"},
                         "text/html; charset=utf-8")
        return super().dispatch(request)

    # --- routes ---------------------------------------------------------------------------

    def routes(self) -> None:
        add = self.route
        add("GET", "/api/user/profile", self._profile)
        add("GET", "/api/bookmarks", lambda r: self._list(r, archived=False))
        add("POST", "/api/bookmarks", self._create)
        add("GET", "/api/bookmarks/archived", lambda r: self._list(r, archived=True))
        add("GET", "/api/bookmarks/check", self._check)
        add("GET", "/api/bookmarks/{bid}", self._get)
        add("PATCH", "/api/bookmarks/{bid}", self._patch)
        add("DELETE", "/api/bookmarks/{bid}", self._delete)
        add("POST", "/api/bookmarks/{bid}/archive", lambda r, bid: self._archive(r, bid, True))
        add("POST", "/api/bookmarks/{bid}/unarchive",
            lambda r, bid: self._archive(r, bid, False))

    def _auth(self, request: Request, write: bool = False) -> None:
        keyword, _, key = request.headers.get("authorization", "").strip().partition(" ")
        if keyword.lower() not in ("token", "bearer"):
            raise HttpError(401, "not_authenticated", _NOT_PROVIDED,
                            {"WWW-Authenticate": 'Token realm="api"'})
        if key.strip() not in self.tokens:
            raise HttpError(401, "authentication_failed", "Invalid token.",
                            {"WWW-Authenticate": 'Token realm="api"'})
        if write and not self.tokens[key.strip()]:
            raise HttpError(403, "permission_denied", _NO_PERMISSION)

    def _profile(self, request: Request) -> Reply:
        self._auth(request)
        return Reply(200, {"theme": "auto", "bookmark_date_display": "relative",
                           "bookmark_link_target": "_blank",
                           "web_archive_integration": "disabled", "tag_search": "lax",
                           "enable_sharing": False, "enable_public_sharing": False,
                           "enable_favicons": False, "display_url": False,
                           "permanent_notes": False, "version": VERSION,
                           "search_preferences": {}})

    def _list(self, request: Request, *, archived: bool) -> Reply:
        self._auth(request)
        chosen = [b for b in self.bookmarks.values() if b.is_archived == archived]
        for name, field in (("modified_since", "date_modified"), ("added_since", "date_added")):
            since = _parse_time(request.query.get(name) or "")
            if since is not None and self.dated_filters:
                chosen = [b for b in chosen if getattr(b, field) > since]
        chosen.sort(key=lambda b: (-b.date_added, -b.id))
        limit = _positive(request.query.get("limit"), 100)
        offset = _positive(request.query.get("offset"), 0)
        return Reply(200, {"count": len(chosen),
                           "next": self._link(request, limit, offset + limit)
                           if offset + limit < len(chosen) else None,
                           "previous": self._link(request, limit, offset - limit)
                           if offset > 0 else None,
                           "results": [self._json(b) for b in chosen[offset:offset + limit]]})

    def _link(self, request: Request, limit: int, offset: int) -> str:
        """DRF's next/previous: the request's absolute URL with limit and offset replaced
        (the offset dropped at 0), the query sorted."""
        raw = request.raw_path
        query = parse_qs(request.query_string, keep_blank_values=True)
        query["limit"] = [str(limit)]
        query.pop("offset", None)
        if offset > 0:
            query["offset"] = [str(offset)]
        host = request.headers.get("host", "localhost")
        return f"http://{host}{raw}?{urlencode(sorted(query.items()), doseq=True)}"

    def _check(self, request: Request) -> Reply:
        self._auth(request)
        url = request.query.get("url") or ""
        self.scraped.append(url)
        found = self.by_url(url) if url else None
        return Reply(200, {"bookmark": self._json(found) if found else None,
                           "metadata": {"url": url, "title": self.pages.get(url),
                                        "description": None, "preview_image": None},
                           "auto_tags": []})

    def _create(self, request: Request) -> Reply:
        self._auth(request, write=True)
        body = request.body if isinstance(request.body, dict) else {}
        problems = self._invalid(body, creating=True)
        if problems:
            return Reply(400, problems)
        bookmark = self.by_url(body["url"])
        if bookmark is None:
            bookmark = self._new(body["url"], "")
            bookmark.is_archived = body.get("is_archived") is True
        bookmark.title = body.get("title") or ""
        bookmark.description = body.get("description") or ""
        bookmark.notes = body.get("notes") or ""
        bookmark.unread = body.get("unread") is True
        bookmark.shared = body.get("shared") is True
        self._set_tags(bookmark, body.get("tag_names") or [])
        bookmark.date_modified = self.now()
        if "disable_scraping" not in request.query:
            self.scraped.append(bookmark.url)
            bookmark.title = bookmark.title or self.pages.get(bookmark.url, "")
        return Reply(201, self._json(bookmark))

    def _get(self, request: Request, bid: str) -> Reply:
        self._auth(request)
        return Reply(200, self._json(self._find(bid)))

    def _patch(self, request: Request, bid: str) -> Reply:
        self._auth(request, write=True)
        bookmark = self._find(bid)
        body = request.body if isinstance(request.body, dict) else {}
        problems = self._invalid(body, creating=False)
        other = self.by_url(body["url"]) if isinstance(body.get("url"), str) else None
        if other is not None and other.id != bookmark.id:
            problems["url"] = ["A bookmark with this URL already exists."]
        if problems:
            return Reply(400, problems)
        for name in ("url", "title", "description", "notes", "is_archived", "unread",
                     "shared"):
            if name in body:
                setattr(bookmark, name, body[name])
        if "tag_names" in body:
            self._set_tags(bookmark, body["tag_names"])
        bookmark.date_modified = self.now()
        return Reply(200, self._json(bookmark))

    def _delete(self, request: Request, bid: str) -> Reply:
        self._auth(request, write=True)
        del self.bookmarks[self._find(bid).id]
        return Reply(204)

    def _archive(self, request: Request, bid: str, archived: bool) -> Reply:
        self._auth(request, write=True)
        bookmark = self._find(bid)
        bookmark.is_archived = archived
        bookmark.date_modified = self.now()
        return Reply(204)

    # --- the account ----------------------------------------------------------------------

    def _new(self, url: str, title: str) -> Bookmark:
        now = self.now()
        bookmark = Bookmark(self._next_id, url, title, date_added=now, date_modified=now)
        self.bookmarks[bookmark.id] = bookmark
        self._next_id += 1
        return bookmark

    def _find(self, bid: str) -> Bookmark:
        bookmark = self.bookmarks.get(int(bid)) if bid.isdigit() else None
        if bookmark is None:
            raise HttpError(404, "missing", _NOT_FOUND)
        return bookmark

    def _set_tags(self, bookmark: Bookmark, names: list[str]) -> None:
        """As linkding's tag string: joined and split on commas, trimmed, spaces as
        dashes, once per name whatever the case, in the account's first spelling."""
        kept: dict[str, str] = {}
        for name in ",".join(names).split(","):
            name = name.strip().replace(" ", "-")
            if name and name.lower() not in kept:
                kept[name.lower()] = self.tag_names.setdefault(name.lower(), name)
        bookmark.tags = sorted(kept.values())

    @staticmethod
    def _invalid(body: dict[str, Any], *, creating: bool) -> dict[str, list[str]]:
        """DRF's 400 body for the values linkding would refuse (empty when none)."""
        problems: dict[str, list[str]] = {}
        url = body.get("url")
        if url is None and creating:
            problems["url"] = ["This field is required."]
        elif url is not None and not isinstance(url, str):
            problems["url"] = ["Not a valid string."]
        elif url is not None:
            parts = urlsplit(url.strip())
            if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
                problems["url"] = ["Enter a valid URL."]
        title = body.get("title")
        if title is not None and (not isinstance(title, str) or len(title) > 512):
            problems["title"] = ["Ensure this field has no more than 512 characters."]
        tags = body.get("tag_names")
        if tags is not None and not (isinstance(tags, list)
                                     and all(isinstance(t, str) for t in tags)):
            problems["tag_names"] = [f'Expected a list of items but got type '
                                     f'"{type(tags).__name__}".']
        return problems

    def _json(self, bookmark: Bookmark) -> dict[str, Any]:
        added = datetime.fromtimestamp(bookmark.date_added, UTC).strftime("%Y%m%d%H%M%S")
        return {"id": bookmark.id, "url": bookmark.url, "title": bookmark.title,
                "description": bookmark.description, "notes": bookmark.notes,
                "web_archive_snapshot_url": f"https://web.archive.org/web/{added}/"
                                            f"{bookmark.url}",
                "favicon_url": None, "preview_image_url": None,
                "is_archived": bookmark.is_archived, "unread": bookmark.unread,
                "shared": bookmark.shared, "tag_names": sorted(bookmark.tags),
                "date_added": iso(bookmark.date_added),
                "date_modified": iso(bookmark.date_modified),
                "website_title": None, "website_description": None}
