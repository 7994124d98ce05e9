"""A data folder of release 0.1.0 (made by that release's code: see
``tests/fixtures/release-0.1.0/make_fixture.py``) upgrades in place and keeps working: its
``config.json`` without a service reads as a Pocket account, its bare token in the keychain
is the account's credentials, its queued saves go out and the account's list comes home."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fakepocket import FakePocket
from tests.support.frames import REPO
from tests.support.hostio import StrictHost, host_env

FIXTURE = REPO / "tests" / "fixtures" / "release-0.1.0" / "data"
SYNCED = ["https://news.example/one", "https://blog.example/two", "https://docs.example/three",
          "https://xn--caf-dma.example/quatre", "https://example.org/five"]
WAITING = ["https://later.example/six", "https://later.example/seven"]


def old_folder(tmp_path: Path, fake: FakePocket) -> dict[str, str]:
    """The fixture, copied, pointed at this fake server (only the server's address changes,
    in the old format), with the token under the same kind of keychain entry."""
    env = host_env(tmp_path)
    home = Path(env["POCKET_COMPANION_HOME"])
    shutil.copytree(FIXTURE, home)
    config = json.loads((home / "config.json").read_text())
    assert set(config) == {"server", "consumer_key", "username"}  # the old format, as made
    old_server = config["server"]
    config["server"] = fake.base_url
    (home / "config.json").write_text(json.dumps(config))
    keyring = json.loads((home / "keyring.json").read_text())
    [(entry, token)] = keyring.items()
    assert entry == f"pocket-companion/pocketuser@{old_server}" and not token.startswith("{")
    (home / "keyring.json").unlink()
    Path(env["TEST_KEYRING_FILE"]).write_text(json.dumps(
        {f"pocket-companion/pocketuser@{fake.base_url}": fake.issue_token()}))
    return env


def cli(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run([sys.executable, "-m", "pocket_companion", *args, "--json"],
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_release_0_1_data_folder_upgrades_in_place_and_keeps_working(
        tmp_path: Path, fake: FakePocket) -> None:
    fake.seed_many([{"url": url, "title": f"Page {n + 1}", "status":
                     "archived" if n == 1 else "unread", "favorite": n == 2}
                    for n, url in enumerate(SYNCED)])
    fake.seed_many([{"url": "https://phone.example/saved-elsewhere", "title": "From a phone"}])
    fake.advance(2)
    env = old_folder(tmp_path, fake)

    status = cli(env, "status")
    assert status["account"] == {"username": "pocketuser", "server": fake.base_url,
                                 "service": "pocket"}
    assert status["pending"] == 2
    listed = {item["url"]: item for item in cli(env, "list", "--limit", "50")["items"]}
    assert set(listed) == {*SYNCED, *WAITING}
    assert listed[SYNCED[1]]["status"] == "archived" and listed[SYNCED[2]]["favorite"]

    host = StrictHost(env)
    hello = host.request("hello")["data"]
    assert hello["account"]["service"] == "pocket"
    assert hello["service"]["name"] == "pocket"
    assert set(hello["service"]["capabilities"]) == {"archive", "favorite", "tags", "delete",
                                                    "pull"}
    assert [field["name"] for field in hello["service"]["fields"]] == ["consumer_key"]
    assert host.finish()[0] == 0

    synced = cli(env, "sync")
    assert (synced["synced"], synced["pending"]) == (2, 0)
    listed = {item["url"]: item for item in cli(env, "list", "--limit", "50")["items"]}
    assert set(listed) == {*SYNCED, *WAITING, "https://phone.example/saved-elsewhere"}
    assert {item["state"] for item in listed.values()} == {"synced"}
    assert all(fake.add_count(url) == 1 for url in WAITING)
    assert all(fake.add_count(url) == 0 for url in SYNCED)  # not sent again
    saved = cli(env, "save", "https://after.example/upgrade")
    assert saved["state"] == "synced"
    stored = json.loads((Path(env["POCKET_COMPANION_HOME"]) / "config.json").read_text())
    assert stored["server"] == fake.base_url  # untouched until the next login
