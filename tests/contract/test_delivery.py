"""Nothing lost, every page delivered once: the sync engine with each service's adapter and
fake server, through the faults a real network and server produce (5xx, a proxy's HTML page,
a reset after the server did the work, a dropped connection, a garbled reply, a rate limit)
and a login the server stops accepting."""

from __future__ import annotations

from pathlib import Path

import pytest
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.config import Config
from pocket_companion.core import Companion, Deps
from pocket_companion.library.items import NewItem
from pocket_companion.library.listing import target
from pocket_companion.services.base import Credentials

from tests.contract.remotes import Remote
from tests.contract.remotes.pocket import PocketRemote
from tests.fakepocket import FakePocket, Fault
from tests.support.clock import Clock
from tests.support.keyrings import MemoryKeyring

FAULTS = [Fault("status", status=500), Fault("html_error", status=502),
          Fault("reset_after_processing"), Fault("drop"),
          Fault("malformed_json", processed=True),
          Fault("status", status=429, headers={"Retry-After": "30"}),
          Fault("status", status=503)]


def connected(remote: Remote, home: Path, clock: Clock) -> Companion:
    """A companion whose account is the remote's, as a login would leave it."""
    settings = remote.settings()._replace(username="reader")
    tokens = KeyringTokenStore()
    tokens.set(settings.keychain_name, remote.credentials().to_text())
    Config(home).update(service=settings.service, server=settings.server,
                        username=settings.username, options=settings.options)
    companion = Companion(home, Deps(clock=clock, tokens=tokens))
    companion.store.rebind(settings.keychain_name)
    return companion


def drain(companion: Companion, clock: Clock, rounds: int = 60) -> None:
    """Sync as a host that stays up would, until nothing waits (or the rounds run out)."""
    for _ in range(rounds):
        if not companion.store.pending_count():
            return
        clock.advance(120)
        companion.sync_quietly(retry_now=True)


def test_every_page_reaches_the_account_once_through_faults(
        remote: Remote, home: Path, clock: Clock, memory_keyring: MemoryKeyring) -> None:
    companion = connected(remote, home, clock)
    urls = [f"https://delivery.example/page/{n}" for n in range(10)]
    for fault in FAULTS:
        remote.inject(fault)
    companion.commit([NewItem(url, f"Page {n}") for n, url in enumerate(urls)])
    drain(companion, clock)
    assert companion.store.pending_count() == 0
    assert {url: remote.copies(url) for url in urls} == {url: 1 for url in urls}

    for fault in FAULTS:
        remote.inject(fault)
    companion.store.change([target(url) for url in urls[:4]], "archive")
    drain(companion, clock)
    assert companion.store.pending_count() == 0
    archived = {url for url, item in remote.items().items() if item["status"] == "1"}
    assert archived == set(urls[:4])


def stored(companion: Companion) -> Credentials:
    settings = companion.config.load()
    text = companion.deps.tokens.get(settings.keychain_name)
    assert text is not None
    return Credentials.from_text(text)


def test_a_refused_login_is_renewed_or_reported_and_nothing_is_lost(
        remote: Remote, home: Path, clock: Clock, memory_keyring: MemoryKeyring) -> None:
    companion = connected(remote, home, clock)
    creds = stored(companion)
    remote.expire(creds)
    companion.commit([NewItem("https://delivery.example/after-expiry")])
    error = companion.sync_quietly(retry_now=True)
    if creds.refresh is not None:  # renewed without the person noticing
        assert error is None and companion.store.pending_count() == 0
        assert companion.config.load().username == "reader"
        assert stored(companion).secret != creds.secret
        assert remote.copies("https://delivery.example/after-expiry") == 1
    else:  # logged out, and the page waits for the next login
        assert error is not None and error.code == "not_authenticated"
        assert companion.config.load().username is None
        assert companion.store.pending_count() == 1
        assert remote.copies("https://delivery.example/after-expiry") == 0


def test_switching_services_keeps_the_list_and_sends_nothing_more_to_the_old_one(
        remote: Remote, home: Path, clock: Clock, memory_keyring: MemoryKeyring) -> None:
    if remote.name == "pocket":
        pytest.skip("switches from Pocket to another service")
    with FakePocket() as old:
        before = PocketRemote(old)
        companion = connected(before, home, clock)
        companion.commit([NewItem(f"https://switch.example/{n}") for n in range(3)])
        drain(companion, clock)
        assert len(old.items()) == 3
        calls = len(old.calls)
        switched = connected(remote, home, clock)
        switched.commit([NewItem("https://switch.example/new")])
        drain(switched, clock)
        assert switched.store.pending_count() == 0
        assert len(old.calls) == calls and len(old.items()) == 3
        every = [f"https://switch.example/{n}" for n in range(3)] + ["https://switch.example/new"]
        assert {url: remote.copies(url) for url in every} == {url: 1 for url in every}
