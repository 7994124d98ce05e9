"""A fake Instapaper API v2 server (other-services.md §5.1, and the official clients'
tests), for one account.

What it reproduces:

- ``Authorization: Bearer <token>``; an unknown or revoked token gets a 401 with an EMPTY
  body; a token of an application that is not approved gets a 403
  ``{"error": {"code": 403, "message": "Application isn't approved or is suspended"}}``;
  every other error is ``{"error": {"code", "message"}}``;
- ``GET /me`` -> ``{id, username, premium}``;
- ``POST /bookmarks`` saves; saving a URL the account has updates that bookmark (same id):
  the title when one is sent, and the tags, merged with the bookmark's (or replaced, with
  ``resave_replaces_tags``; which one the real server does is not documented);
- ``POST /bookmarks/{id}`` (title, description, progress), ``/move`` (``archive``,
  ``home`` or a folder id), ``POST``/``DELETE /like``, ``/tags`` (``add_tags`` by name or
  id, ``remove_tags`` by id; a removed id the bookmark lacks is ignored) ->
  ``{tags, created_tags}``, ``DELETE`` -> 200 with an empty body; a bookmark it does not
  have -> ``missing_status`` (404 unless told);
- ``GET /bookmarks``: without ``since`` (or ``since=0``, which the server takes for "no
  since") one section (home by default; archive, liked, folder, tag), newest first, with
  ``limit`` (1..500, else 400) and ``offset`` -> ``{bookmarks, total}``; with ``since``, the
  sync reply across every section, oldest change first, deleted ids taking page slots as
  bookmarks do -> ``{bookmarks, deleted_ids, total}``. Deletions are kept as tombstones
  with their time;
- ``GET /tags`` -> ``{tags: [{id, name, slug, count}]}``;
- a used-up ``user_limit``: 429 with ``Retry-After`` and ``X-RateLimit-Limit``,
  ``-Remaining`` and ``-Reset`` (Unix seconds);
- the ``Date`` header follows the fake's clock (:meth:`advance`), as a sync cursor needs.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
from typing import Any

from tests.fakes.base import FakeService, HttpError, Reply, Request

API = "/api/2"
USER = {"id": 42, "username": "reader@example.com", "premium": True}
UNAPPROVED = "Application isn't approved or is suspended"
MAX_LIMIT = 500


@dataclasses.dataclass
class Bookmark:
    id: int
    url: str
    title: str
    time: int  # when it was saved
    modified: int  # when it last changed: what the sync call goes by
    description: str = ""
    archived: bool = False
    liked: bool = False
    folder_id: int | None = None
    tags: list[int] = dataclasses.field(default_factory=list)  # tag ids, in order added
    progress: tuple[float, int] = (0.0, 0)


def _int(request: Request, name: str, default: int) -> int:
    value = request.param(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HttpError(400, "bad_request", f"Invalid {name}") from None


class FakeInstapaper(FakeService):
    name = "instapaper"

    def __init__(self, *, resave_replaces_tags: bool = False, missing_status: int = 404,
                 **kwargs: Any) -> None:
        self.resave_replaces_tags, self.missing_status = resave_replaces_tags, missing_status
        self.bookmarks: dict[int, Bookmark] = {}
        self.tag_names: dict[int, str] = {}
        self.tombstones: dict[int, int] = {}  # bookmark id -> when it was deleted
        self.tokens: dict[str, bool] = {}  # token -> its application is approved
        self._ids, self._tag_ids = itertools.count(1001), itertools.count(1)
        super().__init__(**kwargs)

    # --- the service's shapes -------------------------------------------------------

    def error(self, exc: HttpError) -> Reply:
        if exc.status == 401:
            return Reply(401, b"", exc.headers)  # a bad token: no body at all
        message = exc.description or exc.error
        return Reply(exc.status, {"error": {"code": exc.status, "message": message}},
                     exc.headers)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, {"error": {"code": 429, "message": "Rate limit exceeded"}}, {
            "Retry-After": str(retry_after), "X-RateLimit-Limit": str(self.user_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(self.now()) + retry_after)})

    def routes(self) -> None:
        self.route("GET", f"{API}/me", self._me)
        self.route("GET", f"{API}/bookmarks", self._list)
        self.route("POST", f"{API}/bookmarks", self._save)
        self.route("POST", f"{API}/bookmarks/{{bid}}", self._update)
        self.route("DELETE", f"{API}/bookmarks/{{bid}}", self._delete)
        self.route("POST", f"{API}/bookmarks/{{bid}}/move", self._move)
        self.route("POST", f"{API}/bookmarks/{{bid}}/like", self._like)
        self.route("DELETE", f"{API}/bookmarks/{{bid}}/like", self._like)
        self.route("POST", f"{API}/bookmarks/{{bid}}/tags", self._tags)
        self.route("GET", f"{API}/tags", self._tag_list)

    # --- the test's side --------------------------------------------------------------

    def issue_token(self, approved: bool = True) -> str:
        token = f"ipt-{secrets.token_hex(12)}"
        with self.lock:
            self.tokens[token] = approved
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.tokens.pop(token, None)

    def seed(self, url: str, title: str = "", archived: bool = False,
             tags: tuple[str, ...] = (), liked: bool = False) -> int:
        with self.lock:
            bookmark = self._create(url, title or url)
            bookmark.archived, bookmark.liked = archived, liked
            bookmark.tags = [self._tag_named(name)[0] for name in tags]
            return bookmark.id

    def by_url(self, url: str) -> Bookmark:
        with self.lock:
            return next(b for b in self.bookmarks.values() if b.url == url)

    def edit(self, url: str, *, tags: list[str] | None = None, **fields: Any) -> None:
        """Change a bookmark as another app would (archived, liked, title, folder_id)."""
        with self.lock:
            bookmark = self.by_url(url)
            for name, value in fields.items():
                setattr(bookmark, name, value)
            if tags is not None:
                bookmark.tags = [self._tag_named(name)[0] for name in tags]
            bookmark.modified = int(self.now())

    def remove(self, url: str) -> None:
        with self.lock:
            self._drop(self.by_url(url).id)

    def names(self, bookmark: Bookmark) -> list[str]:
        return [self.tag_names[tag_id] for tag_id in bookmark.tags]

    def items(self) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {b.url: {"status": "1" if b.archived else "0", "tags": self.names(b),
                            "favorite": b.liked, "title": b.title}
                    for b in self.bookmarks.values()}

    # --- state ------------------------------------------------------------------------

    def _create(self, url: str, title: str) -> Bookmark:
        now = int(self.now())
        bookmark = Bookmark(next(self._ids), url, title, now, now)
        self.bookmarks[bookmark.id] = bookmark
        return bookmark

    def _drop(self, bookmark_id: int) -> None:
        del self.bookmarks[bookmark_id]
        self.tombstones[bookmark_id] = int(self.now())

    def _tag_named(self, name: str) -> tuple[int, bool]:
        """The tag's id, and whether it was created now."""
        for tag_id, known in self.tag_names.items():
            if known == name:
                return tag_id, False
        tag_id = next(self._tag_ids)
        self.tag_names[tag_id] = name
        return tag_id, True

    def _tag_json(self, tag_id: int) -> dict[str, Any]:
        name = self.tag_names[tag_id]
        return {"id": tag_id, "name": name, "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()),
                "count": sum(tag_id in b.tags for b in self.bookmarks.values())}

    def _json(self, b: Bookmark) -> dict[str, Any]:
        return {"id": b.id, "url": b.url, "title": b.title, "description": b.description,
                "image": None, "progress": {"percentage": b.progress[0],
                                            "timestamp": b.progress[1]},
                "liked": b.liked, "archived": b.archived, "time": b.time, "pubtime": None,
                "author": None, "folder_id": b.folder_id,
                "tags": [self._tag_json(t) for t in b.tags], "private_source": None,
                "category": 0}

    def _account(self, request: Request) -> None:
        approved = self.tokens.get(request.bearer() or "")
        if approved is None:
            raise HttpError(401, "unauthorized")
        if not approved:
            raise HttpError(403, "forbidden", UNAPPROVED)

    def _bookmark(self, request: Request, bid: str) -> Bookmark:
        self._account(request)
        bookmark = self.bookmarks.get(int(bid)) if bid.isdigit() else None
        if bookmark is None:
            raise HttpError(self.missing_status, "not_found", "Bookmark not found")
        return bookmark

    def _changed(self, bookmark: Bookmark) -> Reply:
        bookmark.modified = int(self.now())
        return Reply(200, self._json(bookmark))

    # --- routes -----------------------------------------------------------------------

    def _me(self, request: Request) -> Reply:
        self._account(request)
        return Reply(200, dict(USER))

    def _list(self, request: Request) -> Reply:
        self._account(request)
        limit, offset = _int(request, "limit", 25), _int(request, "offset", 0)
        since = _int(request, "since", 0)
        if not 1 <= limit <= MAX_LIMIT:
            raise HttpError(400, "bad_request", f"limit must be between 1 and {MAX_LIMIT}")
        if offset < 0 or since < 0:
            raise HttpError(400, "bad_request", "Invalid offset or since")
        if since == 0:  # "no since": a section's list
            listed = sorted(self._section(request), key=lambda b: (-b.time, -b.id))
            return Reply(200, {"bookmarks": [self._json(b) for b in
                                             listed[offset:offset + limit]],
                               "total": len(listed)})
        changed = [(b.modified, b.id, True) for b in self.bookmarks.values()
                   if b.modified >= since]
        gone = [(when, bid, False) for bid, when in self.tombstones.items() if when >= since]
        page = sorted(changed + gone)[offset:offset + limit]
        return Reply(200, {
            "bookmarks": [self._json(self.bookmarks[bid]) for _, bid, alive in page if alive],
            "deleted_ids": [bid for _, bid, alive in page if not alive],
            "total": len(changed)})

    def _section(self, request: Request) -> list[Bookmark]:
        """A section's bookmarks; ``folder_id`` or ``tag`` alone imply theirs, and are
        ignored once a section is named."""
        folder, tag = request.param("folder_id"), request.param("tag")
        section = request.param("section") or ("folder" if folder else "tag" if tag else "home")
        tests = {
            "home": lambda b: not b.archived and b.folder_id is None,
            "archive": lambda b: b.archived,
            "liked": lambda b: b.liked,
            "folder": lambda b: str(b.folder_id) == str(folder) and not b.archived,
            "tag": lambda b: tag in self.names(b),
        }
        if section not in tests:
            raise HttpError(400, "bad_request", "Invalid section")
        return [b for b in self.bookmarks.values() if tests[section](b)]

    def _save(self, request: Request) -> Reply:
        self._account(request)
        body = request.body if isinstance(request.body, dict) else {}
        url = body.get("url")
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
            raise HttpError(400, "bad_request", "Invalid or missing url")
        title = body.get("title") if isinstance(body.get("title"), str) else ""
        tags = self._named_tags(body.get("tags", []))
        existing = [b for b in self.bookmarks.values() if b.url == url]
        bookmark = existing[0] if existing else self._create(url, title or url)
        if existing and title:
            bookmark.title = title
        if existing and self.resave_replaces_tags and "tags" in body:
            bookmark.tags = []
        bookmark.tags += [tag_id for tag_id in tags if tag_id not in bookmark.tags]
        if isinstance(body.get("archived"), bool):
            bookmark.archived = body["archived"]
        return self._changed(bookmark)

    def _named_tags(self, raw: Any) -> list[int]:
        if not isinstance(raw, list):
            raise HttpError(400, "bad_request", "Invalid tags")
        ids = []
        for tag in raw:
            if isinstance(tag, dict) and isinstance(tag.get("name"), str) and tag["name"]:
                ids.append(self._tag_named(tag["name"])[0])
            elif isinstance(tag, dict) and tag.get("id") in self.tag_names:
                ids.append(tag["id"])
            else:
                raise HttpError(400, "bad_request", "Invalid tag")
        return ids

    def _update(self, request: Request, bid: str) -> Reply:
        bookmark = self._bookmark(request, bid)
        body = request.body if isinstance(request.body, dict) else {}
        if not {"title", "description", "progress"} & set(body):
            raise HttpError(400, "bad_request", "Nothing to update")
        bookmark.title = str(body.get("title", bookmark.title))
        bookmark.description = str(body.get("description", bookmark.description))
        progress = body.get("progress")
        if isinstance(progress, dict) and int(progress.get("timestamp", 0)) > bookmark.progress[1]:
            bookmark.progress = (float(progress.get("percentage", 0)), int(progress["timestamp"]))
        return self._changed(bookmark)

    def _delete(self, request: Request, bid: str) -> Reply:
        self._drop(self._bookmark(request, bid).id)
        return Reply(200, b"")

    def _move(self, request: Request, bid: str) -> Reply:
        bookmark = self._bookmark(request, bid)
        section = str(request.param("section", ""))
        if section in ("archive", "home"):
            bookmark.archived, bookmark.folder_id = section == "archive", None
        elif section.isdigit():
            bookmark.archived, bookmark.folder_id = False, int(section)
        else:
            raise HttpError(400, "bad_request", "Invalid section")
        return self._changed(bookmark)

    def _like(self, request: Request, bid: str) -> Reply:
        bookmark = self._bookmark(request, bid)
        bookmark.liked = request.method == "POST"
        return self._changed(bookmark)

    def _tags(self, request: Request, bid: str) -> Reply:
        bookmark = self._bookmark(request, bid)
        body = request.body if isinstance(request.body, dict) else {}
        add, remove = body.get("add_tags") or [], body.get("remove_tags") or []
        if not add and not remove:
            raise HttpError(400, "bad_request", "Pass at least one tag to add or remove")
        before = set(self.tag_names)
        for tag_id in self._named_tags(add):
            if tag_id not in bookmark.tags:
                bookmark.tags.append(tag_id)
        gone = {tag.get("id") for tag in remove if isinstance(tag, dict)}
        bookmark.tags = [tag_id for tag_id in bookmark.tags if tag_id not in gone]
        bookmark.modified = int(self.now())
        return Reply(200, {"tags": [self._tag_json(t) for t in bookmark.tags],
                           "created_tags": [self._tag_json(t) for t in self.tag_names
                                            if t not in before]})

    def _tag_list(self, request: Request) -> Reply:
        self._account(request)
        return Reply(200, {"tags": [self._tag_json(t) for t in self.tag_names]})
