"""Local-first saves and their sync to the fake Pocket server: batches, outages, exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from pocket_companion import errors
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.cli import call
from pocket_companion.config import Settings
from pocket_companion.core import Companion, Deps
from pocket_companion.library.changes import UNDO_SECONDS
from pocket_companion.library.store import NewItem
from pocket_companion.library.urls import clean_url
from pocket_companion.services.base import Change, ChangeResult, Credentials
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.fakepocket import FakePocket, Fault
from tests.support.browser import ScriptedBrowser
from tests.support.clock import Clock
from tests.support.keyrings import MemoryKeyring


def urls(n: int, prefix: str = "https://example.org/page") -> list[str]:
    return [f"{prefix}/{i}" for i in range(n)]


def save(c: Companion, url: str, **kw: object) -> tuple[str, str | None]:
    outcome = c.save([NewItem(url, **kw)])  # type: ignore[arg-type]
    return outcome.items[0].state, outcome.warning.code if outcome.warning else None


def test_a_save_with_an_account_is_synced_at_once(logged_in: Companion, fake: FakePocket) -> None:
    outcome = logged_in.save([NewItem("https://example.org/a", "A", ("x",))])
    item = outcome.items[0]
    assert item.state == "synced" and item.remote_id in fake.items()
    assert fake.add_count("https://example.org/a") == 1
    assert fake.items()[item.remote_id]["tags"] == {"x": {"item_id": item.remote_id, "tag": "x"}}


def test_without_an_account_saves_stay_pending_until_login(
        make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    c = make_companion()
    assert save(c, "https://example.org/offline") == ("pending", None)
    assert fake.calls == []
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    assert c.sync()[:2] == (1, 0)
    assert fake.add_count("https://example.org/offline") == 1


def test_save_many_of_95_costs_at_most_4_calls(logged_in: Companion, fake: FakePocket) -> None:
    before = len(fake.calls)
    outcome = logged_in.save([NewItem(u) for u in urls(95)])
    assert [i.state for i in outcome.items] == ["synced"] * 95
    assert len(fake.calls) - before <= 4
    assert all(fake.add_count(u) == 1 for u in urls(95))


class FailingSecondBatch(PocketService):
    """Pocket, with the server failing the second batch sent."""

    def __init__(self, client: PocketClient, fake: FakePocket, fault: Fault) -> None:
        super().__init__(client)
        self.fake, self.fault, self.batches = fake, fault, 0

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        self.batches += 1
        if self.batches == 2:
            self.fake.inject(self.fault)
        return super().push(creds, changes)


@pytest.mark.parametrize("fault", [Fault("drop"), Fault("status", status=503),
                                   Fault("reset_after_processing")])
def test_a_failing_batch_goes_back_after_the_answers_before_it_are_recorded(
        home: Path, fake: FakePocket, memory_keyring: MemoryKeyring, fault: Fault) -> None:
    def service(settings: Settings) -> PocketService:
        assert settings.option("consumer_key")
        client = PocketClient(settings.server, settings.option("consumer_key"), timeout=(1.0, 1.0))
        return FailingSecondBatch(client, fake, fault)

    c = Companion(home, Deps(tokens=KeyringTokenStore(), service_factory=service,
                             opener=ScriptedBrowser()))
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    outcome = c.save([NewItem(u) for u in urls(95)])
    assert [i.state for i in outcome.items] == ["synced"] * 30 + ["pending"] * 65
    assert outcome.warning and outcome.warning.code == "service_unavailable"
    status = c.status()
    assert status["pending"] == 65 and status["last_error"]
    assert c.sync()[:2] == (65, 0)
    # a batch that may have been processed is looked up before it is sent again (and is not
    # sent twice); one surely refused (a 503) is simply sent again
    looked_up = any(call.path == "/v3/get" and call.params.get("detailType") == "simple"
                    for call in fake.calls)
    assert looked_up is (fault.kind != "status")
    assert all(fake.add_count(u) == 1 for u in urls(95))


@pytest.mark.parametrize("fault", [
    Fault("drop"), Fault("status", status=500), Fault("status", status=503),
    Fault("html_error"), Fault("reset_after_processing"), Fault("slow", seconds=3, processed=True),
    Fault("malformed_json", processed=True), Fault("malformed_json", processed=False),
])
def test_every_item_is_delivered_exactly_once_across_an_outage(
        make_companion: Callable[..., Companion], fake: FakePocket, fault: Fault) -> None:
    c = make_companion(timeout=(1.0, 1.0))
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    fake.inject(fault, times=1)
    assert save(c, "https://example.org/x") == ("pending", "service_unavailable")
    state, _ = save(c, "https://example.org/y")  # held: stays local, no network call
    assert state == "pending"
    assert c.sync()[1] == 0
    assert fake.add_count("https://example.org/x") == 1
    assert fake.add_count("https://example.org/y") == 1


def test_a_revoked_token_is_dropped(logged_in: Companion, fake: FakePocket,
                                    memory_keyring: object) -> None:
    for token in fake.issued_tokens:
        fake.revoke(token)
    assert save(logged_in, "https://example.org/r") == ("pending", "not_authenticated")
    assert logged_in.status()["account"] is None
    assert not memory_keyring.secrets


def test_rate_limit_holds_syncs_until_the_reset(make_companion: Callable[..., Companion]) -> None:
    clock = Clock()
    with FakePocket(user_limit=3) as fake:
        c = make_companion(clock=clock)
        c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
        assert save(c, "https://example.org/1")[0] == "synced"
        assert save(c, "https://example.org/2")[0] == "synced"
        assert save(c, "https://example.org/3")[0] == "synced"
        assert save(c, "https://example.org/4") == ("pending", "rate_limited")
        calls = len(fake.calls)
        assert save(c, "https://example.org/5") == ("pending", None)
        assert len(fake.calls) == calls
        with pytest.raises(errors.RateLimited):
            c.sync()
        fake.reset_limits()
        clock.advance(3601)
        assert c.sync()[1] == 0
        assert fake.add_count("https://example.org/4") == 1


def modify(c: Companion, url: str, op: str, *tags: str) -> dict[str, Any]:
    return call(c, "modify", {"url": url, "op": op, **({"tags": list(tags)} if tags else {})})


def test_modify_keeps_local_and_remote_in_step(make_companion: Callable[..., Companion],
                                               fake: FakePocket) -> None:
    clock = Clock()
    c = make_companion(clock=clock)
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    item = c.save([NewItem("https://example.org/m", tags=("a",))]).items[0]
    rid = item.remote_id
    assert rid
    for op, tags in [("archive", []), ("favorite", []), ("tags_add", ["b"]),
                     ("tags_remove", ["a"])]:
        changed = call(c, "modify", {"item_id": rid, "op": op, "tags": tags})
        assert changed["item"]["state"] == "synced" and "warning" not in changed
    remote = fake.items()[rid]
    assert (remote["status"], remote["favorite"], set(remote["tags"])) == ("1", "1", {"b"})
    local = c.lookup(item.url)
    assert local is not None and (local.status, local.favorite, local.tags, local.state) == (
        "archived", True, ("b",), "synced")
    assert modify(c, local.url, "delete") == {"item": None}
    assert rid in fake.items()  # held while the delete can be undone
    clock.advance(UNDO_SECONDS)
    assert c.sync_quietly() is None
    assert rid not in fake.items()
    assert c.store.db.query("SELECT COUNT(*) FROM items")[0][0] == 0  # gone once confirmed


def test_changes_made_offline_follow_the_add(make_companion: Callable[..., Companion],
                                             fake: FakePocket) -> None:
    clock = Clock()
    c = make_companion(clock=clock)
    c.save([NewItem("https://example.org/later", tags=("a",))])
    modify(c, "https://example.org/later", "tags_add", "b")
    modify(c, "https://example.org/later", "archive")
    c.save([NewItem("https://example.org/gone")])
    modify(c, "https://example.org/gone", "delete")
    clock.advance(UNDO_SECONDS)
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    assert c.sync()[1] == 0
    [remote] = fake.items().values()
    assert remote["given_url"] == "https://example.org/later"
    assert remote["status"] == "1" and set(remote["tags"]) == {"a", "b"}
    assert fake.add_count("https://example.org/gone") == 0


def test_saving_again_merges_and_re_adds(logged_in: Companion, fake: FakePocket) -> None:
    first = logged_in.save([NewItem(clean_url("https://example.org/m?utm_source=x"), "Old",
                                    ("a",))])
    again = logged_in.save([NewItem(clean_url("HTTPS://EXAMPLE.ORG:443/m#frag"), "New", ("b",))])
    assert first.items[0].id == again.items[0].id
    item = again.items[0]
    assert (item.title, item.tags, item.url) == ("New", ("a", "b"), "https://example.org/m")
    assert logged_in.store.page(10, 0)[1] == 1
    assert set(fake.items()[item.remote_id or ""]["tags"]) == {"a", "b"}


def test_login_to_another_account_sends_everything_to_it(
        make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    c = make_companion()
    c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    save(c, "https://example.org/both")
    with FakePocket(username="second") as other:
        c.login(server=other.base_url, fields={"consumer_key": other.CONSUMER_KEY}, timeout=20)
        assert c.sync()[0] == 1
        assert other.add_count("https://example.org/both") == 1
