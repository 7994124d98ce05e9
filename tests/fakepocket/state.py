"""Server state: consumer keys, request tokens, users, items, counters and rate limits.

Pure logic, no HTTP. Every public method takes `lock` (an RLock), so it is thread-safe.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

from . import errors as e
from .actions import SendContext, run_actions
from .items import (
    STATUS_ARCHIVED,
    Item,
    Seed,
    UrlRegistry,
    UserItems,
    normalize_url,
    parse_item_id,
    parse_tags,
    parse_time,
)
from .query import parse_query, run_query
from .render import add_shape, get_shape, unsaved_add_shape

JsonDict = dict[str, Any]
HOUR = 3600
PENDING, APPROVED, REJECTED, USED = "pending", "approved", "rejected", "used"


def new_token() -> str:
    """30-char UUID-like token, e.g. dcba4321-dcba-4321-dcba-4321dc (§1.4)."""
    h = uuid.uuid4().hex
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:26]}"


def text(value: object) -> str:
    """A parameter as a string ("" when absent)."""
    return "" if value is None else value if isinstance(value, str) else str(value)


@dataclasses.dataclass
class RequestToken:
    code: str
    consumer_key: str
    redirect_uri: str
    state: str | None
    status: str = PENDING
    username: str | None = None


@dataclasses.dataclass
class Grant:
    access_token: str
    username: str
    consumer_key: str
    revoked: bool = False


@dataclasses.dataclass
class RateWindow:
    """A fixed one-hour window starting at its first call."""

    limit: int
    count: int = 0
    start: float = -math.inf

    def _roll(self, now: float) -> None:
        if now >= self.start + HOUR:
            self.start, self.count = now, 0

    def exhausted(self, now: float) -> bool:
        self._roll(now)
        return self.count >= self.limit

    def hit(self, now: float) -> None:
        self._roll(now)
        self.count += 1

    def headers(self, who: str, now: float) -> dict[str, str]:
        self._roll(now)
        return {
            f"X-Limit-{who}-Limit": str(self.limit),
            f"X-Limit-{who}-Remaining": str(max(0, self.limit - self.count)),
            f"X-Limit-{who}-Reset": str(max(0, math.ceil(self.start + HOUR - now))),
        }


def parse_actions(raw: object) -> list[object]:
    """`actions`: a JSON array, or a JSON string (maybe url-encoded again) with form bodies."""
    if isinstance(raw, str):
        for candidate in (raw, unquote_plus(raw)):
            try:
                raw = json.loads(candidate)
                break
            except ValueError:
                continue
    if not isinstance(raw, list):  # an object instead of an array broke the call (§4)
        raise e.BAD_REQUEST.error()
    return raw


class PocketState:
    def __init__(
        self, *, consumer_keys: Mapping[str, str], username: str, count_cap: int | None,
        user_limit: int, key_limit: int, clock: Callable[[], float],
    ) -> None:
        self.lock = threading.RLock()
        self.consumer_keys = dict(consumer_keys)
        self.default_user = username
        self.count_cap, self.user_limit, self.key_limit = count_cap, user_limit, key_limit
        self.clock = clock
        self.skew = 0.0  # seconds added to `clock` by advance(); kept by reset()
        self.users: dict[str, UserItems] = {username: UserItems()}
        self.reset()

    def reset(self) -> None:
        """Forget items, tokens, counters and limits (users and keys stay)."""
        with self.lock:
            for items in self.users.values():
                items.clear()
            self.registry = UrlRegistry()
            self.request_tokens: dict[str, RequestToken] = {}
            self.grants: dict[str, Grant] = {}
            self.add_counts: dict[str, int] = {}
            self.reset_limits()

    def reset_limits(self) -> None:
        with self.lock:
            self._user_windows: dict[str, RateWindow] = {}
            self._key_windows: dict[str, RateWindow] = {}

    def time(self) -> float:
        """The server's clock: `clock()` plus every advance()."""
        return self.clock() + self.skew

    def now(self) -> int:
        return int(self.time())

    def advance(self, seconds: float) -> int:
        """Move the server's clock forward (rate windows included); returns the new now()."""
        if seconds < 0:
            raise ValueError("the server's clock never goes back")
        with self.lock:
            self.skew += seconds
            return self.now()

    def add_user(self, name: str) -> None:
        with self.lock:
            self.users.setdefault(name, UserItems())

    # --- auth (§2) -----------------------------------------------------------------------

    def _consumer_key(self, params: Mapping[str, object]) -> str:
        key = text(params.get("consumer_key")).strip()
        if not key:
            raise e.MISSING_CONSUMER_KEY.error()
        if key not in self.consumer_keys:
            raise e.INVALID_CONSUMER_KEY.error()
        return key

    def request_token(self, params: Mapping[str, object]) -> RequestToken:
        """Step 2: POST /v3/oauth/request."""
        if not text(params.get("consumer_key")).strip():
            raise e.MISSING_CONSUMER_KEY.error()
        redirect_uri = text(params.get("redirect_uri"))
        if not redirect_uri:
            raise e.MISSING_REDIRECT.error()
        key = self._consumer_key(params)
        token = RequestToken(new_token(), key, redirect_uri, text(params.get("state")) or None)
        with self.lock:
            self.request_tokens[token.code] = token
            return dataclasses.replace(token)

    def find_request_token(self, code: str) -> RequestToken:
        """A copy of a request token; 400/182 when empty, 400/185 when unknown."""
        if not code:
            raise e.MISSING_CODE.error()
        with self.lock:
            token = self.request_tokens.get(code)
            if token is None:
                raise e.CODE_NOT_FOUND.error()
            return dataclasses.replace(token)

    def decide(self, code: str, allow: bool, username: str | None = None) -> RequestToken:
        """The user approves (for `username`, default user) or rejects a request token."""
        with self.lock:
            self.find_request_token(code)
            token = self.request_tokens[code]
            user = username or self.default_user
            if user not in self.users:
                raise e.BAD_REQUEST.error()
            if token.status != USED:
                token.status = APPROVED if allow else REJECTED
                token.username = user if allow else None
            return dataclasses.replace(token)

    def exchange(self, params: Mapping[str, object]) -> tuple[Grant, str | None]:
        """Step 5: POST /v3/oauth/authorize, state machine of §2.5."""
        key = self._consumer_key(params)
        with self.lock:
            token = self.find_request_token(text(params.get("code")))
            if token.consumer_key != key:
                raise e.CODE_NOT_FOUND.error()
            redirect_uri = text(params.get("redirect_uri"))
            if redirect_uri and redirect_uri != token.redirect_uri:
                raise e.INVALID_REDIRECT.error()  # FAKE CHOICE: real trigger unknown (§8)
            if token.status == USED:
                raise e.ALREADY_USED.error()
            if token.status != APPROVED or token.username is None:
                raise e.USER_REJECTED.error()  # rejected *or not approved yet* (quirk §6.7)
            self.request_tokens[token.code].status = USED
            return self.issue(token.username, key), token.state

    def issue(self, username: str | None = None, consumer_key: str | None = None) -> Grant:
        """A new access token (tests may skip the OAuth dance with this)."""
        with self.lock:
            user = username or self.default_user
            self.add_user(user)
            key = consumer_key or next(iter(self.consumer_keys))
            grant = Grant(new_token(), user, key)
            self.grants[grant.access_token] = grant
            return dataclasses.replace(grant)

    def revoke(self, access_token: str) -> bool:
        with self.lock:
            grant = self.grants.get(access_token)
            if grant is not None:
                grant.revoked = True
            return grant is not None

    # --- data endpoints (§3-§5) ----------------------------------------------------------

    def begin_call(self, params: Mapping[str, object], permission: str) -> tuple[str, JsonDict]:
        """Authenticate, count and rate-limit one data call; returns (username, headers)."""
        key = self._consumer_key(params)
        token = text(params.get("access_token"))
        with self.lock:
            now = self.time()
            kwin = self._key_windows.setdefault(key, RateWindow(self.key_limit))
            grant = self.grants.get(token)
            if grant is None or grant.revoked or grant.consumer_key != key:
                if not kwin.exhausted(now):
                    kwin.hit(now)
                raise e.NO_ACCESS_TOKEN.error(kwin.headers("Key", now))  # no user headers
            uwin = self._user_windows.setdefault(grant.username, RateWindow(self.user_limit))
            if uwin.exhausted(now) or kwin.exhausted(now):
                raise e.RATE_LIMITED.error(uwin.headers("User", now) | kwin.headers("Key", now))
            uwin.hit(now)
            kwin.hit(now)
            headers = uwin.headers("User", now) | kwin.headers("Key", now)
            if permission not in self.consumer_keys[key]:
                raise e.NO_PERMISSION.error(headers)
            return grant.username, headers

    def _store(
        self, username: str, url: str, normal: str, title: str, tags: list[str],
        when: int | None, now: int,
    ) -> Item:
        """Save a valid URL; a merged URL lands on the item of the URL it resolves to."""
        target, resolved = self.registry.resolve(normal)
        item_id = self.registry.id_for(target, resolved or url)
        return self.users[username].save(
            item_id, url, normal, title=title, tags=tags, now=now, when=when,
            resolved_url=resolved or "",
        )

    def _save(
        self, username: str, url: str, title: str, tags: list[str], when: int | None,
        count: bool = True,
    ) -> JsonDict:
        normal = normalize_url(url)
        if normal is None:
            return unsaved_add_shape(url)  # quirk §6.13: answered, but NOT saved
        now = self.now()
        item = self._store(username, url, normal, title, tags, when, now)
        if count:
            self.add_counts[normal] = self.add_counts.get(normal, 0) + 1
        return add_shape(item, now)

    def seed(self, username: str, url: str, title: str, tags: list[str]) -> str:
        with self.lock:
            self.add_user(username)
            return str(self._save(username, url, title, tags, None, count=False)["item_id"])

    # --- changes made elsewhere (another device, the server's resolver) ---------------------

    def seed_many(self, username: str, seeds: Iterable[Seed]) -> list[str]:
        """Bulk seed under one lock, without rendering; returns the item ids in order.

        Like `seed` (a re-add for a URL already there), then the entry's status and favorite
        are set. FAKE CHOICE: time_read / time_favorited are the entry's time_added.
        """
        with self.lock:
            self.add_user(username)
            now = self.now()
            ids: list[str] = []
            for seed in seeds:
                normal = normalize_url(seed.url)
                if normal is None:
                    raise ValueError(f"not an http(s) URL: {seed.url!r}")
                item = self._store(username, seed.url, normal, seed.title, list(seed.tags),
                                   seed.time_added, now)
                archived = seed.status == STATUS_ARCHIVED
                item.status, item.time_read = seed.status, item.time_added if archived else 0
                item.favorite = seed.favorite
                item.time_favorited = item.time_added if seed.favorite else 0
                ids.append(item.item_id)
            return ids

    def _item_id(self, username: str, ref: str | int) -> str:
        """The id of a live item of `username` named by item_id or URL; KeyError if none."""
        try:
            item_id = parse_item_id(ref)
        except ValueError:
            item_id = None if isinstance(ref, int) else self.registry.lookup(ref)
        if item_id is None or self.users[username].get(item_id) is None:
            raise KeyError(f"no item {ref!r} in the list of {username!r}")
        return item_id

    def _act(self, username: str, actions: list[object]) -> None:
        """Run /v3/send actions as another client of `username` would, now."""
        ctx = SendContext(self.users[username], self.now(), self._saver(username),
                          self.registry.url_for, self.registry.lookup)
        results, errors = run_actions(actions, ctx)
        if not all(r is True for r in results):
            raise RuntimeError(f"fake edit failed: {errors}")

    def edit(
        self, username: str, ref: str | int, *, status: int | None, favorite: bool | None,
        tags: list[str] | None, title: str | None,
    ) -> str:
        """Change an item through the same /v3/send actions another client would send."""
        with self.lock:
            item_id = self._item_id(username, ref)
            actions: list[object] = []
            if status is not None:
                actions.append("archive" if status == STATUS_ARCHIVED else "readd")
            if favorite is not None:
                actions.append("favorite" if favorite else "unfavorite")
            if tags is not None:
                actions.append("tags_replace")
            self._act(username, [{"action": a, "item_id": item_id, "tags": tags or []}
                                 for a in actions])
            item = self.users[username].get(item_id)
            assert item is not None
            if title is not None:
                item.title = title  # FAKE CHOICE: v3 has no title edit; the web app had one
            item.time_updated = self.now()  # even a no-op edit is a change since `since`
            return item_id

    def remove(self, username: str, ref: str | int) -> str:
        """Delete an item as another client would (a status-2 stub for `since` readers)."""
        with self.lock:
            item_id = self._item_id(username, ref)
            self._act(username, [{"action": "delete", "item_id": item_id}])
            return item_id

    def merge_url(self, url: str, into_url: str) -> str:
        """From now on the server resolves `url` to `into_url`; returns into_url's item id.

        FAKE CHOICE, a simple model of Pocket's resolver (the real rules are unknown):
        * an add of `url` (or a send action naming it) acts on the item of `into_url`: same
          item_id; an existing item keeps its given_url (that of its first save); a new one
          gets given_url = `url` and resolved_url = `into_url`;
        * an item a user already has for `url` itself is folded into the item of `into_url`
          (`UserItems.fold`: tags merged), and deleted: a status-2 stub for `since` readers;
        * merges chain (a -> b, then b -> c sends a to c); one making a cycle is a ValueError;
        * applies to every user (item ids are global per URL).
        """
        normal, into_normal = normalize_url(url), normalize_url(into_url)
        if normal is None or into_normal is None:
            raise ValueError(f"not http(s) URLs: {url!r}, {into_url!r}")
        with self.lock:
            self.registry.alias(normal, into_url)
            target, resolved = self.registry.resolve(normal)
            into_id = self.registry.id_for(target, resolved or into_url)
            old_id, now = self.registry.direct_id(normal), self.now()
            if old_id is not None and old_id != into_id:
                for items in self.users.values():
                    items.fold(old_id, into_id, resolved or into_url, now)
            return into_id

    def _saver(self, username: str) -> Callable[[str, str, list[str], int | None], JsonDict]:
        def save(url: str, title: str, tags: list[str], when: int | None) -> JsonDict:
            return self._save(username, url, title, tags, when)

        return save

    def add(self, username: str, params: Mapping[str, object]) -> JsonDict:
        url = text(params.get("url")).strip()
        tags = parse_tags(params.get("tags"))
        try:
            when = parse_time(params.get("time"))
        except ValueError as exc:
            raise e.BAD_REQUEST.error() from exc
        if not url or tags is None:
            raise e.BAD_REQUEST.error()
        with self.lock:
            return {"item": self._save(username, url, text(params.get("title")), tags, when),
                    "status": 1}

    def send(self, username: str, params: Mapping[str, object]) -> JsonDict:
        actions = parse_actions(params.get("actions"))
        with self.lock:
            ctx = SendContext(self.users[username], self.now(), self._saver(username),
                              self.registry.url_for, self.registry.lookup)
            results, errors = run_actions(actions, ctx)
        return {"action_results": results, "action_errors": errors, "status": 1}

    def get(self, username: str, params: Mapping[str, object]) -> JsonDict:
        try:
            query = parse_query(params)
        except ValueError as exc:
            raise e.BAD_REQUEST.error() from exc
        with self.lock:
            return run_query(self.users[username], query, self.count_cap, self.now())

    # --- inspection ----------------------------------------------------------------------

    def items_of(self, username: str | None = None, include_deleted: bool = False) -> JsonDict:
        """item_id -> item as /v3/get complete renders it (newest first)."""
        with self.lock:
            items = [i for i in self.users[username or self.default_user]
                     if include_deleted or not i.deleted]
            items.sort(key=lambda i: i.sort_key, reverse=True)
            return {i.item_id: get_shape(i, n, True) for n, i in enumerate(items)}

    def add_count(self, url: str) -> int:
        with self.lock:
            return self.add_counts.get(normalize_url(url) or url, 0)

    def snapshot(self) -> JsonDict:
        """Everything /_fake/state shows."""
        with self.lock:
            return {
                "users": {name: self.items_of(name) for name in self.users},
                "add_counts": dict(self.add_counts),
                "request_tokens": {c: t.status for c, t in self.request_tokens.items()},
                "issued_tokens": list(self.grants),
                "revoked_tokens": [t for t, g in self.grants.items() if g.revoked],
            }
