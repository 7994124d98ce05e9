"""Pushing queued changes to the connected account, exactly once.

Runs after each save, after login, on ``sync`` and when the host starts. Changes
go out in batches of the service's size (30 for Pocket). Before an add whose
earlier attempt may have reached the server is sent again, the server is asked
what changed since then; adds it already has are settled without resending.
Failures leave changes queued with a back-off; a rate limit or an unreachable
server also holds inline syncs (after saves) for a while so saves stay instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from .config import Config, Settings
from .errors import (
    CompanionError,
    Forbidden,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
)
from .outbox import Claimed, Outbox
from .service import ChangeResult, ReadingService
from .store import ADD, Store
from .urls import url_key

if TYPE_CHECKING:
    from .keychain import TokenStore

ServiceFactory = Callable[[Settings], ReadingService]
OFFLINE_HOLD = 30.0
# Batches claimed at once: fewer transactions; the claim's lease (outbox.LEASE_SECONDS)
# covers them all at the client's longest request (25 s).
CLAIM_BATCHES = 8
_RECONCILE_SLACK = 600.0


def _key(url: str) -> str | None:
    try:
        return url_key(url)
    except ValueError:
        return None


class Syncer:
    def __init__(self, store: Store, outbox: Outbox, config: Config, tokens: TokenStore,
                 service_factory: ServiceFactory) -> None:
        self.store, self.outbox, self.config = store, outbox, config
        self.tokens, self.service_factory = tokens, service_factory
        self._lock = threading.Lock()
        self._cached: tuple[tuple[str, int], str] | None = None

    def held_for(self) -> tuple[float, str]:
        """Seconds inline syncs are still held, and why ("rate_limited", "offline")."""
        meta = self.store.get_meta("hold_until", "hold_reason")
        until = float(meta.get("hold_until", 0))
        return max(0.0, until - self.store.clock()), meta.get("hold_reason", "")

    def _hold(self, seconds: float, reason: str) -> None:
        self.store.set_meta(hold_until=str(self.store.clock() + seconds), hold_reason=reason)

    def run(self, *, force: bool = False, retry_now: bool = False) -> int:
        """Push what is due and raise on a failed call; return how many changes went.

        ``retry_now`` (a host starting) retries at once what waits for a back-off or
        for the server to come back; ``force`` (an explicit sync) also reports a rate
        limit as an error instead of quietly waiting for its reset.
        """
        settings = self.config.load()
        if not settings.username and force:
            raise NotAuthenticated("no account is connected: log in first")
        if not settings.username:
            return 0
        held, reason = self.held_for()
        if held and reason == "rate_limited" and force:
            raise RateLimited(f"the server asked to wait; retry in {held:.0f} s", held)
        if held and (reason == "rate_limited" or not (force or retry_now)):
            return 0
        service = self.service_factory(settings)  # loads the HTTP stack while the token is read
        token = self._token(settings)
        with self._lock:
            synced = self._push_all(service, token, settings, force or retry_now)
        if held:
            self._hold(0.0, "")
        return synced

    def prepare(self) -> None:
        """A sync follows soon: have the token read meanwhile, if it is not at hand."""
        if self._cached is not None and self._cached[0][1] == self.config.stamp():
            return  # the config is unchanged since the token was read: nothing to do
        settings = self.config.load()
        if not settings.username or self.held_for()[0]:
            return
        stamp = (settings.keychain_name, self.config.stamp())
        if self._cached is None or self._cached[0] != stamp:
            self.tokens.prefetch(settings.keychain_name)

    def _token(self, settings: Settings) -> str:
        """The account's token, read from the keychain once per login (a D-Bus round trip
        on Linux costs ~10 ms); any write of the config (login, logout) reads it again."""
        stamp = (settings.keychain_name, self.config.stamp())
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1]
        token = self.tokens.get(settings.keychain_name)
        if token is None:
            self.config.update(username=None)
            raise NotAuthenticated("the login token is gone from the keychain; log in again")
        self._cached = (stamp, token)
        return token

    def _push_all(self, service: ReadingService, token: str, settings: Settings,
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
                    delivered, done = self._send(service, token, batch)
                except CompanionError as exc:
                    self.outbox.settle([c for c, _ in answered], [r for _, r in answered])
                    self.outbox.unclaim(claimed[start + size:])
                    self._failed(batch, exc, settings)
                    raise
                answered += done
                synced += delivered + sum(result.ok for _, result in done)
        return synced

    def _send(self, service: ReadingService, token: str, batch: list[Claimed]
              ) -> tuple[int, list[tuple[Claimed, ChangeResult]]]:
        """Send the batch but the adds the server already has (settled here, and counted);
        returns that count and the server's answer to each change sent."""
        delivered = self._already_there(service, token, batch)
        if delivered:
            self.outbox.mark_delivered([c for c in batch if c.seq in delivered], delivered)
        rest = [c for c in batch if c.seq not in delivered]
        results = service.push(token, [c.change for c in rest]) if rest else []
        return len(delivered), list(zip(rest, results, strict=True))

    def _already_there(self, service: ReadingService, token: str,
                       batch: list[Claimed]) -> dict[int, str]:
        """Uncertain adds the server already has, by queue sequence number."""
        uncertain = [c for c in batch if c.sent_at is not None and c.change.op == ADD]
        if not uncertain:
            return {}
        since = min(c.sent_at or 0.0 for c in uncertain) - _RECONCILE_SLACK
        try:
            remote = service.changed_since(token, since)
        except Forbidden:  # no permission to read the list: re-adding is harmless
            return {}
        found = {_key(item.url): item.remote_id for item in remote}
        return {c.seq: found[k] for c in uncertain if (k := _key(c.change.url)) in found}

    def _failed(self, batch: list[Claimed], exc: CompanionError, settings: Settings) -> None:
        sent = isinstance(exc, ServiceUnavailable) and exc.sent
        retry_in = exc.retry_after if isinstance(exc, RateLimited) else None
        self.outbox.release(batch, sent=sent, error=exc.message, retry_in=retry_in)
        if isinstance(exc, RateLimited):
            self._hold(exc.retry_after, "rate_limited")
        elif isinstance(exc, ServiceUnavailable):
            self._hold(OFFLINE_HOLD, "offline")
        elif isinstance(exc, NotAuthenticated):
            self._cached = None
            self.tokens.delete(settings.keychain_name)
            self.config.update(username=None)
