"""A pull cut short by ``kill -9`` loses nothing, and the next pull completes it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakepocket import FakePocket, Fault
from tests.support.frames import REPO
from tests.support.hostio import connect_account, host_env, wait_until

ITEMS = 10_000


@pytest.fixture
def fake() -> Iterator[FakePocket]:
    with FakePocket(count_cap=5000) as server:
        yield server


def local_count(home: Path) -> int:
    path = home / "reading-list.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
        except sqlite3.OperationalError:  # not created yet
            return 0


def test_kill_9_during_a_pull_loses_nothing_and_the_next_pull_completes_it(
        tmp_path: Path, fake: FakePocket) -> None:
    fake.seed_many([{"url": f"https://pulled.example/{n}", "title": f"P{n}", "tags": ["t"],
                     "time_added": 1_600_000_000 + n} for n in range(ITEMS)])
    fake.advance(5)
    env = host_env(tmp_path, fake)
    connect_account(env, fake)
    home = Path(env["POCKET_COMPANION_HOME"])
    fake.inject(Fault("slow", seconds=4.0, processed=False), times=2, path="/v3/get")
    command = [sys.executable, "-m", "pocket_companion", "sync", "--json"]
    proc = subprocess.Popen(command, env={**os.environ, **env}, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # the first page (5,000) is committed while the second call waits on the server
    assert wait_until(lambda: local_count(home) >= 5000, timeout=30), "the first page"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert local_count(home) == 5000
    fake.clear_faults()
    time.sleep(0.1)

    result = subprocess.run(command, env={**os.environ, **env}, cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=True)
    assert json.loads(result.stdout)["pulled"] == ITEMS  # the cursor never moved: all again
    assert local_count(home) == ITEMS
    with sqlite3.connect(home / "reading-list.sqlite3") as conn:
        keys = conn.execute("SELECT COUNT(DISTINCT key), COUNT(DISTINCT remote_id), "
                            "COUNT(*) FROM items").fetchone()
        queued = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert keys == (ITEMS, ITEMS, ITEMS) and queued == 0  # none twice, nothing to send back
    assert all(fake.add_count(f"https://pulled.example/{n}") == 0 for n in range(0, ITEMS, 97))
