"""``modify_many`` and undoing a delete: one result per URL, the rest applied in one
transaction, each change on the fake Pocket server exactly once and in batches; a delete
held for UNDO_SECONDS (injected clock), a restore within it bringing the page back as it
was with nothing sent, and after it the delete sent once (or nothing, for a page the server
never saw). The last test runs the real host and waits for its own timer."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.cli import call
from pocket_companion.core import Companion
from pocket_companion.errors import CompanionError
from pocket_companion.library.changes import UNDO_SECONDS

from tests.fakepocket import FakePocket
from tests.support.clock import Clock
from tests.support.hostio import StrictHost, connect_account, host_env, wait_until


def sent_actions(fake: FakePocket, name: str) -> Counter[str]:
    """How many times each item id was sent the action ``name`` (/v3/send)."""
    from tests.fakepocket.state import parse_actions

    counts: Counter[str] = Counter()
    for sent in fake.calls:
        if sent.path == "/v3/send" and sent.status == 200:
            for action in parse_actions(sent.params.get("actions")):
                if isinstance(action, dict) and action.get("action") == name:
                    counts[str(action.get("item_id"))] += 1
    return counts


def send_sizes(fake: FakePocket) -> list[int]:
    from tests.fakepocket.state import parse_actions

    return [len(parse_actions(c.params.get("actions"))) for c in fake.calls
            if c.path == "/v3/send"]


def change(c: Companion, urls: list[str], op: str, **params: Any) -> dict[str, Any]:
    return call(c, "modify_many", {"urls": urls, "op": op, **params})


def refused(c: Companion, action: str, params: dict[str, Any]) -> CompanionError:
    with pytest.raises(CompanionError) as caught:
        call(c, action, params)
    return caught.value


def test_each_url_gets_its_result_and_the_rest_is_applied(local: Companion) -> None:
    for url in ("https://example.org/a", "https://example.org/b"):
        call(local, "save", {"url": url})
    urls = ["https://example.org/a", "ftp://example.org/", "https://example.org/unknown",
            "HTTPS://EXAMPLE.ORG:443/a#again", "https://example.org/b"]
    data = change(local, urls, "archive")
    assert [r["url"] for r in data["results"]] == urls  # as given, in order
    assert [r["ok"] or r["error"]["code"] for r in data["results"]] == [
        True, "invalid_url", "not_found", True, True]
    assert data["applied"] == 3
    assert {i["url"] for i in call(local, "list", {"status": "archived"})["items"]} == {
        "https://example.org/a", "https://example.org/b"}
    ops = local.store.db.query("SELECT op, COUNT(*) FROM outbox GROUP BY op")
    assert sorted(map(tuple, ops)) == [("add", 2), ("archive", 2)]  # a page named twice: once


@pytest.mark.parametrize("params, problem", [
    ({"urls": "https://example.org/a", "op": "archive"}, "list of 1 to 1000 strings"),
    ({"urls": [], "op": "archive"}, "list of 1 to 1000 strings"),
    ({"urls": ["https://example.org/a"] * 1001, "op": "archive"}, "list of 1 to 1000"),
    ({"urls": ["https://example.org/a", 5], "op": "archive"}, "strings"),
    ({"urls": ["https://example.org/a"], "op": "burn"}, "'op' must be one of"),
    ({"urls": ["https://example.org/a"], "op": "tags_add"}, "non-empty 'tags'"),
    ({"urls": ["https://example.org/a"], "op": "tags_replace"}, "needs a 'tags' list"),
    ({"urls": ["https://example.org/a"], "op": "tags_add", "tags": ["x" * 30]}, "25"),
    ({"urls": ["https://example.org/" + "a" * 600] * 900, "op": "archive"}, "512 KiB"),
    ({"urls": ["https://example.org/a"], "op": "archive", "x": 1}, "unknown parameter"),
])
def test_a_malformed_request_is_refused_whole(local: Companion, params: dict[str, Any],
                                              problem: str) -> None:
    call(local, "save", {"url": "https://example.org/a"})
    before = local.store.db.query("SELECT COUNT(*) FROM outbox")[0][0]
    error = refused(local, "modify_many", params)
    assert error.code == "invalid_params" and problem in error.message
    assert local.store.db.query("SELECT COUNT(*) FROM outbox")[0][0] == before
    assert call(local, "list", {})["items"][0]["status"] == "unread"


def test_a_bulk_change_is_one_transaction(local: Companion, home: Path) -> None:
    urls = [f"https://example.org/{n}" for n in range(1000)]
    call(local, "save_many", {"items": [{"url": url} for url in urls]})
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:  # another connection, as another process would read
        conn = sqlite3.connect(home / "reading-list.sqlite3")
        while not done.is_set():
            seen.add(conn.execute(
                "SELECT COUNT(*) FROM items WHERE status = 'archived'").fetchone()[0])
        conn.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert change(local, urls, "archive")["applied"] == 1000
        time.sleep(0.05)
    finally:
        done.set()
        watcher.join()
    assert seen == {0, 1000}


def test_bulk_changes_reach_the_server_once_each_in_batches(account: Companion,
                                                            fake: FakePocket) -> None:
    urls = [f"https://example.org/bulk/{n}" for n in range(95)]
    call(account, "save_many", {"items": [{"url": url} for url in urls]})
    before = len(send_sizes(fake))
    assert "warning" not in change(account, urls, "archive")
    assert "warning" not in change(account, urls, "tags_add", tags=["later"])
    sizes = send_sizes(fake)[before:]
    assert len(sizes) <= 8 and max(sizes) <= 30  # 190 changes, 30 per call
    ids = {str(item_id) for item_id in fake.items()}
    assert sent_actions(fake, "archive") == Counter(dict.fromkeys(ids, 1))
    assert sent_actions(fake, "tags_add") == Counter(dict.fromkeys(ids, 1))
    assert all(item["status"] == "1" and set(item["tags"]) == {"later"}
               for item in fake.items().values())
    assert call(account, "status", {})["pending"] == 0


def test_restore_within_the_window_brings_the_page_back_as_it_was(
        account: Companion, fake: FakePocket, clock: Clock) -> None:
    url = "https://example.org/keep"
    call(account, "save", {"url": url, "title": "Kept", "tags": ["a", "b"]})
    for op in ("archive", "favorite"):
        call(account, "modify", {"url": url, "op": op})
    before = call(account, "lookup", {"url": url})
    assert before["state"] == "synced"
    assert call(account, "modify", {"url": url, "op": "delete"}) == {"item": None}
    assert call(account, "lookup", {"url": url}) == {"saved": False}
    assert call(account, "list", {"query": "kept"})["total"] == 0
    assert call(account, "tags", {})["tags"] == []
    assert call(account, "sync", {})["pending"] == 1  # even a forced sync holds it
    clock.advance(UNDO_SECONDS - 1)
    restored = call(account, "modify", {"url": url, "op": "restore"})
    assert {"saved": True, **restored["item"], "article": None} == before
    assert call(account, "list", {"query": "kept"})["total"] == 1
    clock.advance(60)
    assert call(account, "sync", {})["pending"] == 0
    assert sent_actions(fake, "delete") == Counter()
    assert fake.items()[before["item_id"]]["status"] == "1"


def test_after_the_window_the_delete_is_sent_once_and_restore_says_why(
        account: Companion, fake: FakePocket, clock: Clock) -> None:
    urls = ["https://example.org/one", "https://example.org/two"]
    call(account, "save_many", {"items": [{"url": url} for url in urls]})
    assert change(account, urls, "delete")["applied"] == 2
    clock.advance(UNDO_SECONDS)
    assert call(account, "sync", {}) == {"synced": 2, "pending": 0, "pulled": 0}
    assert sent_actions(fake, "delete") == Counter(dict.fromkeys(map(str, fake.items(
        include_deleted=True)), 1))
    results = change(account, [*urls, "https://example.org/never"], "restore")["results"]
    assert [r["error"]["code"] for r in results] == ["not_found"] * 3
    assert "not deleted in the last 10 s" in results[0]["error"]["message"]
    call(account, "save", {"url": "https://example.org/live"})
    error = refused(account, "modify", {"url": "https://example.org/live", "op": "restore"})
    assert error.code == "not_found" and "not deleted" in error.message


def test_a_delete_past_the_window_that_was_not_sent_cannot_be_undone(
        local: Companion, clock: Clock) -> None:
    call(local, "save", {"url": "https://example.org/x"})
    call(local, "modify", {"url": "https://example.org/x", "op": "delete"})
    clock.advance(UNDO_SECONDS + 1)
    error = refused(local, "modify", {"url": "https://example.org/x", "op": "restore"})
    assert error.code == "not_found"
    assert call(local, "status", {})["pending"] == 0  # never sent: nothing waits for it


def test_a_page_the_server_never_saw_deleted_for_good_sends_nothing(
        make_companion: Callable[..., Companion], fake: FakePocket, clock: Clock) -> None:
    local = make_companion(clock=clock)  # no account yet
    for url in ("https://example.org/kept", "https://example.org/gone"):
        call(local, "save", {"url": url, "tags": ["t"]})
    call(local, "modify", {"url": "https://example.org/gone", "op": "archive"})
    call(local, "modify", {"url": "https://example.org/gone", "op": "delete"})
    local.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    # held: not even its add; the kept page comes back in the pull
    assert call(local, "sync", {}) == {"synced": 1, "pending": 1, "pulled": 1}
    clock.advance(UNDO_SECONDS)
    reply = call(local, "sync", {})
    assert (reply["synced"], reply["pending"]) == (0, 0)
    assert fake.add_count("https://example.org/gone") == 0
    assert sent_actions(fake, "archive") == sent_actions(fake, "delete") == Counter()
    assert call(local, "list", {})["total"] == 1


def test_saving_a_deleted_page_again_drops_its_delete(account: Companion, fake: FakePocket,
                                                      clock: Clock) -> None:
    url = "https://example.org/again"
    call(account, "save", {"url": url, "tags": ["old"]})
    call(account, "modify", {"url": url, "op": "delete"})
    clock.advance(3)
    assert call(account, "save", {"url": url, "tags": ["new"]})["state"] == "synced"
    clock.advance(UNDO_SECONDS)
    assert call(account, "sync", {})["pending"] == 0
    assert sent_actions(fake, "delete") == Counter()
    assert fake.add_count(url) == 2  # the save and the re-add
    assert call(account, "lookup", {"url": url})["tags"] == ["old", "new"]


def test_the_host_sends_a_delete_once_its_undo_time_is_over(tmp_path: Path) -> None:
    with FakePocket() as fake:
        env = host_env(tmp_path, fake)
        connect_account(env, fake)
        host = StrictHost(env)
        urls = ["https://example.org/a", "https://example.org/b"]
        assert host.request("save_many", {"items": [{"url": u} for u in urls]})["ok"]
        ids = {item["given_url"]: item_id for item_id, item in fake.items().items()}
        deleted = host.request("modify_many", {"urls": urls, "op": "delete"})["data"]
        assert deleted["applied"] == 2
        back = host.request("modify", {"url": urls[0], "op": "restore"})["data"]["item"]
        assert back["url"] == urls[0] and back["state"] == "synced"
        assert sent_actions(fake, "delete") == Counter()
        assert wait_until(lambda: sum(sent_actions(fake, "delete").values()) == 1,
                          UNDO_SECONDS + 10)  # the host's own timer, no request
        late = host.request("modify", {"url": urls[1], "op": "restore"})
        assert late["error"]["code"] == "not_found"
        assert host.request("status")["data"]["pending"] == 0
        assert host.finish()[0] == 0
        assert sent_actions(fake, "delete") == Counter({ids[urls[1]]: 1})
