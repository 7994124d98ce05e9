"""wallabag v2 as a :class:`~pocket_companion.services.base.ReadingService` (and a
:class:`~pocket_companion.services.base.FormLogin`).

Login is OAuth2's password grant; the keychain keeps the tokens (1 h access, 14 days'
refresh, rotated at each refresh), the client secret, and the password only when the person
asked to stay connected (then a refused refresh token is replaced by a new password grant;
without it, a refresh whose answer was lost, after the server spent the old refresh token,
means logging in again).

wallabag has no batch endpoint for arbitrary changes: one request per change
(:func:`~pocket_companion.services.each.push_each`). An add merges into the entry the URL
already has. Tags are lower-cased by the server; ``tags_remove`` and ``tags_clear`` delete
tags one by one, because a PATCH with empty ``tags`` leaves them as they are.

Pulls page through ``/api/entries.json`` (``sort=updated``, ``order=asc``, no content) and
read again any pass that the account changed under (a total that moved, ids missing): offset
pages skip an entry when another moves. The cursor is the newest ``updated_at`` seen, re-read
with :data:`OVERLAP` seconds to spare, with the entries of that window and their
``updated_at`` so that none comes twice. wallabag does not report deletions: when the
account holds fewer entries than the ids known and seen, its ids are listed and the known
ones missing are reported deleted (none, when the listing moved while it was read).
Saved URLs are looked up 10 a call (the mass-action cap), or one a call on a server that
takes no more (Lion Reader).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from pocket_companion.config import Settings
from pocket_companion.errors import (
    CompanionError,
    FieldRejected,
    Forbidden,
    ServiceUnavailable,
)
from pocket_companion.library.urls import key_of
from pocket_companion.logs import register_secret
from pocket_companion.services.base import (
    Change,
    ChangeResult,
    Credentials,
    Grant,
    PullPage,
    RemoteItem,
)
from pocket_companion.services.each import push_each
from pocket_companion.services.http import Refused, SessionFactory, default_session
from pocket_companion.services.values import iso_seconds, json_cursor, text_of
from pocket_companion.services.wallabag.client import (
    Scan,
    TokenRefused,
    WallabagClient,
    id_of,
    remote_item,
)

PER_PAGE = 500  # entries asked for a page; a server may give fewer (Lion Reader: 100)
EXISTS_BATCH = 10  # wallabag's cap on mass actions (api_limit_mass_actions)
OVERLAP = 10  # seconds before the cursor that a pull reads again (same second, commits)
PASSES = 3  # reads of a listing that the account changed under, at most
_MAX_PAGES = 10_000
_LISTING = {"detail": "metadata", "order": "asc"}
_WORDS = {"client_id": "the client ID", "username": "the user name",
          "client_secret": "the client secret", "password": "the password"}


class _Mark(NamedTuple):
    """A pull's cursor: the newest ``updated_at`` seen (Unix seconds), and the entries
    updated in the :data:`OVERLAP` before it, by id, with their ``updated_at``."""

    time: float
    seen: dict[str, str]

    @classmethod
    def read(cls, cursor: str | None) -> _Mark | None:
        parsed = json_cursor(cursor, "t")
        return None if parsed is None else cls(*parsed)

    @classmethod
    def after(cls, seen: dict[str, str], before: _Mark | None) -> str:
        times = {entry_id: iso_seconds(updated) for entry_id, updated in seen.items()}
        newest = max([before.time if before else 0.0,
                      *(t for t in times.values() if t is not None)])
        window = {entry_id: seen[entry_id] for entry_id, t in times.items()
                  if t is not None and t > newest - OVERLAP}
        return json.dumps({"t": newest, "seen": window}, separators=(",", ":"))


_FLAGS = {"archive": ("archive", "1"), "readd": ("archive", "0"),
          "favorite": ("starred", "1"), "unfavorite": ("starred", "0")}


def _rejected(refusal: TokenRefused) -> CompanionError:
    """The login field a token refusal is about (RFC 6749 §5.2)."""
    if refusal.error == "invalid_client":
        return FieldRejected("client_secret", "wallabag refused the client ID or secret: copy "
                             "both from its Developer page (API clients management)")
    if refusal.error == "unauthorized_client":
        return FieldRejected("client_id", "this wallabag API client may not sign in with a "
                             "password: create a new client on wallabag's Developer page")
    if refusal.error == "invalid_grant":
        return FieldRejected("password", "wallabag refused the user name or password")
    return refusal


class WallabagService:
    batch_size = 30  # changes a push takes; each is one request (push_each)

    def __init__(self, settings: Settings, session_factory: SessionFactory = default_session,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.clock = settings, clock
        self.client = WallabagClient(settings.server, session_factory)

    # --- login ----------------------------------------------------------------------------

    def _username(self) -> str:
        return self.settings.option("username") or self.settings.username or ""

    def _grant(self, fields: dict[str, str], keep: Mapping[str, str],
               refresh: str | None = None) -> Credentials:
        """Credentials from a token answer; ``keep`` goes to their ``extra``."""
        reply = self.client.token({"client_id": self.settings.option("client_id") or "",
                                   **fields})
        access, renewal = reply.get("access_token"), reply.get("refresh_token")
        if not isinstance(access, str) or not access:
            raise ServiceUnavailable("the server's login reply has no access token", sent=True)
        renewal = renewal if isinstance(renewal, str) and renewal else refresh
        for secret in (access, renewal):
            register_secret(secret)
        expires = reply.get("expires_in")
        expires_at = (self.clock() + expires if isinstance(expires, int | float)
                      and not isinstance(expires, bool) else None)
        return Credentials(access, renewal, expires_at, tuple(sorted(keep.items())))

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        values = {"client_id": self.settings.option("client_id") or "",
                  "username": self._username(),
                  "client_secret": secrets.get("client_secret", ""),
                  "password": secrets.get("password", "")}
        register_secret(values["client_secret"])
        register_secret(values["password"])
        for name, value in values.items():
            if not value:
                raise FieldRejected(name, f"wallabag needs {_WORDS[name]}")
        keep = {"client_secret": values["client_secret"]}
        if self.settings.option("stay_connected") == "1":
            keep["password"] = values["password"]
        try:
            creds = self._grant({"grant_type": "password", "username": values["username"],
                                 "client_secret": values["client_secret"],
                                 "password": values["password"]}, keep)
        except TokenRefused as exc:
            raise _rejected(exc) from None
        return Grant(self._whoami(creds.secret) or values["username"], creds)

    def _whoami(self, token: str) -> str | None:
        """The account's name as the server spells it (a clone without ``/api/user``: None)."""
        try:
            return text_of(self.client.user(token), "username") or None
        except Refused:
            return None

    def refresh(self, creds: Credentials) -> Credentials | None:
        """A refresh-token grant; once that is refused, a password grant when the password
        was kept; else None. A server that fails raises: that is no reason to log out."""
        secret, password = creds.get("client_secret"), creds.get("password")
        if not secret or not self.settings.option("client_id"):
            return None
        keep = dict(creds.extra)
        if creds.refresh:
            try:
                return self._grant({"grant_type": "refresh_token", "client_secret": secret,
                                    "refresh_token": creds.refresh}, keep, creds.refresh)
            except TokenRefused:
                pass
        if not password or not self._username():
            return None
        try:
            return self._grant({"grant_type": "password", "client_secret": secret,
                                "username": self._username(), "password": password}, keep)
        except TokenRefused:
            return None

    # --- push -----------------------------------------------------------------------------

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        return push_each(changes, partial(self._one, creds.secret))

    def _one(self, token: str, change: Change) -> ChangeResult:
        if change.op == "add":
            fields = {"url": change.url}
            if change.title:
                fields["title"] = change.title
            if change.tags:
                fields["tags"] = ",".join(change.tags)
            entry_id = id_of(self.client.add(token, fields))
            return (ChangeResult(True, entry_id) if entry_id else
                    ChangeResult(False, error="the server's answer names no entry"))
        try:
            if change.remote_id and self._modify(token, change.op, change.remote_id,
                                                 change.tags):
                return ChangeResult(True, change.remote_id)
        except Refused as exc:
            if not (change.op == "delete" and exc.status == 404):
                raise
            return ChangeResult(True, change.remote_id)  # gone already
        return ChangeResult(False, error=f"wallabag cannot do {change.op!r} here")

    def _modify(self, token: str, op: str, entry_id: str, tags: tuple[str, ...]) -> bool:
        """Send a modify op; False for one wallabag has no call for."""
        if op in _FLAGS:
            name, value = _FLAGS[op]
            self.client.patch(token, entry_id, {name: value})
        elif op == "tags_replace" and tags:
            self.client.patch(token, entry_id, {"tags": ",".join(tags)})  # replaces them all
        elif op in ("tags_replace", "tags_clear"):
            self.client.untag(token, entry_id, None)  # a PATCH of empty tags changes nothing
        elif op == "tags_remove":
            self.client.untag(token, entry_id, set(tags))
        elif op == "tags_add":
            self.client.add_tags(token, entry_id, tags)
        elif op == "delete":
            self.client.delete(token, entry_id)
        else:
            return False
        return True

    # --- pull -----------------------------------------------------------------------------

    def _passes(self, token: str, params: Mapping[str, Any], scan: Scan
                ) -> Iterator[list[dict[str, Any]]]:
        """The entries of a listing, a page at a time, read again (up to :data:`PASSES`
        times) while a pass is not whole."""
        for _ in range(PASSES):
            scan.begin()
            for number in range(1, _MAX_PAGES + 1):
                reply = self.client.entries(token, page=number, perPage=PER_PAGE, **params)
                raws = scan.note(reply)
                yield raws
                pages = reply.get("pages")
                if not raws or not isinstance(pages, int) or number >= pages:
                    break
            if scan.whole:
                return

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        mark = _Mark.read(cursor)
        params: dict[str, Any] = {"sort": "updated", **_LISTING}
        if mark is not None and mark.time - OVERLAP >= 1:
            params["since"] = int(mark.time - OVERLAP)
        seen = dict(mark.seen) if mark else {}
        scan = Scan()
        held: list[RemoteItem] = []
        for raws in self._passes(creds.secret, params, scan):
            fresh = []
            for raw in raws:
                entry_id, updated = id_of(raw), text_of(raw, "updated_at")
                if entry_id is None or (updated and seen.get(entry_id) == updated):
                    continue  # delivered already, unchanged
                seen[entry_id] = updated
                if item := remote_item(raw):
                    fresh.append(item)
            if held:
                yield PullPage(held)
            held = fresh
        gone = self._gone(creds.secret, known, scan, whole=mark is None and scan.whole)
        yield PullPage(held + [RemoteItem(entry_id, status="deleted") for entry_id in gone],
                       _Mark.after(seen, mark))

    def _gone(self, token: str, known: Collection[str], scan: Scan, whole: bool) -> list[str]:
        """The known ids the account no longer holds (``whole``: ``scan`` saw all of it)."""
        missing = set(known) - scan.ids
        if not missing or whole:
            return sorted(missing)
        total = self.client.entries(token, page=1, perPage=1, detail="metadata").get("total")
        if total == len(set(known) | scan.ids):
            return []  # as many entries as the ids known and seen: none of them is gone
        listing = Scan()
        for _ in self._passes(token, {"sort": "created", **_LISTING}, listing):
            pass
        return sorted(missing - listing.ids) if listing.whole else []

    # --- look-up --------------------------------------------------------------------------

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """``/api/entries/exists.json`` by batches of :data:`EXISTS_BATCH` URLs, else (a
        server that takes one URL a call) URL by URL; a server that answers neither will
        not say (Forbidden)."""
        try:
            answers = {url: value for start in range(0, len(urls), EXISTS_BATCH)
                       for url, value in self.client.exists(
                           creds.secret, urls[start:start + EXISTS_BATCH]).items()}
        except Refused:
            try:
                answers = {url: self._exists_one(creds.secret, url) for url in urls}
            except Refused as exc:
                raise Forbidden(f"the server will not say which pages it holds ({exc.detail})"
                                ) from None
        ids = {key_of(url) or url: value for url, value in answers.items()}
        found = {url: ids.get(key_of(url) or url) for url in urls}
        return {url: str(value) for url, value in found.items()
                if isinstance(value, int) and not isinstance(value, bool)}

    def _exists_one(self, token: str, url: str) -> object:
        reply = self.client.exists_one(token, url)
        return reply.get("id", reply.get("exists"))
