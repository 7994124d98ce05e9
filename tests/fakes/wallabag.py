"""A fake wallabag v2 server (other-services.md §1, checklist §1.10), faithful to wallabag
2.6 (FOSOAuthServerBundle's oauth2-php, FOSRest, JMS) where the adapter meets it:

- ``/oauth/v2/token``: a POST reads its form (or JSON) body, a GET its query; ``password``
  and ``refresh_token`` grants; 3600 s access, 14 days' refresh, each refresh token used
  once (a refresh rotates it); refusals are 400 ``{"error", "error_description"}`` with
  oauth2-php's words: ``invalid_client``, ``unauthorized_client`` (a client without that
  grant: :meth:`FakeWallabag.add_client`), ``invalid_grant``, ``invalid_request``;
- a bearer token (or ``?access_token=``) on every ``/api`` call but ``/api/info``: none →
  401 ``access_denied`` "OAuth2 authentication required", unknown → 401 ``invalid_grant``
  "…is invalid.", expired → 401 ``invalid_grant`` "The access token provided has expired.";
- entries: int ids, ``is_archived``/``is_starred`` as int 0/1, tags as ``{id, label,
  slug}`` objects (labels lower-cased and trimmed, one tag per label), dates as
  ``2016-04-05T09:07:54+0000`` (second precision), ``updated_at`` moved by every change;
- ``POST /api/entries.json`` (form or JSON): a URL the account holds (its given or final
  URL) updates that entry, 200 with the same id, tags added, archive/starred applied;
  flags read as PHP does, so ``"false"`` counts as true;
- ``PATCH`` (``tags`` replaces them, but an empty ``tags`` changes nothing), ``DELETE``
  (``?expect=id``), the tag endpoints, an unknown or foreign id → 404 ``{"code",
  "message"}``, a bad URL → 400 with wallabag's message;
- ``GET /api/entries.json``: ``page``/``perPage`` (default 30), ``sort`` created, updated
  or archived, ``order``, ``since`` (``updated_at`` strictly after), ``detail`` (metadata:
  ``content`` null); a page past the last → 500 (Pagerfanta's exception is not caught);
- ``GET /api/entries/exists.json``: ``url``, ``hashed_url`` (sha1 of the URL-decoded URL),
  ``urls[]``/``hashed_urls[]``, ``return_id``; more than 10 URLs a call → 400 "API limit
  reached" (the mass-action cap: stricter than wallabag 2.6, whose exists endpoint does not
  check it, so that a client keeps to it);
- ``/api/user.json``, ``/api/info.json`` (anonymous), and a base-path ``prefix`` (Lion
  Reader's ``/api/wallabag``);
- ``lion_reader=True``: only ``"1"`` counts as true for archive/starred (``"true"`` does
  nothing), ``perPage`` at most 100, exists for one ``url`` only (``{"exists": true,
  "id": n}``), dates as ``…T…Z``, every refusal ``{"error", "error_description"}`` and a
  refused password or refresh token a 401;
- ``read_only=True``: its tokens lack the scope to write: 403 ``insufficient_scope``
  (Lion Reader's answer); a rate limit (``user_limit``: wallabag has none, a reverse proxy
  in front of it does) is nginx's 429 page with ``Retry-After``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from tests.fakes.base import FakeService, HttpError, Reply, Request, html_page

ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 14 * 86400
MASS_LIMIT = 10
VERSION = "2.6.14"
OAUTH_ERRORS = frozenset({"invalid_request", "invalid_client", "invalid_grant", "access_denied",
                          "unauthorized_client", "unsupported_grant_type", "insufficient_scope"})
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def url_hash(url: str) -> str:
    """wallabag's ``UrlHasher``: sha1 of the URL-decoded URL."""
    return hashlib.sha1(unquote_plus(url).encode()).hexdigest()


def php_true(value: object) -> bool:
    """``(bool) $value`` of a request value: only "", "0", 0, false, null and [] are false."""
    return not (value in (None, False, "", "0") or value == [])


@dataclasses.dataclass
class Token:
    user: str
    client_id: str
    expires: float
    can_write: bool = True


@dataclasses.dataclass
class Entry:
    id: int
    user: str
    url: str
    given_url: str
    title: str
    created: int
    updated: int
    archived: bool = False
    archived_at: int | None = None
    starred: bool = False
    starred_at: int | None = None
    tags: list[int] = dataclasses.field(default_factory=list)

    def state(self) -> tuple[object, ...]:
        return (self.title, self.archived, self.archived_at, self.starred, self.starred_at,
                tuple(self.tags))


@dataclasses.dataclass(frozen=True)
class Issued:
    access_token: str
    refresh_token: str


class FakeWallabag(FakeService):
    name = "wallabag"
    USERNAME, PASSWORD = "wallace", "cracking-cheese"
    CLIENT_ID, CLIENT_SECRET = "1_4ld9hdkm9h8g0wk", "4rvkf8oc7zk0s8sgcgcs4c"

    def __init__(self, *, prefix: str = "", lion_reader: bool = False, read_only: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(prefix=prefix, **kwargs)
        self.lion_reader, self.read_only = lion_reader, read_only
        self.users = {self.USERNAME: self.PASSWORD}
        self.clients: dict[str, tuple[str, frozenset[str]]] = {}
        self.add_client(self.CLIENT_ID, self.CLIENT_SECRET)
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.entries: dict[int, Entry] = {}
        self.tag_ids: dict[str, int] = {}
        self.redirects: dict[str, str] = {}  # given URL -> where "fetching" it ends

    # --- the server ---------------------------------------------------------------------

    def routes(self) -> None:
        self.route("POST", "/oauth/v2/token", self._token)
        self.route("GET", "/oauth/v2/token", self._token)
        for fmt in (".json", ""):
            for method, path, handler in (
                    ("GET", "/api/info", self._info), ("GET", "/api/user", self._user),
                    ("GET", "/api/entries/exists", self._exists),
                    ("GET", "/api/entries", self._list), ("POST", "/api/entries", self._add),
                    ("GET", "/api/entries/{entry}/tags", self._tags),
                    ("POST", "/api/entries/{entry}/tags", self._tag),
                    ("DELETE", "/api/entries/{entry}/tags/{tag}", self._untag),
                    ("GET", "/api/entries/{entry}", self._get),
                    ("PATCH", "/api/entries/{entry}", self._patch),
                    ("DELETE", "/api/entries/{entry}", self._delete)):
                self.route(method, path + fmt, handler)

    def error(self, exc: HttpError) -> Reply:
        if exc.error in OAUTH_ERRORS or self.lion_reader:
            body: dict[str, Any] = {"error": exc.error, "error_description": exc.description}
        else:
            body = {"code": exc.status, "message": exc.description}
        headers = dict(exc.headers)
        if exc.status == 401:
            headers["WWW-Authenticate"] = (f'Bearer realm="Service", error="{exc.error}", '
                                           f'error_description="{exc.description}"')
        return Reply(exc.status, body, headers)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, html_page(429), {"Retry-After": str(retry_after)}, "text/html")

    def _stamp(self) -> int:
        return int(self.now())

    def _date(self, seconds: int | None) -> str | None:
        if seconds is None:
            return None
        when = datetime.fromtimestamp(seconds, UTC)
        return (when.strftime("%Y-%m-%dT%H:%M:%S.000Z") if self.lion_reader
                else when.strftime("%Y-%m-%dT%H:%M:%S+0000"))

    def _truth(self, value: object) -> bool:
        return str(value) == "1" if self.lion_reader else php_true(value)

    # --- OAuth2 -------------------------------------------------------------------------

    def _token(self, request: Request) -> Reply:
        fields = request.body if request.method == "POST" else request.query
        fields = fields if isinstance(fields, dict) else {}
        grant = fields.get("grant_type")
        if not grant:
            raise HttpError(400, "invalid_request",
                            "Invalid grant_type parameter or parameter missing")
        client_id = fields.get("client_id")
        if not client_id:
            raise HttpError(400, "invalid_client", "Client id was not found in the headers or body")
        secret, grants = self.clients.get(client_id, (None, frozenset()))
        if secret is None or fields.get("client_secret") != secret:
            raise HttpError(400, "invalid_client", "The client credentials are invalid")
        if grant not in grants:
            raise HttpError(400, "unauthorized_client",
                            "The grant type is unauthorized for this client_id")
        user = (self._password_grant(fields) if grant == "password"
                else self._refresh_grant(fields, client_id))
        issued = self.issue(user, client_id)
        return Reply(200, {"access_token": issued.access_token, "expires_in": ACCESS_LIFETIME,
                           "token_type": "bearer", "scope": None,
                           "refresh_token": issued.refresh_token}, dict(NO_STORE))

    def _refused(self, description: str) -> HttpError:
        return HttpError(401 if self.lion_reader else 400, "invalid_grant", description)

    def _password_grant(self, fields: dict[str, Any]) -> str:
        username, password = fields.get("username"), fields.get("password")
        if not username or not password:
            raise HttpError(400, "invalid_request",
                            'Missing parameters. "username" and "password" required')
        if self.users.get(username) != password:
            raise self._refused("Invalid username and password combination")
        return str(username)

    def _refresh_grant(self, fields: dict[str, Any], client_id: str) -> str:
        presented = fields.get("refresh_token")
        if not presented:
            raise HttpError(400, "invalid_request", 'No "refresh_token" parameter found')
        held = self.refresh.get(presented)
        if held is None or held.client_id != client_id:
            raise self._refused("Invalid refresh token")
        if held.expires <= self.now():
            raise self._refused("Refresh token has expired")
        del self.refresh[presented]  # a new refresh token replaces it
        return held.user

    def _auth(self, request: Request, write: bool = False) -> str:
        """The user a request's token is for (see the module's text)."""
        body = request.body if isinstance(request.body, dict) else {}
        token = request.bearer() or request.query.get("access_token") or body.get("access_token")
        held = self.access.get(token) if token else None
        if self.lion_reader and (held is None or held.expires <= self.now()):
            raise HttpError(401, "invalid_grant", "Unauthorized")
        if not token:
            raise HttpError(401, "access_denied", "OAuth2 authentication required")
        if held is None:
            raise HttpError(401, "invalid_grant", "The access token provided is invalid.")
        if held.expires <= self.now():
            raise HttpError(401, "invalid_grant", "The access token provided has expired.")
        if write and not held.can_write:
            raise HttpError(403, "insufficient_scope",
                            "This endpoint requires the reader:full-access scope")
        return held.user

    # --- entries ------------------------------------------------------------------------

    def _entry(self, user: str, entry: str) -> Entry:
        found = self.entries.get(int(entry)) if entry.isdigit() else None
        if found is None or found.user != user:
            raise HttpError(404, "not_found", "Not Found")
        return found

    def _find(self, user: str, hashed: str) -> Entry | None:
        mine = [e for e in self.entries.values() if e.user == user]
        return (next((e for e in mine if url_hash(e.url) == hashed), None)
                or next((e for e in mine if url_hash(e.given_url) == hashed), None))

    def _tag_json(self, tag_id: int) -> dict[str, Any]:
        label = next(label for label, known in self.tag_ids.items() if known == tag_id)
        return {"id": tag_id, "label": label, "slug": "-".join(label.split())}

    def _json(self, entry: Entry, detail: str = "full") -> dict[str, Any]:
        host = urlsplit(entry.url).hostname or ""
        return {
            "is_archived": int(entry.archived), "is_starred": int(entry.starred),
            "user_name": entry.user, "user_email": f"{entry.user}@example.org", "user_id": 1,
            "tags": [self._tag_json(tag_id) for tag_id in entry.tags], "is_public": False,
            "id": entry.id, "uid": None, "title": entry.title, "url": entry.url,
            "hashed_url": url_hash(entry.url), "origin_url": None, "given_url": entry.given_url,
            "hashed_given_url": url_hash(entry.given_url),
            "archived_at": self._date(entry.archived_at),
            "starred_at": self._date(entry.starred_at),
            "content": f"<p>{entry.title}</p>" if detail == "full" else None,
            "created_at": self._date(entry.created), "updated_at": self._date(entry.updated),
            "published_at": None, "published_by": None, "annotations": [],
            "mimetype": "text/html", "language": None, "reading_time": 1, "domain_name": host,
            "preview_picture": None, "http_status": "200", "headers": None,
            "_links": {"self": {"href": f"/api/entries/{entry.id}"}},
        }

    def _assign(self, entry: Entry, tags: object) -> None:
        """wallabag's ``TagsAssigner``: comma-separated (or a JSON list), lower-cased."""
        labels = tags if isinstance(tags, list) else str(tags).split(",")
        for raw in labels:
            label = str(raw).lower().strip()
            if label:
                tag_id = self.tag_ids.setdefault(label, len(self.tag_ids) + 1)
                if tag_id not in entry.tags:
                    entry.tags.append(tag_id)

    def _apply(self, entry: Entry, data: dict[str, Any], *, replace_tags: bool) -> None:
        """The fields of a POST or PATCH (``updateArchived``/``updateStar`` stamp the time)."""
        now = self._stamp()
        if data.get("archive") is not None:
            entry.archived = self._truth(data["archive"])
            entry.archived_at = now if entry.archived else None
        if data.get("starred") is not None:
            entry.starred = self._truth(data["starred"])
            entry.starred_at = now if entry.starred else None
        if php_true(data.get("tags")):
            if replace_tags:
                entry.tags = []
            self._assign(entry, data["tags"])

    def _changed(self, entry: Entry, before: tuple[object, ...]) -> Reply:
        if entry.state() != before:
            entry.updated = self._stamp()
        return Reply(200, self._json(entry))

    def _add(self, request: Request) -> Reply:
        user = self._auth(request, write=True)
        data = request.body if isinstance(request.body, dict) else {}
        url = data.get("url")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(400, "bad_request", f"The url '\"{url}\"' is not a valid url")
        assert isinstance(url, str)
        entry = self._find(user, url_hash(url))
        before: tuple[object, ...] = ()
        if entry is None:
            now = self._stamp()
            entry = Entry(max(self.entries, default=0) + 1, user, self.redirects.get(url, url),
                          url, "", now, now)
            self.entries[entry.id] = entry
        else:
            before = entry.state()
        entry.title = str(data.get("title") or entry.title or parts.hostname)
        self._apply(entry, data, replace_tags=False)
        return self._changed(entry, before)

    def _get(self, request: Request, entry: str) -> Reply:
        found = self._entry(self._auth(request), entry)
        return Reply(200, self._json(found, request.query.get("detail", "full")))

    def _patch(self, request: Request, entry: str) -> Reply:
        found = self._entry(self._auth(request, write=True), entry)
        data = request.body if isinstance(request.body, dict) else {}
        before = found.state()
        if data.get("title"):
            found.title = str(data["title"])
        self._apply(found, data, replace_tags=True)
        return self._changed(found, before)

    def _delete(self, request: Request, entry: str) -> Reply:
        found = self._entry(self._auth(request, write=True), entry)
        expect = request.query.get("expect", "entry")
        if expect not in ("id", "entry"):
            raise HttpError(400, "bad_request", f"expect: 'id' or 'entry' expected, {expect} given")
        del self.entries[found.id]
        return Reply(200, {"id": found.id} if expect == "id" else self._json(found))

    def _tags(self, request: Request, entry: str) -> Reply:
        found = self._entry(self._auth(request), entry)
        return Reply(200, [self._tag_json(tag_id) for tag_id in found.tags])

    def _tag(self, request: Request, entry: str) -> Reply:
        found = self._entry(self._auth(request, write=True), entry)
        data = request.body if isinstance(request.body, dict) else {}
        before = found.state()
        if php_true(data.get("tags", "")):
            self._assign(found, data["tags"])
        return self._changed(found, before)

    def _untag(self, request: Request, entry: str, tag: str) -> Reply:
        found = self._entry(self._auth(request, write=True), entry)
        if not tag.isdigit() or int(tag) not in self.tag_ids.values():
            raise HttpError(404, "not_found", "Not Found")
        before = found.state()
        found.tags = [tag_id for tag_id in found.tags if tag_id != int(tag)]
        return self._changed(found, before)

    def _list(self, request: Request) -> Reply:
        user, query = self._auth(request), request.query
        detail, order = query.get("detail", "full").lower(), query.get("order", "desc").lower()
        if detail not in ("full", "metadata"):
            raise HttpError(400, "bad_request",
                            f'Detail "{detail}" parameter is wrong, allowed: full or metadata')
        if order not in ("asc", "desc"):
            raise HttpError(400, "bad_request",
                            f'Order "{order}" parameter is wrong, allowed: asc or desc')
        page, per_page, since = (_number(query.get("page"), 1), _number(query.get("perPage"), 30),
                                 _number(query.get("since"), 0))
        per_page = min(max(1, per_page), 100) if self.lion_reader else max(1, per_page)
        keys = {"updated": lambda e: (e.updated, e.id),
                "archived": lambda e: (e.archived_at or 0, e.id)}
        listed = sorted((e for e in self.entries.values()
                         if e.user == user and (since <= 0 or e.updated > since)),
                        key=keys.get(query.get("sort", "created").lower(), lambda e: (e.id,)),
                        reverse=order == "desc")
        pages = max(1, math.ceil(len(listed) / per_page))
        if not 1 <= page <= pages:
            raise HttpError(500, "server_error", "Internal Server Error")
        shown = listed[(page - 1) * per_page:page * per_page]
        link = {"href": f"/api/entries?page={page}&perPage={per_page}"}
        return Reply(200, {"page": page, "limit": per_page, "pages": pages, "total": len(listed),
                           "_links": {"self": link, "first": link, "last": link},
                           "_embedded": {"items": [self._json(e, detail) for e in shown]}})

    def _exists(self, request: Request) -> Reply:
        user, query, pairs = self._auth(request), request.query, request.query_list
        if self.lion_reader:
            if not query.get("url"):
                raise HttpError(400, "invalid_request", "url parameter is required")
            found = self._find(user, url_hash(query["url"]))
            answer: dict[str, Any] = {"exists": found is not None}
            if found is not None and query.get("return_id") == "1":
                answer["id"] = found.id
            return Reply(200, answer)
        hashes = [v for k, v in pairs if k == "hashed_urls[]"] + [query.get("hashed_url", "")]
        urls = [v for k, v in pairs if k == "urls[]"] + [query.get("url", "")]
        hashes, urls = [h for h in hashes if h], [u for u in urls if u]
        if not hashes and not urls:
            raise HttpError(404, "not_found", "Not Found")
        if len(hashes) + len(urls) > MASS_LIMIT:
            raise HttpError(400, "bad_request", "API limit reached")
        keys = [(h, h) for h in hashes] + [(url_hash(u), u) for u in urls]
        found_ids = {key: found.id if (found := self._find(user, hashed)) else None
                     for hashed, key in keys}
        answers = (found_ids if php_true(query.get("return_id"))
                   else {key: value is not None for key, value in found_ids.items()})
        if query.get("url") or query.get("hashed_url"):
            return Reply(200, {"exists": next(iter(answers.values()))})
        return Reply(200, answers)

    def _user(self, request: Request) -> Reply:
        user = self._auth(request)
        return Reply(200, {"id": 1, "username": user, "email": f"{user}@example.org",
                           "name": user.title(), "created_at": self._date(0),
                           "updated_at": self._date(0)})

    def _info(self, request: Request) -> Reply:
        return Reply(200, {"appname": "wallabag", "version": VERSION,
                           "allowed_registration": False})

    # --- the test's side ----------------------------------------------------------------

    def add_client(self, client_id: str, secret: str,
                   grants: frozenset[str] = frozenset({"password", "refresh_token"})) -> None:
        self.clients[client_id] = (secret, grants)

    def issue(self, user: str | None = None, client_id: str | None = None) -> Issued:
        """Tokens as a grant gives them (the access token for 3600 s)."""
        with self.lock:
            user, client_id = user or self.USERNAME, client_id or self.CLIENT_ID
            issued = Issued(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
            now = self.now()
            self.access[issued.access_token] = Token(user, client_id, now + ACCESS_LIFETIME,
                                                     not self.read_only)
            self.refresh[issued.refresh_token] = Token(user, client_id, now + REFRESH_LIFETIME)
            return issued

    def expire_access(self, token: str | None = None, *, refresh: bool = False) -> None:
        """Expire an access token (every one: None); ``refresh``: a refresh token instead."""
        with self.lock:
            for key, held in (self.refresh if refresh else self.access).items():
                if token in (None, key):
                    held.expires = self.now() - 1

    def revoke(self, *tokens: str | None) -> None:
        with self.lock:
            for token in tokens:
                self.access.pop(token or "", None)
                self.refresh.pop(token or "", None)

    def seed(self, url: str, title: str = "", *, archived: bool = False,
             starred: bool = False, tags: tuple[str, ...] = ()) -> str:
        with self.lock:
            now = self._stamp()
            entry = Entry(max(self.entries, default=0) + 1, self.USERNAME, url, url,
                          title or urlsplit(url).hostname or url, now, now,
                          archived, now if archived else None, starred, now if starred else None)
            self._assign(entry, list(tags))
            self.entries[entry.id] = entry
            return str(entry.id)

    def entry(self, url: str) -> Entry:
        with self.lock:
            return next(e for e in self.entries.values() if url in (e.given_url, e.url))

    def edit(self, url: str, *, archived: bool | None = None, starred: bool | None = None,
             tags: list[str] | None = None, title: str | None = None) -> None:
        """Change an entry as another app would (``updated_at`` moves)."""
        with self.lock:
            entry = self.entry(url)
            data = {"archive": None if archived is None else int(archived),
                    "starred": None if starred is None else int(starred), "tags": tags}
            if title is not None:
                entry.title = title
            if tags == []:
                entry.tags = []
            self._apply(entry, data, replace_tags=True)
            entry.updated = self._stamp()

    def remove(self, url: str) -> None:
        with self.lock:
            del self.entries[self.entry(url).id]

    def items(self) -> dict[str, dict[str, Any]]:
        """The default account, as the contract suite reads it (see Remote.items)."""
        with self.lock:
            return {e.given_url: {"status": "1" if e.archived else "0",
                                  "tags": [self._tag_json(t)["label"] for t in e.tags],
                                  "favorite": e.starred, "title": e.title, "id": str(e.id)}
                    for e in self.entries.values() if e.user == self.USERNAME}


def _number(raw: object, default: int) -> int:
    try:
        return int(str(raw))
    except ValueError:
        return default
