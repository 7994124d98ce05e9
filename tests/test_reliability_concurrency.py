"""Concurrency: two hosts (two browsers) and the CLI's ``sync`` working at once on 500
URLs each end with exactly the union, each page once in the reading list and once on
the server; the config file survives writers racing in threads and processes; a page
deleted between its save and the save's reply still gets exactly one clear reply."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pocket_companion.actions import Context
from pocket_companion.config import Config
from pocket_companion.core import Companion
from pocket_companion.nativehost.caller import Caller
from pocket_companion.nativehost.dispatch import parse, run

from tests.fakepocket import FakePocket, Fault
from tests.support.frames import CHROME_ORIGIN, FIREFOX_ID, REPO
from tests.support.hostio import StrictHost, connect_account, host_env, reading_list

SEED = int(os.environ.get("POCKET_COMPANION_SEED", "4242"))
PER_HOST, SHARED = 500, 100
WINDOW = 12


def save_all(host: StrictHost, urls: list[str], rng: random.Random) -> list[str]:
    """Save every URL (some in ``save_many`` batches), a few in flight; return problems."""
    requests: list[list[str]] = []
    start = 0
    while start < len(urls):
        size = rng.choice([5, 20]) if rng.random() < 0.1 else 1
        requests.append(urls[start:start + size])
        start += size
    answered = 0
    for sent, batch in enumerate(requests, 1):
        if len(batch) == 1:
            host.send({"id": sent, "action": "save", "params": {"url": batch[0]}})
        else:
            host.send({"id": sent, "action": "save_many",
                       "params": {"items": [{"url": url} for url in batch]}})
        while sent - answered > WINDOW or (sent == len(requests) and answered < sent):
            if not host.out.wait(lambda a=answered: host.out.reply_count() > a, 120):
                return [f"no reply after {answered} of {sent}"]
            answered = host.out.reply_count()
    problems: list[str] = []
    for reply in host.out.replies():
        data = reply.get("data", {})
        results = data.get("results", [data])
        if not reply["ok"] or any(r.get("state") not in ("synced", "pending") for r in results):
            problems.append(str(reply)[:300])
    return problems


def test_two_hosts_and_the_cli_at_once_end_with_exactly_the_union(tmp_path: Path) -> None:
    print(f"concurrency seed: {SEED} (POCKET_COMPANION_SEED to replay)")
    rng = random.Random(SEED)
    shared = [f"https://example.org/both/{i}" for i in range(SHARED)]
    batches = {name: rng.sample([f"https://example.org/{name}/{i}"
                                 for i in range(PER_HOST - SHARED)] + shared, PER_HOST)
               for name in ("chromium", "firefox")}
    everything = set(batches["chromium"]) | set(batches["firefox"])
    with FakePocket(user_limit=10**6, key_limit=10**6) as fake:
        env = host_env(tmp_path, fake)
        connect_account(env, fake)
        hosts = {"chromium": StrictHost(env, [CHROME_ORIGIN]),
                 "firefox": StrictHost(env, ["/x/pocket_companion.json", FIREFOX_ID])}
        fake.inject(Fault("slow", seconds=0.3, processed=True), times=6)  # claims held longer
        problems: dict[str, list[str]] = {}
        workers = [threading.Thread(target=lambda n=name: problems.__setitem__(
            n, save_all(hosts[n], batches[n], random.Random(f"{SEED}{n}")))) for name in hosts]
        cli_runs: list[subprocess.CompletedProcess[str]] = []
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            cli_runs.append(subprocess.run(
                [sys.executable, "-m", "pocket_companion", "sync", "--json"], env=env, cwd=REPO,
                capture_output=True, text=True, timeout=120))
        for worker in workers:
            worker.join()
        assert problems == {"chromium": [], "firefox": []}
        assert [r.stderr for r in cli_runs if r.returncode != 0] == []
        for host in hosts.values():
            assert host.request("sync")["data"]["pending"] == 0
        stored = reading_list(hosts["chromium"])
        for host in hosts.values():
            assert host.finish()[0] == 0
        on_server = [item["given_url"] for item in fake.items().values()]
        adds = {url: fake.add_count(url) for url in everything}
    print(f"{len(cli_runs)} CLI syncs ran beside the hosts; {sum(adds.values())} adds")
    assert len(cli_runs) >= 2
    assert set(stored) == everything and len(stored) == 2 * PER_HOST - SHARED
    assert all(item["state"] == "synced" for item in stored.values())
    assert sorted(on_server) == sorted(everything)  # each page once on the server
    # A page saved in one browser only is added once; a page saved in both may be re-added
    # by the second save (Pocket's re-add), but never more often than it was saved.
    assert {u: n for u, n in adds.items() if n != 1 and (u not in shared or n > 2)} == {}


CONFIG_WRITER = """
import sys
from pathlib import Path
from pocket_companion.config import Config
config = Config(Path(sys.argv[1]))
for i in range(150):
    config.update(username=f"{sys.argv[2]}-{i}")
"""


def test_config_writers_in_threads_and_processes_never_collide(tmp_path: Path) -> None:
    config = Config(tmp_path)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            for i in range(150):
                config.update(username=f"{name}-{i}")
        except BaseException as exc:  # collected: the test reports every failure
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(4)]
    procs = [subprocess.Popen([sys.executable, "-c", CONFIG_WRITER, str(tmp_path), f"p{n}"],
                              cwd=REPO, stderr=subprocess.PIPE, text=True) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [proc.communicate(timeout=120)[1] for proc in procs] == ["", ""]
    assert failures == [] and [proc.returncode for proc in procs] == [0, 0]
    assert (config.load().username or "").endswith("-149")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_a_page_deleted_before_its_save_is_answered_still_gets_one_clear_reply(
        make_companion: Callable[..., Companion]) -> None:
    companion = make_companion()  # no account: everything stays local
    ctx = Context(Caller("chromium", CHROME_ORIGIN), lambda stage, data: None,
                  threading.Event(), lambda: 0)

    def start(action: str, params: dict[str, Any]) -> Any:
        return run(parse(json.dumps({"id": action, "action": action, "params": params})
                         .encode()), companion, ctx)

    one = start("save", {"url": "https://example.org/gone"})
    many = start("save_many", {"items": [{"url": "https://example.org/also-gone"},
                                         {"url": "https://example.org/kept"}, {"url": 5}]})
    for url in ("https://example.org/gone", "https://example.org/also-gone"):
        deleted = start("modify", {"url": url, "op": "delete"})  # on the reader thread
        assert deleted.run()["data"] == {"item": None}
    assert one.run() == {"id": "save", "ok": True,  # the network part, afterwards
                         "data": {"state": "pending", "url": "https://example.org/gone",
                                  "status": "unread"}}
    results = many.run()["data"]["results"]
    assert [r.get("url") or r["error"]["code"] for r in results] == [
        "https://example.org/also-gone", "https://example.org/kept", "invalid_url"]
