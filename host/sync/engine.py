"""Two-way sync with the connected account: queued changes out, exactly once; the
account's changes in.

A push runs after each save, after login, on ``sync``, when the host starts and when
queued changes are due. Changes go out in batches of the service's size (30 for Pocket).
Before an add whose earlier attempt may have reached the server is sent again, the service
is asked whether it has the URL already (:meth:`find_saved`); adds it has are settled
without resending (a service whose re-add merges may be sent the add again when it will not
say; any other keeps the add waiting). Failures leave changes queued with a back-off; a rate
limit or an unreachable server also holds inline syncs (after saves) for a while so saves
stay instant.

A pull (:mod:`.remote` applies it) follows the push when the host starts, after a login, on
``sync`` and every :data:`PULL_EVERY` seconds, never inline after a save. Each page is
committed alone; the service's cursor is stored only once the last page is, so a pull cut
short is simply done again. Expired credentials are refreshed (and stored) before an
account is declared logged out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from pocket_companion.config import Config, Settings
from pocket_companion.errors import (
    CompanionError,
    Forbidden,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
)
from pocket_companion.library.outbox import Claimed, Outbox
from pocket_companion.library.remote import apply_page
from pocket_companion.library.store import ADD, Store
from pocket_companion.services import spec_of
from pocket_companion.services.base import (
    ChangeResult,
    Credentials,
    Interrupted,
    ReadingService,
)

if TYPE_CHECKING:
    from pocket_companion.account.secrets.keychain import TokenStore

ServiceFactory = Callable[[Settings], ReadingService]
OFFLINE_HOLD = 30.0
PULL_EVERY = 900.0  # seconds between pulls of a host that stays up
REFRESH_MARGIN = 60.0  # credentials this close to their expiry are refreshed first
# Batches claimed at once: fewer transactions; the claim's lease (outbox.LEASE_SECONDS)
# covers them all at the client's longest request (25 s).
CLAIM_BATCHES = 8


class _Cut(Exception):
    """A batch pushed in part: the changes answered, the rest, and why they were not."""

    def __init__(self, done: list[tuple[Claimed, ChangeResult]], rest: list[Claimed],
                 error: CompanionError) -> None:
        super().__init__(error.message)
        self.done, self.rest, self.error = done, rest, error


class Syncer:
    def __init__(self, store: Store, outbox: Outbox, config: Config, tokens: TokenStore,
                 service_factory: ServiceFactory) -> None:
        self.store, self.outbox, self.config = store, outbox, config
        self.tokens, self.service_factory = tokens, service_factory
        self._lock = threading.Lock()  # one push at a time
        self._pulling = threading.Lock()  # one pull at a time, beside pushes
        self._cached: tuple[tuple[str, int], Credentials] | None = None

    def held_for(self) -> tuple[float, str]:
        """Seconds inline syncs are still held, and why ("rate_limited", "offline")."""
        meta = self.store.get_meta("hold_until", "hold_reason")
        until = float(meta.get("hold_until", 0))
        return max(0.0, until - self.store.clock()), meta.get("hold_reason", "")

    def _hold(self, seconds: float, reason: str) -> None:
        self.store.set_meta(hold_until=str(self.store.clock() + seconds), hold_reason=reason)

    def pull_due(self) -> float:
        """Seconds until the next pull of a host that stays up (0: now)."""
        last = self.store.get_meta("last_pull").get("last_pull")
        return max(0.0, float(last or 0) + PULL_EVERY - self.store.clock())

    def run(self, *, force: bool = False, retry_now: bool = False, pull: bool = False,
            push: bool = True) -> tuple[int, int]:
        """Push what is due (unless ``push`` is false), then pull (with ``pull``), and raise
        on a failed call; return how many changes went and how many of the account's items
        came.

        ``retry_now`` (a host starting) retries at once what waits for a back-off or
        for the server to come back; ``force`` (an explicit sync) also reports a rate
        limit as an error instead of quietly waiting for its reset.
        """
        settings = self.config.load()
        if not settings.username and force:
            raise NotAuthenticated("no account is connected: log in first")
        if not settings.username:
            return 0, 0
        held, reason = self.held_for()
        if held and reason == "rate_limited" and force:
            raise RateLimited(f"the server asked to wait; retry in {held:.0f} s", held)
        if held and (reason == "rate_limited" or not (force or retry_now)):
            return 0, 0
        service = self.service_factory(settings)  # loads the HTTP stack while the keychain is read
        creds = self._credentials(settings, service)
        synced = 0
        if push:
            with self._lock:
                synced = self._signed_in(settings, service, creds, lambda c: self._push_all(
                    service, c, settings, force or retry_now))
        pulled = self._signed_in(  # saves meanwhile push without waiting for it
            settings, service, creds, lambda c: self._pull(service, c)) if pull else 0
        if held:
            self._hold(0.0, "")
        return synced, pulled

    def prepare(self) -> None:
        """A sync follows soon: have the credentials read meanwhile, if not at hand."""
        if self._cached is not None and self._cached[0][1] == self.config.stamp():
            return  # the config is unchanged since they were read: nothing to do
        settings = self.config.load()
        if not settings.username or self.held_for()[0]:
            return
        stamp = (settings.keychain_name, self.config.stamp())
        if self._cached is None or self._cached[0] != stamp:
            self.tokens.prefetch(settings.keychain_name)

    def _credentials(self, settings: Settings, service: ReadingService) -> Credentials:
        """The account's credentials, read from the keychain once per login (a D-Bus round
        trip on Linux costs ~10 ms) and refreshed when about to expire; any write of the
        config (login, logout) reads them again."""
        stamp = (settings.keychain_name, self.config.stamp())
        if self._cached is not None and self._cached[0] == stamp:
            creds = self._cached[1]
        else:
            text = self.tokens.get(settings.keychain_name)
            if text is None:
                self.config.update(username=None)
                raise NotAuthenticated("the login is gone from the keychain; log in again")
            creds = Credentials.from_text(text)
        if creds.expires_at is not None and creds.expires_at - self.store.clock() < REFRESH_MARGIN:
            creds = self._refresh(settings, service, creds)
        self._cached = (stamp, creds)
        return creds

    def _refresh(self, settings: Settings, service: ReadingService, creds: Credentials
                 ) -> Credentials:
        """New credentials, stored; without them the account is logged out."""
        fresh = service.refresh(creds)
        if fresh is None:
            self._forget(settings)
            raise NotAuthenticated("the login has expired; log in again")
        self.tokens.set(settings.keychain_name, fresh.to_text())
        self._cached = ((settings.keychain_name, self.config.stamp()), fresh)
        return fresh

    def _signed_in(self, settings: Settings, service: ReadingService, creds: Credentials,
                   work: Callable[[Credentials], int]) -> int:
        """``work`` with the newest credentials (a refresh may have replaced ``creds``); when
        they are refused, once more with refreshed ones (none: the account is logged out)."""
        if self._cached is not None:
            creds = self._cached[1]
        try:
            return work(creds)
        except NotAuthenticated:
            fresh = self._refresh(settings, service, creds)
        try:
            return work(fresh)
        except NotAuthenticated:
            self._forget(settings)
            raise

    def _forget(self, settings: Settings) -> None:
        self._cached = None
        self.tokens.delete(settings.keychain_name)
        self.config.update(username=None)

    def _push_all(self, service: ReadingService, creds: Credentials, settings: Settings,
                  force: bool) -> int:
        """Send batch after batch. Changes are claimed a few batches at a time, and the
        answers to them are recorded in the transaction that claims the next ones."""
        synced = 0
        tried: set[int] = set()
        answered: list[tuple[Claimed, ChangeResult]] = []
        size = service.batch_size
        while claimed := self.outbox.claim(size * CLAIM_BATCHES, force=force, skip=tried,
                                           settle=answered):
            tried.update(c.seq for c in claimed)
            answered = []
            for start in range(0, len(claimed), size):
                batch = claimed[start:start + size]
                try:
                    delivered, done = self._send(service, creds, batch, settings)
                except (CompanionError, _Cut) as exc:
                    cut = exc if isinstance(exc, _Cut) else _Cut([], batch, exc)
                    answered += cut.done
                    self.outbox.settle([c for c, _ in answered], [r for _, r in answered])
                    self.outbox.unclaim(claimed[start + size:])
                    self._failed(cut.rest, cut.error)
                    raise cut.error from None
                answered += done
                synced += delivered + sum(result.ok for _, result in done)
        return synced

    def _send(self, service: ReadingService, creds: Credentials, batch: list[Claimed],
              settings: Settings) -> tuple[int, list[tuple[Claimed, ChangeResult]]]:
        """Send the batch but the adds the server already has (settled here, and counted);
        returns that count and the server's answer to each change sent."""
        delivered = self._already_there(service, creds, batch, settings)
        if delivered:
            self.outbox.mark_delivered([c for c in batch if c.seq in delivered], delivered)
        rest = [c for c in batch if c.seq not in delivered]
        try:
            results = service.push(creds, [c.change for c in rest]) if rest else []
        except Interrupted as stopped:
            raise _Cut([(rest[i], result) for i, result in stopped.answered.items()],
                       [c for i, c in enumerate(rest) if i not in stopped.answered],
                       stopped.error) from None
        return len(delivered), list(zip(rest, results, strict=True))

    def _already_there(self, service: ReadingService, creds: Credentials,
                       batch: list[Claimed], settings: Settings) -> dict[int, str]:
        """Uncertain adds the server already has, by queue sequence number. Where a re-add
        merges, an add with tags is sent again instead (a service that tags with a second
        call may have saved the page without them)."""
        merges = spec_of(settings.service).re_add_merges
        uncertain = [c for c in batch if c.sent_at is not None and c.change.op == ADD
                     and not (merges and c.change.tags)]
        if not uncertain:
            return {}
        since = min(c.sent_at or 0.0 for c in uncertain)
        try:
            found = service.find_saved(creds, [c.change.url for c in uncertain], since)
        except Forbidden:
            if merges:
                return {}  # the service will not say, and a second add is harmless
            raise
        return {c.seq: found[c.change.url] for c in uncertain if c.change.url in found}

    def _pull(self, service: ReadingService, creds: Credentials) -> int:
        """The account's changes since the last pull, a committed page at a time; the
        cursor is kept once the last page is. Returns how many items came (0 when a pull of
        this host is already under way).

        Pushes go on meanwhile: a page is not applied to the pages that had changes queued
        or in flight when it was fetched (the page may predate them; the next pull brings
        the server's state)."""
        if not self._pulling.acquire(blocking=False):
            return 0
        try:
            return self._pull_pages(service, creds)
        except CompanionError as exc:
            self._hold_after(exc)
            raise
        finally:
            self._pulling.release()

    def _pull_pages(self, service: ReadingService, creds: Credentials) -> int:
        pages = service.pull(creds, self.store.get_meta("pull_cursor").get("pull_cursor"),
                             self.store.remote_ids())
        count = 0
        while True:
            in_flight = self.outbox.queued_items()
            page = next(pages, None)
            if page is None:
                return count
            with self.store.db.write(durable=True) as conn:
                apply_page(conn, page.items, self.store.clock(), in_flight)
                if page.cursor is not None:
                    conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                     [("pull_cursor", page.cursor),
                                      ("last_pull", str(self.store.clock()))])
            count += len(page.items)

    def _failed(self, batch: list[Claimed], exc: CompanionError) -> None:
        sent = isinstance(exc, ServiceUnavailable) and exc.sent
        retry_in = (exc.retry_after if isinstance(exc, RateLimited)
                    else 0.0 if isinstance(exc, NotAuthenticated) else None)  # renewed next
        self.outbox.release(batch, sent=sent, error=exc.message, retry_in=retry_in)
        self._hold_after(exc)

    def _hold_after(self, exc: CompanionError) -> None:
        """A rate limit or an unreachable server holds inline syncs for a while."""
        if isinstance(exc, RateLimited):
            self._hold(exc.retry_after, "rate_limited")
        elif isinstance(exc, ServiceUnavailable):
            self._hold(OFFLINE_HOLD, "offline")
