"""Imports into the reading list, through the real CLI: every format's fixture gives the
expected pages, dates, states and tags; pages already there keep their place and state;
the same file twice changes nothing; a dry run writes nothing; imported pages reach the
server once, with their dates; ``status`` tells how far an import has got."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.fakepocket import FakePocket, Fault
from tests.support.frames import REPO
from tests.support.hostio import connect_account, host_env

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
EVERY_FIXTURE = sorted([*FIXTURES.glob("*.*")])


def cli(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "pocket_companion", *args], env=env,
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            stdin=subprocess.DEVNULL)
    if ok:
        assert result.returncode in (0, 1), result.stderr
    return result


def listed(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    data = json.loads(cli(env, "list", "--json", "--limit", "1000").stdout)
    return {item["url"]: item for item in data["items"]}


def summary(item: dict[str, Any]) -> tuple[str, str, str, bool, list[str]]:
    return item["title"], item["saved_at"], item["status"], item["favorite"], item["tags"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return host_env(tmp_path)


def pocket_zip(folder: Path) -> Path:
    path = folder / "pocket.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted((FIXTURES / "pocket").iterdir()):
            archive.write(part, f"pocket/{part.name}")
    return path


EXPECTED = {
    "https://example.org/#test": ("Example.net", "2023-05-24T07:29:06Z", "unread", False,
                                  ["tag1", "tag2"]),
    "https://news.example.com/story?id=7": ('Commas, quotes "and" a new line',
                                            "2023-05-24T07:30:00Z", "archived", False, []),
    "https://untitled.example/page": ("", "2023-05-24T07:31:40Z", "unread", False, []),
    # the same page twice (once with utm_ parameters): the first row, the tags of both
    "https://xn--bcher-kva.example/ä": ("Café — naïve résumé 日本語", "2023-05-24T07:33:20Z",
                                        "unread", False, ["lecture", "à lire", "second"]),
    "https://example.org/dup": ("Duplicate row", "2023-05-24T07:36:40Z", "unread", False,
                                ["a", "b"]),
    "https://second.example/a": ("Second part", "2023-11-14T22:13:20Z", "unread", False,
                                 ["x", "y"]),
    "https://www.example.com/unread-one": ("Unread one & only", "2023-07-06T07:31:35Z",
                                           "unread", False, ["ifttt", "new_entry_simple"]),
    "https://archive.example/read": ("Read long ago — café", "2017-07-14T02:40:00Z",
                                     "archived", False, ["old"]),
    "https://insta.example/c": ("Starred one", "2023-11-14T22:18:20Z", "unread", True,
                                ["fav"]),
    "https://recipes.example/tart": ("Tart (milliseconds)", "2020-09-13T12:35:00Z", "unread",
                                     False, ["cooking", "desserts"]),
    "https://linkding.example/read": ("Already read", "2024-03-09T16:01:40Z", "archived",
                                      False, ["done"]),
    "https://json.example/a": ("Favourite, archived", "2024-05-01T08:30:00Z", "archived",
                               True, ["one", "two"]),
}


def test_every_format_goes_in_with_its_dates_states_and_tags(env: dict[str, str],
                                                            tmp_path: Path) -> None:
    files = [str(pocket_zip(tmp_path)), *map(str, EVERY_FIXTURE)]
    result = cli(env, "import", *files)
    assert result.returncode == 1  # some rows could not be imported: each is named
    assert result.stdout.startswith("Added 25, updated 0, 0 unchanged")
    problems = result.stderr.splitlines()
    assert "pocket-companion: pocket.zip:pocket/part_000000.csv:10: only http and https " \
           "pages can be saved" in problems
    assert "pocket-companion: pocket.zip:pocket/part_000000.csv:11: the date 'yesterday' " \
           "cannot be read" in problems
    assert "pocket-companion: instapaper.csv:6: no URL (Instapaper notes without a page " \
           "cannot be imported)" in problems
    assert len(problems) == 7
    items = listed(env)
    assert len(items) == 25
    for url, expected in EXPECTED.items():
        assert summary(items[url]) == expected, url
    assert all(item["state"] == "pending" for item in items.values())  # for the account


def test_pages_already_listed_keep_their_place_and_state(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    cli(env, "save", "https://news.example.com/story?id=7", "--tag", "mine")
    cli(env, "archive", "https://news.example.com/story?id=7")
    cli(env, "save", "https://example.org/#test")  # saved after the other: on top
    before = listed(env)
    update = tmp_path / "update.csv"
    update.write_text("title,url,time_added,tags,status\n"
                      "New title,https://news.example.com/story?id=7,1000000000,new,unread\n"
                      "Other title,https://example.org/#test,1000000000,,archive\n")
    result = cli(env, "import", str(update))
    assert result.stdout.startswith("Added 0, updated 1, 1 unchanged")
    after = listed(env)
    story = after["https://news.example.com/story?id=7"]
    assert (story["title"], story["status"], story["saved_at"]) == (
        "", "archived", before["https://news.example.com/story?id=7"]["saved_at"])
    assert story["tags"] == ["mine", "new"]
    assert list(after) == list(before)  # same order: nothing moved to the top
    assert after["https://example.org/#test"]["status"] == "unread"


def outbox(env: dict[str, str]) -> list[tuple[int, str]]:
    path = Path(env["POCKET_COMPANION_HOME"]) / "reading-list.sqlite3"
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT item, op FROM outbox ORDER BY seq").fetchall()


def test_the_same_file_twice_changes_nothing_and_a_dry_run_writes_nothing(
        env: dict[str, str], tmp_path: Path) -> None:
    archive = str(pocket_zip(tmp_path))
    dry = cli(env, "import", "--dry-run", "--json", archive)
    assert json.loads(dry.stdout)["added"] == 6 and json.loads(dry.stdout)["dry_run"]
    assert listed(env) == {}
    first = json.loads(cli(env, "import", "--json", archive).stdout)
    queued, items = outbox(env), listed(env)
    second = json.loads(cli(env, "import", "--json", archive).stdout)
    assert (first["added"], second["added"], second["updated"], second["unchanged"]) == (
        6, 0, 0, 6)
    assert outbox(env) == queued and listed(env) == items
    ops = [op for _, op in queued]
    assert (ops.count("add"), ops.count("archive"), len(ops)) == (6, 1, 7)


def test_imported_pages_reach_the_server_once_with_their_dates(
        env: dict[str, str], tmp_path: Path, fake: FakePocket) -> None:
    env.update(POCKET_BASE_URL=fake.base_url, POCKET_CONSUMER_KEY=fake.CONSUMER_KEY)
    connect_account(env, fake)
    cli(env, "import", str(FIXTURES / "export.json"), str(FIXTURES / "instapaper.csv"))
    assert "Import: 0 of 6 sent" in cli(env, "status").stdout
    synced = json.loads(cli(env, "sync", "--json").stdout)
    assert synced["pending"] == 0
    remote = {item["given_url"]: item for item in fake.items().values()}
    favourite = remote["https://json.example/a"]
    assert (favourite["time_added"], favourite["status"], favourite["favorite"]) == (
        "1714552200", "1", "1")
    assert sorted(favourite["tags"]) == ["one", "two"]
    assert remote["https://insta.example/c"]["favorite"] == "1"
    assert remote["https://insta.example/b"]["status"] == "1"
    assert all(fake.add_count(url) == 1 for url in remote)
    assert "Import:" not in cli(env, "status").stdout  # all sent


def test_status_tells_how_far_an_import_has_got(env: dict[str, str], tmp_path: Path,
                                               fake: FakePocket) -> None:
    env.update(POCKET_BASE_URL=fake.base_url, POCKET_CONSUMER_KEY=fake.CONSUMER_KEY)
    connect_account(env, fake)
    rows = "".join(f"Page {i},https://bulk.example/{i},{1600000000 + i},,unread\n"
                   for i in range(75))
    (tmp_path / "bulk.csv").write_text("title,url,time_added,tags,status\n" + rows)
    cli(env, "import", str(tmp_path / "bulk.csv"))
    fake.inject(Fault(status=403, error_code=152, headers={
        "X-Limit-User-Remaining": "0", "X-Limit-User-Reset": "600"}), path="/v3/send")
    cli(env, "sync")  # the first batch of 30 goes, then the server says: wait
    line = next(line for line in cli(env, "status").stdout.splitlines()
                if line.startswith("Import:"))
    assert line.startswith("Import: ") and " of 75 sent; next batch at " in line
    assert line.endswith("(rate limit)")
