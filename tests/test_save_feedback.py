"""What a save tells at once and what it keeps: the `kept` event before any network work
(one reply still follows), why a page waits, titles that a save never blanks or downgrades,
and "Save all tabs" (`save_many`) leaving archived pages archived."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.cli import call
from pocket_companion.core import Companion

from tests.fakepocket import FakePocket
from tests.fakepocket.faults import Fault
from tests.support.clock import Clock
from tests.support.frames import HostProcess
from tests.support.hostio import connect_account, host_env


def messages_until_reply(host: HostProcess) -> list[dict[str, Any]]:
    """Every frame for one request: its events, then its one reply."""
    seen = [host.read()]
    while "ok" not in seen[-1]:
        seen.append(host.read())
    return seen


def test_a_save_says_kept_before_the_server_has_it_then_replies_once(
        tmp_path: Path, fake: FakePocket) -> None:
    env = host_env(tmp_path, fake)
    connect_account(env, fake)
    host = HostProcess(env)
    url = "https://example.org/slow-server"
    fake.inject(Fault("slow", seconds=3.0), path="/v3/add")
    host.send({"id": 7, "action": "save", "params": {"url": url, "title": "Slow"}})
    kept = host.read()
    assert fake.add_count(url) == 0, "the event came before the server had the page"
    assert kept == {"id": 7, "event": "progress",
                    "data": {"stage": "kept", "state": "pending", "url": url,
                             "status": "unread"}}
    reply = host.read()
    assert reply["id"] == 7 and reply["ok"] and reply["data"]["state"] == "synced"
    assert fake.add_count(url) == 1
    host.send({"id": 8, "action": "hello"})
    assert "ok" in host.read(), "nothing else was sent for the save"
    assert host.close()[0] == 0


def test_save_many_says_kept_with_every_result_then_replies_once(tmp_path: Path) -> None:
    host = HostProcess(host_env(tmp_path))  # no account: nothing to send
    items = [{"url": "https://example.org/a"}, {"url": "chrome://newtab/"},
             {"url": "https://example.org/b", "title": "B"}]
    host.send({"id": "all", "action": "save_many", "params": {"items": items}})
    kept, reply = messages_until_reply(host)
    assert kept["event"] == "progress" and kept["data"]["stage"] == "kept"
    assert kept["data"]["results"] == reply["data"]["results"]
    assert [r.get("state") or r["error"]["code"] for r in reply["data"]["results"]] == [
        "pending", "invalid_url", "pending"]
    assert host.close()[0] == 0


def test_a_refused_save_sends_no_event(tmp_path: Path) -> None:
    host = HostProcess(host_env(tmp_path))
    host.send({"id": 1, "action": "save", "params": {"url": "about:blank"}})
    refused = host.read()
    assert (refused["id"], refused["ok"], refused["error"]["code"]) == (1, False, "invalid_url")
    host.send({"id": 2, "action": "hello"})
    assert host.read()["id"] == 2, "nothing else was sent for the refused save"
    assert host.close()[0] == 0


def test_a_save_that_waits_says_why_even_while_syncs_pause(
        account: Companion, fake: FakePocket) -> None:
    fake.inject(Fault("status", status=503), times=5)
    first = call(account, "save", {"url": "https://example.org/one"})
    assert first["state"] == "pending"
    assert first["warning"]["code"] == "service_unavailable"
    second = call(account, "save", {"url": "https://example.org/two"})  # syncs are held now
    assert second["state"] == "pending"
    assert second["warning"]["code"] == "service_unavailable"
    assert "a moment ago" in second["warning"]["message"]


def test_no_warning_without_an_account(local: Companion) -> None:
    assert "warning" not in call(local, "save", {"url": "https://example.org/local"})


def test_an_empty_title_never_blanks_a_stored_one(local: Companion) -> None:
    url = "https://example.org/titled"
    call(local, "save", {"url": url, "title": "The real title"})
    call(local, "save", {"url": url, "title": ""})
    call(local, "save", {"url": url})
    call(local, "save_many", {"items": [{"url": url, "title": ""}, {"url": url}]})
    assert call(local, "lookup", {"url": url})["title"] == "The real title"


def test_a_link_text_only_fills_in_a_missing_title(local: Companion) -> None:
    known, fresh = "https://example.org/known", "https://example.org/new"
    call(local, "save", {"url": known, "title": "Known page"})
    call(local, "save", {"url": known, "title": "click here", "keep_title": True})
    assert call(local, "lookup", {"url": known})["title"] == "Known page"
    call(local, "save", {"url": fresh, "title": "A link's text", "keep_title": True})
    assert call(local, "lookup", {"url": fresh})["title"] == "A link's text"
    call(local, "save", {"url": fresh, "title": "The page's own title"})
    assert call(local, "lookup", {"url": fresh})["title"] == "The page's own title"


def test_keep_title_must_be_a_boolean(local: Companion) -> None:
    from pocket_companion.errors import InvalidParams

    with pytest.raises(InvalidParams):
        call(local, "save", {"url": "https://example.org/", "keep_title": "yes"})


def test_save_many_leaves_archived_pages_archived_and_a_single_save_re_adds(
        account: Companion, fake: FakePocket, clock: Clock) -> None:
    archived, other = "https://example.org/read-already", "https://example.org/other"
    call(account, "save", {"url": archived, "tags": ["old"]})
    call(account, "modify", {"url": archived, "op": "archive"})
    before = call(account, "lookup", {"url": archived})
    assert before["status"] == "archived" and before["state"] == "synced"
    clock.advance(60)
    batch = call(account, "save_many", {"items": [
        {"url": archived, "title": "Its tab's title", "tags": ["old", "new"]}, {"url": other}]})
    assert [(r["url"], r["status"]) for r in batch["results"]] == [
        (archived, "archived"), (other, "unread")]
    after = call(account, "lookup", {"url": archived})
    assert after["status"] == "archived"
    assert after["saved_at"] == before["saved_at"], "not moved to the top"
    assert after["tags"] == ["old", "new"] and after["title"] == "Its tab's title"
    assert after["state"] == "synced", "the new tag reached the server"
    assert fake.add_count(archived) == 1, "no re-add: the server keeps it archived"
    [remote] = [item for item in fake.items().values() if item["given_url"] == archived]
    assert remote["status"] == "1" and set(remote["tags"]) == {"old", "new"}

    again = call(account, "save", {"url": archived})  # one page, saved on purpose
    assert again["status"] == "unread"
    assert call(account, "lookup", {"url": archived})["status"] == "unread"
    assert fake.add_count(archived) == 2


def test_save_many_brings_back_a_deleted_archived_page_as_unread(local: Companion) -> None:
    url = "https://example.org/deleted"
    call(local, "save", {"url": url})
    call(local, "modify", {"url": url, "op": "archive"})
    call(local, "modify", {"url": url, "op": "delete"})
    [result] = call(local, "save_many", {"items": [{"url": url}]})["results"]
    assert result["status"] == "unread"
    assert call(local, "lookup", {"url": url})["saved"] is True


def test_the_kept_event_does_not_wait_for_a_sync_in_progress(
        tmp_path: Path, fake: FakePocket) -> None:
    """A server that never answers holds the network thread; the next save's local part
    and its event still come at once (its reply waits its turn)."""
    env = host_env(tmp_path, fake)
    connect_account(env, fake)
    host = HostProcess(env)
    fake.inject(Fault("slow", seconds=4.0), times=10)
    host.send({"id": 1, "action": "save", "params": {"url": "https://example.org/stuck"}})
    assert host.read()["event"] == "progress"
    time.sleep(0.3)  # the first save's sync is under way, waiting on the server
    host.send({"id": 2, "action": "save", "params": {"url": "https://example.org/next"}})
    started = time.monotonic()
    event = host.read()
    assert (event["id"], event["data"]["stage"]) == (2, "kept")
    assert time.monotonic() - started < 2.0, "not behind the stuck sync"
    fake.clear_faults()
    replies = {host.read()["id"] for _ in range(2)}
    assert replies == {1, 2}
    assert host.close()[0] == 0
