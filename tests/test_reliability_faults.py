"""Faults from the fake Pocket server through a stream of saves: 500 and 503, timeouts,
refused connections, connections reset before and after the server did the work, 401,
403 rate limits with a reset, malformed JSON and HTML error pages, in a random order
(the seed is printed). Every save ends ``synced`` or ``pending`` and is in the reading
list; after recovery every page is on the server exactly once."""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

from pocket_companion.cli import call
from pocket_companion.core import Companion

from tests.fakepocket import FakePocket, Fault
from tests.support.clock import Clock

SEED = int(os.environ.get("POCKET_COMPANION_SEED", "1729"))
SAVES = 150
LIMIT = {"X-Limit-User-Remaining": "0", "X-Limit-User-Reset": "20"}
FAULTS: dict[str, Fault] = {
    "500 (done)": Fault("status", status=500, processed=True),
    "500": Fault("status", status=500),
    "503": Fault("status", status=503),
    "timeout (done)": Fault("slow", seconds=1.5, processed=True),
    "reset before": Fault("drop"),
    "reset after (done)": Fault("reset_after_processing"),
    "401": Fault("status", status=401, error_code=107, error_text="Invalid access token."),
    "403 rate limit": Fault("status", status=403, error_code=152, headers=LIMIT),
    "malformed JSON": Fault("malformed_json"),
    "malformed JSON (done)": Fault("malformed_json", processed=True),
    "HTML error page": Fault("html_error", status=502),
    "HTML error page (done)": Fault("html_error", status=504, processed=True),
}
REFUSED = "refused"  # the server is down: nothing listens on its port


class Person:
    """Saves pages through the protocol's handlers, and logs in again when asked to."""

    def __init__(self, companion: Companion, fake: FakePocket) -> None:
        self.companion, self.fake = companion, fake
        self.saved: list[str] = []
        self.warnings: Counter[str] = Counter()

    def login(self) -> None:
        self.companion.login(server=self.fake.base_url, timeout=20,
                             fields={"consumer_key": self.fake.CONSUMER_KEY})

    def save(self, urls: list[str]) -> None:
        if len(urls) == 1:
            results: list[dict[str, Any]] = [call(self.companion, "save", {"url": urls[0]})]
            warning = results[0].get("warning")
        else:
            data = call(self.companion, "save_many", {"items": [{"url": u} for u in urls]})
            results, warning = data["results"], data.get("warning")
        assert [r["state"] in ("synced", "pending") for r in results] == [True] * len(urls)
        if warning:
            self.warnings[warning["code"]] += 1
        self.saved.extend(urls)
        for url in urls:  # committed locally whatever the server did
            assert call(self.companion, "lookup", {"url": url})["saved"] is True


def test_every_save_survives_every_fault_and_is_delivered_once(
        make_companion: Callable[..., Companion]) -> None:
    print(f"fault storm seed: {SEED} (POCKET_COMPANION_SEED to replay)")
    rng = random.Random(SEED)
    schedule: list[str | None] = [name for name in [*FAULTS, REFUSED] for _ in range(3)]
    schedule += [None] * (SAVES - len(schedule))
    rng.shuffle(schedule)
    clock = Clock()
    with FakePocket(clock=clock, user_limit=10**6, key_limit=10**6) as fake:
        person = Person(make_companion(clock=clock, timeout=(1.0, 1.0)), fake)
        person.login()
        for index, fault in enumerate(schedule):
            if person.companion.config.load().username is None:
                person.login()  # after a 401 the account is gone until the person logs in
            clock.advance(61 if fault else rng.uniform(0.5, 5))  # past any hold
            if fault == REFUSED:
                fake.stop()
            elif fault:
                fake.inject(FAULTS[fault])
            size = rng.choice([1, 1, 1, 1, 3])
            person.save([f"https://example.org/storm/{index}/{n}" for n in range(size)])
            fake.clear_faults()
            fake.start()
        consumed = Counter(c.fault for c in fake.calls if c.fault)
        if person.companion.config.load().username is None:
            person.login()
        clock.advance(3600)
        recovered = call(person.companion, "sync", {})
        items = call(person.companion, "list", {"limit": 1000})["items"]
        on_server = sorted(item["given_url"] for item in fake.items().values())
        adds = {url: fake.add_count(url) for url in person.saved}
    print(f"warnings: {dict(person.warnings)}; faults applied: {dict(consumed)}")
    assert recovered["pending"] == 0
    assert set(person.warnings) >= {"service_unavailable", "not_authenticated", "rate_limited"}
    assert set(consumed) == {"status", "slow", "drop", "reset_after_processing",
                             "malformed_json", "html_error"}
    assert sorted(item["url"] for item in items) == sorted(person.saved)
    assert {item["state"] for item in items} == {"synced"}
    assert on_server == sorted(person.saved)
    assert {url: n for url, n in adds.items() if n != 1} == {}

