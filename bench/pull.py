"""The first pull of a big account: ``pocket-companion sync`` into an empty data folder
against a fake Pocket server holding ``items`` pages that pages 5,000 a call (as the last
servers allowed), process start included; then a second pull with nothing changed.

The baseline is the least any client must do: the same ``/v3/get`` pages fetched with a
bare ``requests`` session and decoded, in the same run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.fakepocket import FakePocket

from . import procs, setup
from .cases import Row


def _seed(fake: FakePocket, items: int) -> None:
    fake.seed_many([{"url": f"https://www.site{n % 360}.example/{2000 + n % 25}/page-{n}",
                     "title": f"Page {n} of the benchmark", "tags": ["bench"] if n % 3 else [],
                     "time_added": 1_500_000_000 + n, "status": "archived" if n % 3 == 0
                     else "unread", "favorite": n % 7 == 0} for n in range(items)])
    fake.advance(2)


def _bare(fake: FakePocket, token: str) -> float:
    """Seconds to fetch every page as a bare client would (until a short page)."""
    start = time.perf_counter()
    with requests.Session() as session:
        offset = 0
        while True:
            reply = session.post(f"{fake.base_url}/v3/get", json={
                "consumer_key": fake.CONSUMER_KEY, "access_token": token, "state": "all",
                "detailType": "complete", "sort": "oldest", "count": 5000, "offset": offset})
            listed = reply.json()["list"] or {}
            offset += len(listed)
            if len(listed) < 5000:
                break
    return time.perf_counter() - start


def _sync(home: Path, keyenv: dict[str, str]) -> tuple[float, dict[str, int]]:
    env = procs.clean_env(POCKET_COMPANION_HOME=str(home), **keyenv)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pocket_companion", "sync", "--json"],
                            env=env, capture_output=True, text=True, check=True, timeout=300)
    return time.perf_counter() - start, json.loads(result.stdout)


def first_pull(tmp: Path, items: int, keyenv: dict[str, str]) -> list[Row]:
    with FakePocket(count_cap=5000, user_limit=10**9, key_limit=10**9) as fake:
        _seed(fake, items)
        home, token = setup.account_home(tmp, fake, "pull")
        baseline = _bare(fake, token)
        calls = fake.call_count("/v3/get")
        seconds, data = _sync(home, keyenv)
        first_calls = fake.call_count("/v3/get") - calls
        assert data["pulled"] == items, data
        fake.advance(2)
        calls = fake.call_count("/v3/get")
        again, _ = _sync(home, keyenv)
        second_calls = fake.call_count("/v3/get") - calls
        setup.forget_account(home)
    per_5000 = first_calls / max(1, items / 5000)
    return [
        Row(f"first pull of {items} items (sync command)", seconds * 1000, baseline * 1000,
            "ms", "(information)", None),
        Row(f"first pull of {items} items: /v3/get calls", first_calls,
            max(1.0, items / 5000), "calls", "<= 3 per 5000", per_5000 <= 3),
        Row("second pull, nothing changed (sync command)", again * 1000, float("nan"), "ms",
            "1 call", second_calls == 1),
    ]
