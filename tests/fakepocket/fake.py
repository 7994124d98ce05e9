"""FakePocket: a real HTTP fake of the Pocket v3 API on 127.0.0.1, for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from .faults import Fault, FaultQueue
from .items import Seed, normalize_url, parse_status, parse_tags
from .model import Call, CallLog, Options, ServerContext
from .server import PocketHTTPServer
from .state import PocketState

JsonDict = dict[str, Any]
SeedEntry = Mapping[str, Any] | Sequence[Any]


class FakePocket:
    """A faithful fake Pocket v3 server (legacy response shapes, see the protocol notes).

    `with FakePocket() as fake:` serves on 127.0.0.1:<free port> in a daemon thread.
    """

    CONSUMER_KEY = "1234-abcd1234abcd1234abcd1234"

    def __init__(
        self,
        consumer_keys: Mapping[str, str] | None = None,
        username: str = "pocketuser",
        count_cap: int | None = 30,
        user_limit: int = 320,
        key_limit: int = 10000,
        clock: Callable[[], float] = time.time,
        redirect_mode: str = "302",
        *,
        port: int = 0,
        control: bool = True,
        auto_approve: bool = False,
        app_name: str = "Pocket Companion",
        verbose: bool = False,
    ) -> None:
        if redirect_mode not in ("302", "js"):
            raise ValueError('redirect_mode must be "302" or "js"')
        keys = dict(consumer_keys) if consumer_keys is not None else {self.CONSUMER_KEY: "amd"}
        if not keys:
            raise ValueError("at least one consumer key is needed")
        self.state = PocketState(
            consumer_keys=keys, username=username, count_cap=count_cap,
            user_limit=user_limit, key_limit=key_limit, clock=clock,
        )
        options = Options(redirect_mode, auto_approve, app_name, control, verbose)
        self._ctx = ServerContext(self.state, options, FaultQueue(), CallLog())
        self._port = port
        self._server: PocketHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakePocket:
        """Serve (again) on 127.0.0.1; a restart reuses the port of the first start."""
        with self._lifecycle:
            if self._server is None:
                server = PocketHTTPServer(("127.0.0.1", self._port), self._ctx)
                self._port = int(server.server_address[1])
                thread = threading.Thread(
                    target=server.serve_forever, kwargs={"poll_interval": 0.02},
                    name=f"fakepocket:{self._port}", daemon=True,
                )
                thread.start()
                self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections; state is kept for a later start()."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakePocket:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakePocket was never started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- behaviour switches --------------------------------------------------------------

    @property
    def username(self) -> str:
        return self.state.default_user

    @property
    def auto_approve(self) -> bool:
        return self._ctx.options.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: bool) -> None:
        self._ctx.options.auto_approve = value

    @property
    def redirect_mode(self) -> str:
        return self._ctx.options.redirect_mode

    @redirect_mode.setter
    def redirect_mode(self, value: str) -> None:
        if value not in ("302", "js"):
            raise ValueError('redirect_mode must be "302" or "js"')
        self._ctx.options.redirect_mode = value

    def inject(self, fault: Fault, times: int = 1, path: str | None = None) -> None:
        """Apply `fault` to the next `times` requests whose path starts with `path`."""
        self._ctx.faults.inject(fault, times, path)

    def clear_faults(self) -> None:
        """Forget every fault; the requests a slow fault holds are answered now."""
        self._ctx.faults.clear()

    def add_user(self, name: str) -> None:
        self.state.add_user(name)

    def reset_limits(self) -> None:
        self.state.reset_limits()

    def reset(self) -> None:
        """Forget items, tokens, counters, limits, faults and calls."""
        self.state.reset()
        self._ctx.faults.clear()
        self._ctx.calls.clear()

    # --- auth helpers --------------------------------------------------------------------

    def approve(self, request_token: str, user: str | None = None) -> None:
        self.state.decide(request_token, True, user)

    def reject(self, request_token: str) -> None:
        self.state.decide(request_token, False)

    def request_token_status(self, request_token: str) -> str:
        """pending | approved | rejected | used."""
        return self.state.find_request_token(request_token).status

    def issue_token(self, username: str | None = None, consumer_key: str | None = None) -> str:
        """An access token without the OAuth dance."""
        return self.state.issue(username, consumer_key).access_token

    def revoke(self, access_token: str) -> bool:
        return self.state.revoke(access_token)

    @property
    def issued_tokens(self) -> list[str]:
        with self.state.lock:
            return list(self.state.grants)

    # --- inspection ----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self._ctx.calls.all()

    def call_count(self, path_prefix: str = "") -> int:
        return self._ctx.calls.count(path_prefix.rstrip("/"))

    def items(self, username: str | None = None, include_deleted: bool = False) -> JsonDict:
        """item_id -> item (rendered like /v3/get detailType=complete), newest first."""
        return self.state.items_of(username, include_deleted)

    def add_count(self, url: str) -> int:
        """How many adds (/v3/add or send `add`) were processed for this URL."""
        return self.state.add_count(url)

    def seed(
        self, url: str, username: str | None = None, title: str = "",
        tags: Iterable[str] = (),
    ) -> str:
        """Put an item in a list without an API call (not counted by add_count)."""
        if normalize_url(url) is None:
            raise ValueError(f"not an http(s) URL: {url!r}")
        clean = parse_tags(list(tags)) or []
        return self.state.seed(username or self.username, url, title, clean)

    # --- the list changed elsewhere (another device, the server) ---------------------------
    #
    # Each change stamps the item's time_updated with the server's now, so a /v3/get with
    # `since` <= now reports it (deletions as {"item_id", "status": "2"} stubs). `since` is
    # inclusive: advance() the clock between a sync and a change to make that deterministic.

    @property
    def now(self) -> int:
        """The server's current time (unix seconds): what /v3/get answers as `since`."""
        return self.state.now()

    def advance(self, seconds: float) -> int:
        """Move the server's clock (injected `clock` or time.time) forward; the new now."""
        return self.state.advance(seconds)

    def seed_many(self, entries: Iterable[SeedEntry], username: str | None = None) -> list[str]:
        """Put many items in a list at once (10,000 in about 0.1 s); their item ids in order.

        Each entry is {"url", "title", "tags", "time_added", "status", "favorite"} (only url
        is required) or a tuple of those in that order: time_added is unix seconds (default:
        now) and sets the sort_key of sort=newest/oldest; status is "unread" (default) or
        "archived"; favorite a bool. All entries are checked (ValueError) before any is
        stored. Not counted by add_count; a URL already in the list is re-added.
        """
        seeds = [Seed.of(entry) for entry in entries]
        return self.state.seed_many(username or self.username, seeds)

    def edit(
        self, item_id_or_url: str | int, *, status: str | None = None,
        favorite: bool | None = None, tags: Iterable[str] | None = None,
        title: str | None = None, username: str | None = None,
    ) -> str:
        """Change a live item as another device would; returns its item id.

        status "unread" | "archived"; favorite; tags replaces all tags (cleaned as the API
        does); title. None leaves a field alone; even an edit changing nothing moves
        time_updated. KeyError when the item is not in the list (or deleted).
        """
        code = None if status is None else parse_status(status)
        clean = None if tags is None else parse_tags(list(tags))
        if tags is not None and clean is None:
            raise ValueError(f"invalid tags: {tags!r}")
        return self.state.edit(username or self.username, item_id_or_url, status=code,
                               favorite=favorite, tags=clean, title=title)

    def remove(self, item_id_or_url: str | int, username: str | None = None) -> str:
        """Delete a live item as another device would; returns its item id (KeyError if none)."""
        return self.state.remove(username or self.username, item_id_or_url)

    def merge_url(self, url: str, into_url: str) -> str:
        """The server now resolves `url` to `into_url` (for every user); into_url's item id.

        Adds of `url` hit the item of `into_url`; an item already saved for `url` is folded
        into it (tags merged) and deleted. See PocketState.merge_url for the exact model.
        """
        return self.state.merge_url(url, into_url)
