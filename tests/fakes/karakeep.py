"""A fake Karakeep (REST API v1 as of v0.33) on the shared fake-server base.

Faithful to the research notes (other-services.md §3) and to Karakeep's source:

- API keys ``ak2_<keyId>_<secret>`` as ``Authorization: Bearer``; an unknown key gets 401
  with the plain-text body ``Unauthorized``;
- each key has scopes (``fullaccess``, or ``<resource>:read`` / ``:readwrite``, readwrite
  granting read); a call without its scope gets 403 ``API key is missing required scope:
  bookmarks:readwrite`` in plain text; ``/users/me`` needs ``users:read``;
- ``POST /bookmarks``: 201 with a new bookmark; 200 with ``"alreadyExists": true`` when the
  account has this exact URL, which a re-save un-archives and moves to the top (createdAt
  now), overwriting title and favourite only when sent (sources ``rss`` and ``import`` leave
  it untouched); a bad body gets 400 JSON ``{"code", "message"}``;
- ``GET /bookmarks/check-url``: ``{"bookmarkId"}`` matching ignoring a #fragment and one
  trailing slash (a case-blind prefix match, then equality of the normalised URLs, as the
  SQL does); with ``old_server`` the route does not exist, so the request reaches
  ``GET /bookmarks/{id}`` and gets 404 ``Bookmark not found``;
- ``GET /bookmarks``: newest createdAt first (ties by id, descending), ``limit`` 1 to 100
  (20 when unsaid), ``nextCursor`` ``<id>_<ISO createdAt>`` naming the first bookmark of the
  next page, ``archived``/``favourited`` filters; times in whole seconds, ISO with ``.000Z``;
  ``modifiedAt`` moves on each update and tag change, ``firstCreatedAt`` never;
- tags: ``POST``/``DELETE /bookmarks/{id}/tags`` ``{"tags": [{"tagName"} | {"tagId"}]}`` →
  ``{"attached": [ids]}`` / ``{"detached": [ids]}``; names attached are trimmed and lose
  leading ``#``, new names make new tags; ``DELETE /bookmarks/{id}`` → 204; a bookmark not
  the caller's or gone → 404 ``Bookmark not found`` in plain text;
- rate limit (``user_limit``): bookmark creation only (30 a minute on a real server), 429
  ``Rate limit exceeded. Try again in N seconds.`` in plain text, no ``Retry-After``;
- the ``Date`` header follows the fake's clock.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.fakes.base import FakeService, HttpError, Reply, Request

V1 = "/api/v1"
TEXT = "text/plain; charset=UTF-8"
SOURCES = frozenset({"api", "web", "cli", "mobile", "extension", "singlefile", "rss", "import"})
RESAVE_EXEMPT = frozenset({"rss", "import"})
NOT_FOUND = "Bookmark not found"
DEFAULT_PORTS = {"http": 80, "https": 443}


def iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def normalized(url: str) -> str:
    """check-url's normal form: no fragment, no trailing slash after a path (WHATWG parts:
    lower-case scheme and host, no default port, ``/`` for an empty path)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(url)
    port = parts.port
    host = parts.hostname + (f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else "")
    path = parts.path or "/"
    if path.endswith("/") and path != "/":
        path = path[:-1]
    return urlunsplit((parts.scheme, host, path, parts.query, ""))


@dataclasses.dataclass
class Bookmark:
    id: str
    user: str
    created: int  # "createdAt": when last saved
    first_created: int
    modified: int
    url: str | None = None  # a link's; None for a note
    text: str | None = None  # a note's
    title: str | None = None
    content_title: str | None = None  # what the crawler found
    archived: bool = False
    favourited: bool = False
    note: str | None = None
    source: str | None = "api"
    tags: dict[str, str] = dataclasses.field(default_factory=dict)  # tag id -> attachedBy


class FakeKarakeep(FakeService):
    name = "karakeep"
    USER = "u_ada"

    def __init__(self, *, old_server: bool = False, **kwargs: Any) -> None:
        self.old_server = old_server
        self.keys: dict[str, tuple[str, frozenset[str]]] = {}  # key -> (user, scopes)
        self.users = {self.USER: {"id": self.USER, "name": "Ada", "email": "ada@example.org",
                                  "image": None, "localUser": True}}
        self.bookmarks: dict[str, Bookmark] = {}  # in creation order
        self.tags: dict[str, tuple[str, str]] = {}  # tag id -> (user, name)
        self.made = 0  # bookmarks made so far: the next id is next_id()
        super().__init__(**kwargs)

    # --- the test's side ------------------------------------------------------------------

    def issue_key(self, scopes: tuple[str, ...] = ("fullaccess",), user: str = USER) -> str:
        key = f"ak2_{secrets.token_hex(10)}_{secrets.token_hex(10)}"
        with self.lock:
            self.keys[key] = (user, frozenset(scopes))
        return key

    def next_id(self) -> str:
        """The id the next bookmark gets (Karakeep's are random cuid2 strings; these sort
        in the order they were made, so that tests can name one before it exists)."""
        return f"bm{self.made + 1:05d}"

    def revoke(self, key: str) -> None:
        with self.lock:
            self.keys.pop(key, None)

    def seed(self, url: str, title: str = "", archived: bool = False,
             tags: tuple[str, ...] = (), user: str = USER) -> str:
        """A link saved earlier and crawled: the page's title is the content's."""
        with self.lock:
            mark = self._now()
            made = Bookmark(self._new_id(), user, mark, mark, mark, url=url,
                            content_title=title or None, archived=archived)
            made.tags = {self._tag_id(user, name): "human" for name in tags}
            self.bookmarks[made.id] = made
            return made.id

    def seed_note(self, text: str, user: str = USER) -> str:
        with self.lock:
            mark = self._now()
            made = Bookmark(self._new_id(), user, mark, mark, mark, text=text)
            self.bookmarks[made.id] = made
            return made.id

    def edit(self, bookmark_id: str, *, archived: bool | None = None,
             tags: list[str] | None = None, resave: bool = False) -> None:
        """A change made in Karakeep's own app (``resave``: saved again, moving to the top)."""
        with self.lock:
            found = self.bookmarks[bookmark_id]
            if archived is not None:
                found.archived = archived
            if tags is not None:
                found.tags = {self._tag_id(found.user, name): "human" for name in tags}
            if resave:
                found.created, found.archived = self._now(), False
            found.modified = self._now()

    def remove(self, bookmark_id: str) -> None:
        with self.lock:
            del self.bookmarks[bookmark_id]

    def find(self, url: str) -> str:
        with self.lock:
            return next(b.id for b in self.bookmarks.values() if b.url == url)

    def view(self, bookmark_id: str) -> dict[str, Any]:
        with self.lock:
            return self._view(self.bookmarks[bookmark_id])

    def items(self) -> dict[str, dict[str, Any]]:
        """The links of the account as the contract suite shows them (notes left out)."""
        shown = {}
        with self.lock:
            for bookmark_id in list(self.bookmarks):
                view = self.view(bookmark_id)
                if view["content"]["type"] == "link":
                    shown[view["content"]["url"]] = {
                        "status": "1" if view["archived"] else "0",
                        "tags": [tag["name"] for tag in view["tags"]],
                        "favorite": view["favourited"],
                        "title": view["title"] or view["content"]["title"] or ""}
        return shown

    # --- serving ----------------------------------------------------------------------------

    def routes(self) -> None:
        self.route("GET", f"{V1}/users/me", self._me)
        self.route("GET", f"{V1}/bookmarks", self._list)
        self.route("POST", f"{V1}/bookmarks", self._create)
        if not self.old_server:
            self.route("GET", f"{V1}/bookmarks/check-url", self._check_url)
        self.route("GET", f"{V1}/bookmarks/{{bookmark_id}}", self._get)
        self.route("PATCH", f"{V1}/bookmarks/{{bookmark_id}}", self._update)
        self.route("DELETE", f"{V1}/bookmarks/{{bookmark_id}}", self._delete)
        self.route("POST", f"{V1}/bookmarks/{{bookmark_id}}/tags", self._attach)
        self.route("DELETE", f"{V1}/bookmarks/{{bookmark_id}}/tags", self._detach)

    def error(self, exc: HttpError) -> Reply:
        """400s as the API documents them; the rest as Hono's HTTPException: plain text."""
        if exc.status == 400:
            return Reply(400, {"code": exc.error, "message": exc.description}, exc.headers)
        return Reply(exc.status, exc.description or exc.error, exc.headers, TEXT)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, f"Rate limit exceeded. Try again in {retry_after} seconds.",
                     content_type=TEXT)

    def limited(self, request: Request) -> bool:
        """Only creating a bookmark counts, and only once the key passed its checks."""
        if request.method != "POST" or request.path != f"{V1}/bookmarks":
            return False
        held = self.keys.get(request.bearer() or "")
        return held is not None and self._grants(held[1], "bookmarks", "readwrite")

    # --- helpers ------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.now())  # SQLite "timestamp" columns keep whole seconds

    def _new_id(self) -> str:
        made = self.next_id()
        self.made += 1
        return made

    def _tag_id(self, user: str, name: str) -> str:
        """The account's tag of this name, made when it has none."""
        for tag_id, held in self.tags.items():
            if held == (user, name):
                return tag_id
        tag_id = f"t{len(self.tags) + 1:04d}"
        self.tags[tag_id] = (user, name)
        return tag_id

    @staticmethod
    def _grants(scopes: frozenset[str], resource: str, access: str) -> bool:
        return bool(scopes & {"fullaccess", f"{resource}:{access}", f"{resource}:readwrite"})

    def _caller(self, request: Request, resource: str = "bookmarks", access: str = "read"
                ) -> str:
        held = self.keys.get(request.bearer() or "")
        if held is None:
            raise HttpError(401, "Unauthorized", "Unauthorized")
        if not self._grants(held[1], resource, access):
            raise HttpError(403, "FORBIDDEN",
                            f"API key is missing required scope: {resource}:{access}")
        return held[0]

    def _own(self, user: str, bookmark_id: str) -> Bookmark:
        found = self.bookmarks.get(bookmark_id)
        if found is None or found.user != user:
            raise HttpError(404, "NOT_FOUND", NOT_FOUND)
        return found

    def _view(self, b: Bookmark) -> dict[str, Any]:
        content: dict[str, Any] = (
            {"type": "link", "url": b.url, "title": b.content_title, "description": None,
             "imageUrl": None, "favicon": None, "htmlContent": None, "crawlStatus": "success"}
            if b.url is not None else {"type": "text", "text": b.text, "sourceUrl": None})
        return {"id": b.id, "firstCreatedAt": iso(b.first_created), "createdAt": iso(b.created),
                "modifiedAt": iso(b.modified), "title": b.title, "archived": b.archived,
                "favourited": b.favourited, "taggingStatus": "success",
                "summarizationStatus": None, "embeddingStatus": None, "note": b.note,
                "summary": None, "source": b.source, "userId": b.user,
                "tags": [{"id": tag_id, "name": self.tags[tag_id][1], "attachedBy": by}
                         for tag_id, by in b.tags.items()],
                "content": content, "assets": []}

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if not isinstance(request.body, dict):
            raise HttpError(400, "BAD_REQUEST", "the body must be a JSON object")
        return request.body

    # --- routes -------------------------------------------------------------------------------

    def _me(self, request: Request) -> Reply:
        return Reply(200, self.users[self._caller(request, "users", "read")])

    def _list(self, request: Request) -> Reply:
        user = self._caller(request)
        rows = [b for b in self.bookmarks.values() if b.user == user]
        for name, attr in (("archived", "archived"), ("favourited", "favourited")):
            wanted = request.query.get(name)
            if wanted not in (None, "true", "false"):
                raise HttpError(400, "BAD_REQUEST", f"{name}: Must be true or false")
            rows = [b for b in rows if wanted is None or getattr(b, attr) == (wanted == "true")]
        limit = request.query.get("limit", "20")
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise HttpError(400, "BAD_REQUEST", "limit: must be between 1 and 100")
        ascending = request.query.get("sortOrder") == "asc"
        rows.sort(key=lambda b: (b.created, b.id), reverse=not ascending)
        rows = self._after(rows, request.query.get("cursor"), ascending)[:int(limit) + 1]
        following = rows.pop() if len(rows) > int(limit) else None
        return Reply(200, {"bookmarks": [self._view(b) for b in rows],
                           "nextCursor": following and f"{following.id}_{iso(following.created)}"})

    @staticmethod
    def _after(rows: list[Bookmark], cursor: str | None, ascending: bool) -> list[Bookmark]:
        if cursor is None:
            return rows
        bookmark_id, _, when = cursor.partition("_")
        try:
            mark = int(datetime.fromisoformat(when).timestamp())
        except ValueError:
            raise HttpError(400, "BAD_REQUEST", "cursor: Must be a valid cursor") from None
        if ascending:
            return [b for b in rows if b.created > mark or (b.created == mark
                                                            and b.id <= bookmark_id)]
        return [b for b in rows if b.created < mark or (b.created == mark and b.id <= bookmark_id)]

    def _create(self, request: Request) -> Reply:
        user = self._caller(request, access="readwrite")
        body = self._body(request)
        url, title, source = body.get("url"), body.get("title"), body.get("source")
        if body.get("type") != "link":
            raise HttpError(400, "BAD_REQUEST", "the fake saves links only")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise HttpError(400, "BAD_REQUEST", "Only http and https URLs are allowed")
        if title is not None and (not isinstance(title, str) or len(title) > 1000):
            raise HttpError(400, "BAD_REQUEST", "title: Too big: expected at most 1000")
        if source is not None and source not in SOURCES:
            raise HttpError(400, "BAD_REQUEST", "source: Invalid option")
        existing = next((b for b in self.bookmarks.values()
                         if b.user == user and b.url == url), None)  # the exact URL only
        if existing is not None:
            if source not in RESAVE_EXEMPT:
                self._resave(existing, body)
            return Reply(200, {**self._view(existing), "alreadyExists": True})
        mark = self._now()
        made = Bookmark(self._new_id(), user, mark, mark, mark, url=url, title=title,
                        archived=body.get("archived") is True,
                        favourited=body.get("favourited") is True, source=source or "api")
        self.bookmarks[made.id] = made
        return Reply(201, {**self._view(made), "alreadyExists": False})

    def _resave(self, b: Bookmark, body: dict[str, Any]) -> None:
        """Saved again: back from the archive and to the top; the rest only when sent."""
        b.created = self._now()
        b.archived = body.get("archived") is True
        if "title" in body:
            b.title = body["title"]
        if "favourited" in body:
            b.favourited = body["favourited"] is True
        if "note" in body:
            b.note = body["note"]
        b.modified = self._now()

    def _check_url(self, request: Request) -> Reply:
        user = self._caller(request)
        url = request.query.get("url")
        if url is None:
            raise HttpError(400, "BAD_REQUEST", "url: Required")
        try:
            wanted = normalized(url)
        except ValueError:
            raise HttpError(500, "INTERNAL_SERVER_ERROR", "Internal server error") from None
        for b in self.bookmarks.values():
            if (b.user == user and b.url is not None
                    and b.url.lower().startswith(wanted.lower()) and normalized(b.url) == wanted):
                return Reply(200, {"bookmarkId": b.id})
        return Reply(200, {"bookmarkId": None})

    def _get(self, request: Request, bookmark_id: str) -> Reply:
        return Reply(200, self._view(self._own(self._caller(request), bookmark_id)))

    def _update(self, request: Request, bookmark_id: str) -> Reply:
        user = self._caller(request, access="readwrite")
        body = self._body(request)
        found = self._own(user, bookmark_id)
        for name in ("archived", "favourited"):
            if name in body and not isinstance(body[name], bool):
                raise HttpError(400, "BAD_REQUEST", f"{name}: expected boolean")
        found.archived = body.get("archived", found.archived)
        found.favourited = body.get("favourited", found.favourited)
        found.title = body.get("title", found.title)
        found.modified = self._now()
        return Reply(200, self._view(found))

    def _delete(self, request: Request, bookmark_id: str) -> Reply:
        found = self._own(self._caller(request, access="readwrite"), bookmark_id)
        del self.bookmarks[found.id]
        return Reply(204)

    def _tag_refs(self, request: Request) -> list[dict[str, Any]]:
        refs = self._body(request).get("tags")
        if not isinstance(refs, list) or not all(
                isinstance(ref, dict) and (ref.get("tagId") or ref.get("tagName"))
                for ref in refs):
            raise HttpError(400, "BAD_REQUEST", "You must provide either a tagId or a tagName")
        return refs

    def _attach(self, request: Request, bookmark_id: str) -> Reply:
        user = self._caller(request, access="readwrite")
        refs = self._tag_refs(request)
        found = self._own(user, bookmark_id)
        ids: list[str] = []
        for ref in refs:
            name = str(ref.get("tagName") or "").strip().lstrip("#")
            by_id = self.tags.get(str(ref.get("tagId")), ("", ""))[0] == user
            tag_id = ref["tagId"] if by_id else self._tag_id(user, name) if name else None
            if tag_id and tag_id not in ids:
                ids.append(tag_id)
                if tag_id not in found.tags:
                    found.tags[tag_id] = ref.get("attachedBy") or "human"
                    found.modified = self._now()
        return Reply(200, {"attached": ids})

    def _detach(self, request: Request, bookmark_id: str) -> Reply:
        user = self._caller(request, access="readwrite")
        refs = self._tag_refs(request)
        found = self._own(user, bookmark_id)
        ids = [tag_id for tag_id, (owner, name) in self.tags.items() if owner == user and any(
            ref.get("tagId") == tag_id or ref.get("tagName") == name for ref in refs)]
        removed = [tag_id for tag_id in ids if found.tags.pop(tag_id, None)]
        if removed:
            found.modified = self._now()
        return Reply(200, {"detached": ids})
