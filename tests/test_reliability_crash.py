"""Crash safety: the host is killed with SIGKILL at random moments during 1,000 saves,
sometimes while its sync waits on a slow or failing server. After every restart each
acknowledged save is in the reading list; after a final sync every saved page is on
the server exactly once. The seed is printed (set POCKET_COMPANION_SEED to replay)."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from tests.fakepocket import FakePocket, Fault
from tests.support.hostio import StrictHost, connect_account, host_env, reading_list

SEED = int(os.environ.get("POCKET_COMPANION_SEED", "6061"))
SAVES = 1000
WINDOW = 6  # saves in flight at once, as a person with several tabs might


def save_replies(host: StrictHost) -> list[dict[str, Any]]:
    """Replies to saves (their ids are numbers; other requests' ids are strings)."""
    return [m for m in host.out.messages if isinstance(m.get("id"), int) and "event" not in m]


class Saver:
    """Streams saves to one host and records which ones were acknowledged."""

    def __init__(self, urls: list[str], acked: set[str]) -> None:
        self.urls, self.acked = urls, acked
        self.position = 0  # saves sent, over all hosts
        self.seen = 0  # replies read from the current host

    def record(self, host: StrictHost) -> None:
        """Every reply that reached us is an acknowledged save, even just before a kill."""
        replies = save_replies(host)
        for reply in replies[self.seen:]:
            assert reply["ok"] is True, reply
            assert reply["data"]["state"] in ("synced", "pending"), reply
            self.acked.add(self.urls[reply["id"]])
        self.seen = len(replies)

    def stream(self, host: StrictHost, budget: int) -> None:
        """Keep WINDOW saves in flight until ``budget`` replies came back."""
        start, self.seen = self.position, 0
        while True:
            while self.position < len(self.urls) and self.position - start - self.seen < WINDOW:
                host.send({"id": self.position, "action": "save",
                           "params": {"url": self.urls[self.position]}})
                self.position += 1
            if self.seen >= budget or self.position - start == self.seen:
                return
            assert host.out.wait(lambda: len(save_replies(host)) > self.seen, 60), \
                host.err.text(1)[-2000:]
            self.record(host)


def slow(rng: random.Random) -> Fault:
    """The server has done the add but its answer is late: a kill now loses the answer."""
    return Fault("slow", seconds=round(rng.uniform(0.3, 0.8), 2), processed=True)


def failing(rng: random.Random) -> Fault:
    return rng.choice([Fault("drop"), Fault("reset_after_processing"),
                       Fault("status", status=500, processed=True), Fault("status", status=503)])


def one_life(host: StrictHost, saver: Saver, fake: FakePocket, rng: random.Random) -> str:
    """Save for a while, then get killed: at a random moment, while a save's sync waits
    on a slow answer, during the sync a host runs when it starts, or after a failure."""
    mode = rng.choice(["random", "mid-sync", "mid-sync", "start-up", "failing"])
    budget = rng.choice([0, *range(20, 160)])
    if mode == "start-up":
        fake.inject(slow(rng))
        time.sleep(rng.uniform(0.5, 1.2))  # the start-up sync begins 0.5 s after hello
    elif mode == "failing":
        fake.inject(failing(rng), times=rng.randint(1, 2))
    saver.stream(host, budget)
    if mode == "mid-sync":
        fake.inject(slow(rng), times=rng.randint(1, 2))
        saver.stream(host, 0)
        time.sleep(rng.uniform(0.05, 0.5))
    else:
        time.sleep(rng.uniform(0, 0.03))
    return mode


def test_acknowledged_saves_survive_sigkill_and_are_delivered_once(tmp_path: Path) -> None:
    print(f"crash test seed: {SEED} (POCKET_COMPANION_SEED to replay)")
    rng = random.Random(SEED)
    urls = [f"https://example.org/crash/{i}" for i in range(SAVES)]
    acked: set[str] = set()
    saver = Saver(urls, acked)
    modes: list[str] = []
    with FakePocket(user_limit=10**6, key_limit=10**6) as fake:
        env = host_env(tmp_path, fake)
        connect_account(env, fake)
        while saver.position < SAVES:
            host = StrictHost(env)
            stored = reading_list(host)
            lost = sorted(acked - set(stored))
            assert not lost, f"lost after kill {len(modes)} ({modes[-1]}): {lost}"
            modes.append(one_life(host, saver, fake, rng))
            host.kill()
            saver.record(host)
        fake.clear_faults()
        host = StrictHost(env)
        sync = host.request("sync")
        assert sync["ok"] and sync["data"]["pending"] == 0, sync
        stored = reading_list(host)
        code, stderr = host.finish()
        assert code == 0, stderr
        on_server = {item["given_url"] for item in fake.items().values()}
        counts = {url: fake.add_count(url) for url in urls}
        faulty = sum(1 for call in fake.calls if call.fault)
        checks = fake.call_count("/v3/get")
    print(f"{len(modes)} kills {sorted(modes)}; {len(acked)} saves acknowledged, "
          f"{len(stored)} stored, {len(stored) - len(acked)} stored without a reply; "
          f"{faulty} faulty answers, {checks} checks of uncertain adds")
    assert len(modes) >= 5
    assert acked <= set(stored)
    assert all(item["state"] == "synced" for item in stored.values())
    assert on_server == set(stored)
    assert {url: n for url, n in counts.items() if n != (1 if url in stored else 0)} == {}
