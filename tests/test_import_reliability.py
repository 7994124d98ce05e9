"""Imports that go wrong: files of any bytes never crash an import nor leave a half-written
list, and an import of 20,000 pages killed with SIGKILL then run again ends with exactly
those 20,000 pages, each sent to the server exactly once."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pocket_companion.core import Companion, Deps
from pocket_companion.library import importer
from pocket_companion.library.importer import BATCH

from tests.fakepocket import FakePocket
from tests.support import scan
from tests.support.frames import REPO
from tests.support.hostio import connect_account, host_env

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
SOURCES = sorted([*FIXTURES.glob("*.*"), *(FIXTURES / "pocket").glob("*.csv")])


def consistent(c: Companion, path: Path) -> int:
    """The list is whole: the index holds exactly the live pages, each has its add queued."""
    live = {row.id for row in scan.live_rows(path)}
    indexed = {row[0] for row in c.store.db.query("SELECT rowid FROM items_fts")}
    added = {row[0] for row in c.store.db.query("SELECT item FROM outbox WHERE op = 'add'")}
    assert indexed == live and added == live
    return len(live)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(SOURCES), st.integers(min_value=0), st.binary(max_size=40),
       st.booleans())
def test_broken_files_never_crash_an_import_nor_leave_half_a_list(
        tmp_path_factory: pytest.TempPathFactory, source: Path, cut: int, noise: bytes,
        truncate: bool) -> None:
    folder = tmp_path_factory.mktemp("broken")
    data = source.read_bytes()
    cut %= len(data) + 1
    broken = data[:cut] if truncate else data[:cut] + noise + data[cut + len(noise):]
    path = folder / source.name
    path.write_bytes(broken)
    c = Companion(folder, Deps())
    report = importer.run(c.store, [path])
    assert consistent(c, folder / "reading-list.sqlite3") == report.added
    c.store.db.close()


def write_rows(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "url", "time_added", "tags", "status"])
        for i in range(count):
            writer.writerow([f"Page {i}", f"https://many.example/{i}", 1600000000 + i,
                             "bulk" if i % 3 else "", "archive" if i % 5 == 0 else "unread"])


def count_items(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_an_import_killed_midway_then_run_again_ends_whole_and_sends_each_page_once(
        tmp_path: Path) -> None:
    total = 20_000
    source = tmp_path / "part_000000.csv"
    write_rows(source, total)
    env = host_env(tmp_path)
    database = Path(env["POCKET_COMPANION_HOME"]) / "reading-list.sqlite3"
    command = [sys.executable, "-m", "pocket_companion", "import", str(source)]
    started = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while count_items(database) < 3 * BATCH and started.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(started.pid, signal.SIGKILL)
    started.wait()
    halfway = count_items(database)
    assert 0 < halfway < total and halfway % BATCH == 0  # whole batches only
    again = subprocess.run([*command, "--json"], env=env, cwd=REPO, capture_output=True,
                           text=True, timeout=300)
    report = json.loads(again.stdout)
    assert (report["added"], report["unchanged"]) == (total - halfway, halfway)

    with FakePocket(user_limit=10_000, count_cap=5000) as fake:  # the pull back: 4 pages
        env.update(POCKET_BASE_URL=fake.base_url, POCKET_CONSUMER_KEY=fake.CONSUMER_KEY)
        connect_account(env, fake)
        synced = subprocess.run([sys.executable, "-m", "pocket_companion", "sync", "--json"],
                                env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert json.loads(synced.stdout)["pending"] == 0, synced.stderr
        remote = fake.items()
        assert len(remote) == total
        assert {fake.add_count(f"https://many.example/{i}") for i in range(total)} == {1}
        archived = sum(item["status"] == "1" for item in remote.values())
        assert archived == total // 5
    assert count_items(database) == total
