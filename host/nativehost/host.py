"""``pocket-companion-host``: what the browser starts.

One reader thread takes frames off the pipe in order. Quick actions are answered
at once; network work runs, in order, on one network thread; a login runs on a
thread of its own so the port keeps serving while the user signs in. Every
request gets exactly one reply. At the end of input the host finishes queued
work and exits; a stream that can no longer be trusted ends it with a logged
reason.

While fetching pages is on (the ``fetch_articles`` preference), the article fetcher
(:mod:`pocket_companion.articles.fetcher`) runs on a thread of its own, from just after the
first request that opens the reading list (a ``hello`` alone does not): it fetches the pages
waiting for a readable copy, sleeps until the next one is due, and wakes when pages are
queued.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from functools import cached_property

from pocket_companion.actions import Context, Later
from pocket_companion.config import data_folder
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import CompanionError, InvalidFrame, ReplyTooLarge
from pocket_companion.logs import configure, get_logger, ready
from pocket_companion.nativehost import framing
from pocket_companion.nativehost.caller import Caller, check_allowed, identify
from pocket_companion.nativehost.dispatch import Call, RequestError, fail, parse, run
from pocket_companion.nativehost.stdio import claim_protocol_pipes

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from typing import Any

    from pocket_companion.account.login.openers import Opener
    from pocket_companion.account.secrets.keychain import TokenStore
    from pocket_companion.articles.fetcher import Fetcher
    from pocket_companion.nativehost.dispatch import Reply

log = get_logger("pocket_companion.host")
STARTUP_SYNC_DELAY = 0.5
FETCHER_START = 0.5  # seconds from the request that starts the fetcher to its start
FETCHER_EXIT = 2.0  # seconds the fetcher has to stop at the end; then it is left behind


class Host:
    def __init__(self, reader: framing.RawReader, writer: framing.FrameWriter,
                 companion: Companion, caller: Caller) -> None:
        self.reader, self.writer, self.companion, self.caller = reader, writer, companion, caller
        self.logins: dict[threading.Event, threading.Thread] = {}
        self._timer: threading.Timer | None = None
        self._closing = False
        self._first_sync = True  # the start-up sync retries at once what waits
        self._lock = threading.Lock()
        self.fetcher: Fetcher | None = None
        self._fetching: threading.Thread | None = None
        self._stop_fetching = threading.Event()
        companion.on_fetches = self.fetches_changed
        try:
            check_allowed(caller)
            self.refusal: CompanionError | None = None
        except CompanionError as exc:
            log.warning("refusing caller %r", caller.identity)
            self.refusal = exc

    @cached_property
    def network(self) -> ThreadPoolExecutor:
        """The one thread that does network work, in order (made on first use)."""
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="network")

    @cached_property
    def puller(self) -> ThreadPoolExecutor:
        """The thread that pulls the account's changes, beside the requests' network work."""
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull")

    def send(self, reply: Reply | dict[str, Any]) -> None:
        try:
            try:
                self.writer.write(reply)
            except ReplyTooLarge as exc:
                self.writer.write(fail(reply.get("id"), exc))
        except OSError as exc:
            log.info("the browser closed the pipe before a reply (%s)", type(exc).__name__)

    def serve(self) -> int:
        first = True
        while True:
            try:
                body = framing.read_frame(self.reader)
            except framing.StreamError as exc:
                log.error("stopping: the input stream is broken: %s", exc)
                self.send(fail(None, InvalidFrame(str(exc))))
                self.close()
                return 1
            if body is None:
                break
            self.handle(body)
            if first:
                first = False
                self.started()
        self.close()
        return 0

    def started(self) -> None:
        """After the first reply: what need not delay it (logging, the start-up sync)."""
        ready()
        log.info("started by %s %s", self.caller.browser, self.caller.identity or "(unknown)")
        self.schedule_sync(STARTUP_SYNC_DELAY)

    def handle(self, body: bytes) -> None:
        try:
            call = parse(body)
            if self.refusal:
                raise RequestError(call.request_id, self.refusal)
        except RequestError as exc:
            self.send(fail(exc.request_id, exc.error))
            return
        except CompanionError as exc:
            self.send(fail(None, exc))
            return
        if call.action.kind == "login":
            self._start_login(call)
        elif call.action.kind == "network":
            self.network.submit(self._network_reply, call, self.context(call))
        else:
            self._reply(call, self.context(call))
        if self._fetching is None and "store" in self.companion.__dict__:
            self.fetches_changed()  # the list is open: pages may be waiting from before

    def context(self, call: Call, cancel: threading.Event | None = None) -> Context:
        def progress(stage: str, data: dict[str, Any]) -> None:
            self.send({"id": call.request_id, "event": "progress",
                       "data": {"stage": stage, **data}})

        return Context(self.caller, progress, cancel or threading.Event(), self.cancel_logins)

    def _reply(self, call: Call, ctx: Context) -> None:
        result = run(call, self.companion, ctx)
        if isinstance(result, Later):
            self.network.submit(self._finish, result)
        else:
            self.send(result)

    def _network_reply(self, call: Call, ctx: Context) -> None:
        self._reply(call, ctx)
        self.schedule_sync(None)

    def _finish(self, later: Later) -> None:
        self.send(later.run())
        self.schedule_sync(None)

    def _start_login(self, call: Call) -> None:
        """A new login replaces one in progress (its window closes, it ends cancelled)."""
        self.cancel_logins()
        cancel = threading.Event()
        thread = threading.Thread(target=self._login, args=(call, cancel), name="login")
        with self._lock:
            self.logins[cancel] = thread
        thread.start()

    def _login(self, call: Call, cancel: threading.Event) -> None:
        try:
            self._reply(call, self.context(call, cancel))
        finally:
            with self._lock:
                self.logins.pop(cancel, None)
            self.schedule_sync(0.0)

    def cancel_logins(self) -> int:
        with self._lock:
            for cancel in self.logins:
                cancel.set()
            return len(self.logins)

    def schedule_sync(self, delay: float | None) -> None:
        """Sync in the background after ``delay`` s (None: when the queue is next due, or
        the next pull, whichever comes first)."""
        if self._closing or self.refusal or not self.companion.config.load().username:
            return
        if delay is None:
            syncer = self.companion.syncer
            due = syncer.outbox.next_due()
            pull = syncer.pull_due()
            held, _ = syncer.held_for()
            wait = pull if due is None else min(due - time.time(), pull)
            delay = min(max(wait, held, 1.0), 900.0)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(delay, self._background_sync, (delay == 0.0 or
                                                                       self._first_sync,))
            self._first_sync = False
            self._timer.daemon = True
            self._timer.start()

    def _background_sync(self, retry_now: bool) -> None:
        with contextlib.suppress(RuntimeError):  # raised once the host is shutting down
            self.network.submit(self._sync_then_reschedule, retry_now)

    def _sync_then_reschedule(self, retry_now: bool) -> None:
        """Push what waits; at a start or after a login (``retry_now``), and when one is
        due, a pull follows on a thread of its own, so that requests (a save's push) need
        not wait for it."""
        if self.companion.store.pending_count():
            self.companion.sync_quietly(retry_now=retry_now)
        if retry_now or not self.companion.syncer.pull_due():
            with contextlib.suppress(RuntimeError):  # the host is shutting down
                self.puller.submit(self._pull_then_reschedule, retry_now)
                return
        self.schedule_sync(None)

    def _pull_then_reschedule(self, retry_now: bool) -> None:
        self.companion.sync_quietly(retry_now=retry_now, pull=True, push=False)
        self.schedule_sync(None)

    def fetches_changed(self, due: float | None = None) -> None:
        """Pages joined the fetch queue (due at ``due``, if known), or the preferences
        changed: the fetcher looks again, or starts if fetching is on (never while the host
        closes)."""
        with self._lock:
            if self._closing or self.refusal:
                return
            if self.fetcher is not None:
                self.fetcher.wake(due)
                return
            if self._fetching is not None or not self.companion.fetching():
                return  # starting already, or nothing to start
            self._fetching = threading.Thread(target=self._fetch, name="fetcher", daemon=True)
            self._fetching.start()

    def _fetch(self) -> None:
        """The fetcher's thread. It loads the fetcher a moment after the request that
        started it, so that no reply waits for those modules; it sees every due page then."""
        if self._stop_fetching.wait(FETCHER_START):
            return
        from pocket_companion.articles.fetcher import Fetcher

        fetcher = Fetcher(self.companion.claim_fetches, self.companion.finish_fetch,
                          clock=self.companion.deps.clock, due=self._next_fetch)
        with self._lock:
            self.fetcher = fetcher
        fetcher.run(self._stop_fetching)

    def _next_fetch(self) -> float | None:
        """When the next page is due for a fetch (None: none is, or fetching is off)."""
        return self.companion.articles.next_due() if self.companion.fetching() else None

    def _release_fetches(self) -> None:
        """The pages this host holds for a fetch are free for the next host at once."""
        import sqlite3  # loaded already: the fetcher ran

        try:
            self.companion.articles.release()
        except (sqlite3.Error, CompanionError) as exc:  # free when their lease ends
            log.warning("could not release the pages held for a fetch: %s", exc)

    def close(self) -> None:
        """Finish queued work; a login in progress is cancelled (its window closed), a
        fetch in progress is left to the next host (its page stays queued, free to take)."""
        with self._lock:
            self._closing = True
            if self._timer is not None:
                self._timer.cancel()
            logins = list(self.logins.values())
        self.cancel_logins()
        self._stop_fetching.set()
        if self._fetching is not None:
            if self.fetcher is not None:
                self.fetcher.wake()
            self._fetching.join(timeout=FETCHER_EXIT)
            self._release_fetches()
        for thread in logins:
            thread.join(timeout=5)
        for pool in ("network", "puller"):
            if pool in self.__dict__:
                getattr(self, pool).shutdown(wait=True)


def refuse_all(reader: framing.RawReader, writer: framing.FrameWriter,
               error: CompanionError) -> int:
    """Answer every request with ``error``: the host cannot work, but it says why."""
    while True:
        try:
            body = framing.read_frame(reader)
        except framing.StreamError:
            return 1
        if body is None:
            return 0
        try:
            request_id = parse(body).request_id
        except RequestError as exc:
            request_id = exc.request_id
        except CompanionError:
            request_id = None
        writer.write(fail(request_id, error))


def helper_tokens() -> TokenStore:
    """The host's keychain: read by the helper process (the host never loads keyring), with
    the session's token agent in front of it. Loaded when a handler first needs it."""
    from pocket_companion.account.secrets.keyagent import TokenCache
    from pocket_companion.account.secrets.keyhelper import HelperTokenStore

    return HelperTokenStore(TokenCache.from_env())


def main(opener: Opener | None = None) -> int:
    """The host as browsers start it; ``opener`` replaces the login window (tests)."""
    reader, out = claim_protocol_pipes()
    writer = framing.FrameWriter(out)
    try:
        home = data_folder()
    except CompanionError as exc:  # a data folder other users could change: not used
        print(f"pocket-companion-host: {exc.message}", file=sys.stderr)
        return refuse_all(reader, writer, exc)
    configure(os.path.join(home, "logs"))
    caller = identify(sys.argv[1:])
    companion = Companion(home, Deps(make_tokens=helper_tokens, opener=opener))
    host = Host(reader, writer, companion, caller)
    return host.serve()


if __name__ == "__main__":
    sys.exit(main())
