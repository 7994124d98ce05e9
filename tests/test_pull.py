"""Two-way sync: the account's list comes home, and each conflict rule of PROTOCOL.md holds
with both sides changing between syncs. The fake Pocket server pages up to 5,000 items a
call, as the last servers did."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.cli import call as cli_call
from pocket_companion.config import Settings
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import CompanionError
from pocket_companion.services.base import Credentials, PullPage
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.fakepocket import FakePocket, Fault
from tests.support.browser import ScriptedBrowser
from tests.support.clock import Clock
from tests.support.keyrings import MemoryKeyring

T0 = 1_600_000_000


@pytest.fixture
def fake() -> Iterator[FakePocket]:
    with FakePocket(count_cap=5000) as server:
        yield server


def call(c: Companion, action: str, params: dict[str, Any] | None = None) -> Any:
    return cli_call(c, action, params or {})


def items(c: Companion) -> dict[str, dict[str, Any]]:
    listed = call(c, "list", {"limit": 200, "status": "all"})
    return {item["url"]: item for item in listed["items"]}


def gets(fake: FakePocket) -> int:
    return fake.call_count("/v3/get")


def test_the_first_pull_brings_10000_items_in_3_calls_then_only_changes(
        logged_in: Companion, fake: FakePocket) -> None:
    fake.seed_many([{"url": f"https://site{n % 97}.example/page/{n}", "title": f"Page {n}",
                     "tags": ["even"] if n % 2 == 0 else [], "time_added": T0 + n,
                     "status": "archived" if n % 3 == 0 else "unread",
                     "favorite": n % 5 == 0} for n in range(10_000)])
    fake.advance(5)  # the server's `since` counts a change in its own second as new
    before = gets(fake)
    assert call(logged_in, "sync")["pulled"] == 10_000
    assert gets(fake) - before == 3  # 5,000 + 5,000 + the empty page that ends it
    assert call(logged_in, "list", {"limit": 1})["total"] == 10_000
    page = call(logged_in, "list", {"query": "site3.example", "limit": 200, "status": "all"})
    item = next(i for i in page["items"] if i["url"] == "https://site3.example/page/3")
    assert (item["title"], item["status"], item["favorite"], item["tags"]) == (
        "Page 3", "archived", False, [])
    assert item["saved_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 3))
    assert item["state"] == "synced" and item["item_id"]

    fake.advance(5)
    before = gets(fake)
    assert call(logged_in, "sync")["pulled"] == 0
    assert gets(fake) - before == 1  # nothing changed: one call

    fake.advance(5)
    for n in range(10):
        fake.seed_many([{"url": f"https://new.example/{n}", "title": f"New {n}"}])
        fake.edit(f"https://site{(n + 10) % 97}.example/page/{n + 10}", status="archived")
        fake.remove(f"https://site{(n + 20) % 97}.example/page/{n + 20}")
        fake.edit(f"https://site{(n + 30) % 97}.example/page/{n + 30}", tags=["edited", "x"])
        fake.edit(f"https://site{(n + 40) % 97}.example/page/{n + 40}", favorite=True)
    assert call(logged_in, "sync")["pulled"] >= 50
    assert call(logged_in, "list", {"limit": 1})["total"] == 10_000 + 10 - 10
    after = items_of(logged_in, [f"https://new.example/{n}" for n in range(10)]
                     + [f"https://site{(n + k) % 97}.example/page/{n + k}"
                        for n in range(10) for k in (10, 20, 30, 40)])
    for n in range(10):
        assert after[f"https://new.example/{n}"]["title"] == f"New {n}"
        assert after[f"https://site{(n + 10) % 97}.example/page/{n + 10}"]["status"] == "archived"
        assert f"https://site{(n + 20) % 97}.example/page/{n + 20}" not in after
        assert after[f"https://site{(n + 30) % 97}.example/page/{n + 30}"]["tags"] == [
            "edited", "x"]
        assert after[f"https://site{(n + 40) % 97}.example/page/{n + 40}"]["favorite"] is True


def items_of(c: Companion, urls: list[str]) -> dict[str, dict[str, Any]]:
    found = {url: c.lookup(url) for url in urls}
    return {url: item.to_dict() for url, item in found.items() if item}


def synced_pair(c: Companion, fake: FakePocket) -> tuple[str, str]:
    """A page saved here and synced, and one saved on the server and pulled."""
    call(c, "save", {"url": "https://here.example/a", "tags": ["mine"]})
    fake.seed_many([{"url": "https://there.example/b", "title": "B", "time_added": T0}])
    call(c, "sync")
    assert {"https://here.example/a", "https://there.example/b"} <= set(items(c))
    fake.advance(2)
    return "https://here.example/a", "https://there.example/b"


def change_while_down(c: Companion, fake: FakePocket, clock: Clock, **params: Any) -> None:
    """A change made while the server fails, three times: it waits a minute to be retried,
    and syncs are held for 30 s; then the server is back and the hold is over."""
    fake.inject(Fault("status", status=503), times=6)
    call(c, "modify", params)  # its inline sync fails
    for _ in range(2):
        with pytest.raises(CompanionError):
            c.syncer.run(force=True)  # and so do the next tries: a back-off of 60 s
    fake.clear_faults()
    clock.advance(31)


def background_sync(c: Companion) -> None:
    """What the host's timer runs: what is due goes out, then the pull."""
    assert c.sync_quietly(pull=True) is None


def server_item(fake: FakePocket, url: str) -> dict[str, Any]:
    [item] = [i for i in fake.items().values() if i["given_url"] == url]
    return item


def test_a_local_change_not_yet_sent_wins_and_is_still_sent(
        account: Companion, fake: FakePocket, clock: Clock) -> None:
    _, there = synced_pair(account, fake)
    fake.edit(there, status="archived", tags=["server"], title="Server title")
    change_while_down(account, fake, clock, url=there, op="favorite")
    background_sync(account)
    item = items(account)[there]
    assert (item["status"], item["favorite"], item["tags"], item["state"]) == (
        "unread", True, [], "pending")
    clock.advance(60)
    background_sync(account)  # now the change goes out, and the server agrees
    assert server_item(fake, there)["favorite"] == "1"
    assert items(account)[there]["state"] == "synced"


def test_once_sent_the_servers_state_is_the_truth(account: Companion,
                                                  fake: FakePocket) -> None:
    here, _ = synced_pair(account, fake)
    call(account, "modify", {"url": here, "op": "favorite"})  # sent at once
    fake.advance(2)
    fake.edit(here, favorite=False, status="archived", tags=["server"], title="Renamed")
    call(account, "sync")
    item = items(account)[here]
    assert (item["favorite"], item["status"], item["tags"], item["title"]) == (
        False, "archived", ["server"], "Renamed")


def test_deleted_on_the_server_leaves_unless_edited_here_since(
        account: Companion, fake: FakePocket, clock: Clock) -> None:
    here, there = synced_pair(account, fake)
    fake.remove(here)
    fake.remove(there)
    change_while_down(account, fake, clock, url=there, op="archive")
    background_sync(account)
    listed = items(account)
    assert here not in listed  # deleted there, untouched here: gone
    assert (listed[there]["status"], listed[there]["state"]) == ("archived", "pending")
    call(account, "sync")  # sent again as a new add, then archived
    assert server_item(fake, there)["status"] == "1"
    assert items(account)[there]["state"] == "synced"
    assert fake.add_count(there) == 1  # seeded there, added again from here once


def test_an_item_merged_under_another_url_is_one_item_here(
        account: Companion, fake: FakePocket) -> None:
    call(account, "save", {"url": "https://short.example/x", "tags": ["one"]})
    call(account, "save", {"url": "https://long.example/article", "tags": ["two"]})
    call(account, "sync")
    fake.advance(2)
    fake.merge_url("https://short.example/x", "https://long.example/article")
    call(account, "sync")
    listed = items(account)
    assert "https://short.example/x" not in listed
    assert set(listed["https://long.example/article"]["tags"]) == {"one", "two"}
    call(account, "save", {"url": "https://short.example/x", "tags": ["three"]})
    call(account, "sync")  # the server files it under the long URL again
    fake.advance(2)
    call(account, "sync")
    listed = items(account)
    assert list(listed) == ["https://long.example/article"]
    assert set(listed["https://long.example/article"]["tags"]) == {"one", "two", "three"}
    assert len(fake.items()) == 1


class RefreshCounting(PocketService):
    """Pocket, counting the refreshes asked of it."""

    refreshes = 0

    def refresh(self, creds: Credentials) -> Credentials | None:
        type(self).refreshes += 1
        return super().refresh(creds)


def test_a_refused_login_is_logged_out_only_after_a_refresh_was_tried(
        home: Path, fake: FakePocket, memory_keyring: MemoryKeyring) -> None:
    def service(settings: Settings) -> PocketService:
        return RefreshCounting(PocketClient(settings.server, fake.CONSUMER_KEY))

    c = Companion(home, Deps(tokens=KeyringTokenStore(), service_factory=service,
                             opener=ScriptedBrowser()))  # type: ignore[arg-type]
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    for token in fake.issued_tokens:
        fake.revoke(token)
    with pytest.raises(CompanionError) as caught:
        c.sync()
    assert caught.value.code == "not_authenticated" and RefreshCounting.refreshes == 1
    assert c.config.load().username is None



class PushDuringPull(PocketService):
    """Pocket, where a queued change falls due and is pushed while a pull's page is on its
    way (as a save pushes while a background pull pages): the page predates the push."""

    def __init__(self, client: PocketClient, clock: Clock) -> None:
        super().__init__(client)
        self.clock, self.companion = clock, cast("Companion | None", None)

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        for page in super().pull(creds, cursor, known):
            if self.companion is not None:
                companion, self.companion = self.companion, None
                self.clock.advance(60)
                assert companion.syncer.run() == (1, 0)  # the push goes, beside the pull
            yield page


def test_a_page_fetched_before_a_push_does_not_undo_it(
        home: Path, fake: FakePocket, memory_keyring: MemoryKeyring, clock: Clock) -> None:
    made: list[PushDuringPull] = []

    def service(settings: Settings) -> PocketService:
        made.append(PushDuringPull(PocketClient(settings.server, fake.CONSUMER_KEY), clock))
        return made[-1]

    c = Companion(home, Deps(clock=clock, tokens=KeyringTokenStore(), service_factory=service,
                             opener=ScriptedBrowser()))  # type: ignore[arg-type]
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    here, _ = synced_pair(c, fake)
    change_while_down(c, fake, clock, url=here, op="archive")
    for adapter in made:
        adapter.companion = c
    background_sync(c)  # nothing due yet; the pull fetches a page, the archive goes, then
    assert server_item(fake, here)["status"] == "1"  # the page, still saying unread, lands
    assert items(c)[here]["status"] == "archived"
