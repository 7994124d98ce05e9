"""Connecting accounts of the services without a redirect, through the real host and the real
CLI: tokens and passwords go in a login's ``secrets`` (or the CLI's prompt, or its standard
input), never its arguments; a missing or refused value is named; the keychain entry is
per service; switching services keeps the list."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pocket_companion.config import Config

from tests.fakes.instapaper import FakeInstapaper
from tests.fakes.linkding import FakeLinkding
from tests.fakes.wallabag import FakeWallabag
from tests.support.frames import REPO, HostProcess
from tests.support.hostio import host_env


@pytest.fixture
def instapaper() -> Iterator[FakeInstapaper]:
    with FakeInstapaper() as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return host_env(tmp_path)


def keyring_file(env: dict[str, str]) -> dict[str, str]:
    path = Path(env["TEST_KEYRING_FILE"])
    text = path.read_text() if path.exists() else ""
    return json.loads(text) if text else {}


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                          env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_a_token_login_through_the_host(env: dict[str, str],
                                        instapaper: FakeInstapaper) -> None:
    token = instapaper.issue_token()
    host = HostProcess(env)
    reply = host.request("login", {"service": "instapaper", "server": instapaper.base_url,
                                   "secrets": {"token": token}})
    assert reply["ok"], reply
    assert reply["data"] == {"username": "reader@example.com", "server": instapaper.base_url,
                             "service": "instapaper"}
    hello = host.request("hello")["data"]
    assert hello["account"]["service"] == "instapaper"
    assert hello["service"]["fields"][0]["kind"] == "secret"
    assert [s["name"] for s in hello["services"]][:2] == ["pocket", "wallabag"]
    entries = keyring_file(env)
    assert list(entries.values()) == [token]
    name = f"pocket-companion/instapaper:reader@example.com@{instapaper.base_url}"
    assert list(entries) == [name]
    saved = host.request("save", {"url": "https://example.org/kept"})
    assert saved["data"]["state"] == "synced"
    assert [b.url for b in instapaper.bookmarks.values()] == ["https://example.org/kept"]
    config = (Path(env["POCKET_COMPANION_HOME"]) / "config.json").read_text()
    assert token not in config
    assert host.close()[0] == 0


def test_a_refused_or_missing_value_is_named(env: dict[str, str],
                                             instapaper: FakeInstapaper) -> None:
    host = HostProcess(env)
    refused = host.request("login", {"service": "instapaper", "server": instapaper.base_url,
                                     "secrets": {"token": "not-a-token"}})
    assert refused["error"]["code"] == "field_rejected"
    assert refused["error"]["field"] == "token" and "token" in refused["error"]["message"]
    missing = host.request("login", {"service": "instapaper", "server": instapaper.base_url})
    assert missing["error"]["code"] == "field_rejected" and missing["error"]["field"] == "token"
    no_server = host.request("login", {"service": "linkding", "secrets": {"token": "x" * 40}})
    assert no_server["error"]["field"] == "server"
    as_field = host.request("login", {"service": "instapaper", "server": instapaper.base_url,
                                      "fields": {"token": "t" * 20}})
    assert as_field["error"]["code"] == "invalid_params"
    assert "secret" in as_field["error"]["message"]
    assert keyring_file(env) == {} and host.request("hello")["data"]["account"] is None
    assert host.close()[0] == 0


def test_the_cli_reads_the_token_from_stdin_never_from_its_arguments(
        env: dict[str, str], instapaper: FakeInstapaper) -> None:
    token = instapaper.issue_token()
    done = cli(env, "login", "--service", "instapaper", "--server", instapaper.base_url,
               stdin=f"{token}\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Logged in as reader@example.com")
    assert list(keyring_file(env).values()) == [token]
    wrong = cli(env, "login", "--service", "instapaper", "--server", instapaper.base_url,
                stdin="wrong-token\n")
    assert wrong.returncode == 1
    assert "personal access token" in wrong.stderr and "wrong-token" not in wrong.stderr


def test_switching_services_keeps_the_list_and_queues_it_for_the_new_account(
        env: dict[str, str], instapaper: FakeInstapaper) -> None:
    host = HostProcess(env)
    assert host.request("save", {"url": "https://example.org/before"})["ok"]
    assert host.request("login", {"service": "instapaper", "server": instapaper.base_url,
                                  "secrets": {"token": instapaper.issue_token()}})["ok"]
    assert host.request("sync")["ok"]
    with FakeLinkding() as linkding:
        reply = host.request("login", {"service": "linkding", "server": linkding.base_url,
                                       "secrets": {"token": linkding.issue_token()}})
        assert reply["ok"], reply
        synced = host.request("sync")["data"]
        assert synced["pending"] == 0
        assert [b.url for b in linkding.bookmarks.values()] == ["https://example.org/before"]
    assert len(instapaper.bookmarks) == 1
    settings = Config(env["POCKET_COMPANION_HOME"]).load()
    assert settings.service == "linkding" and len(keyring_file(env)) == 1
    assert host.close()[0] == 0


def test_staying_connected_can_be_chosen_and_taken_back(env: dict[str, str]) -> None:
    with FakeWallabag() as wallabag:
        fields = {"client_id": wallabag.CLIENT_ID, "username": wallabag.USERNAME}
        secrets = {"client_secret": wallabag.CLIENT_SECRET, "password": wallabag.PASSWORD}
        host = HostProcess(env)
        for flag, kept in (({"stay_connected": "1"}, True), ({}, False)):
            reply = host.request("login", {"service": "wallabag", "server": wallabag.base_url,
                                           "fields": {**fields, **flag}, "secrets": secrets})
            assert reply["ok"], reply
            options = Config(env["POCKET_COMPANION_HOME"]).load().options
            assert ("stay_connected", "1") in options if kept else dict(options).keys() == {
                "client_id", "username"}
            [stored] = keyring_file(env).values()
            assert (wallabag.PASSWORD in stored) is kept
            assert wallabag.CLIENT_SECRET in stored
        assert host.close()[0] == 0


def test_pockets_server_variable_leaves_other_services_alone(
        env: dict[str, str], instapaper: FakeInstapaper) -> None:
    host = HostProcess({**env, "POCKET_BASE_URL": "https://pocket.example"})
    assert host.request("login", {"service": "instapaper", "server": instapaper.base_url,
                                  "secrets": {"token": instapaper.issue_token()}})["ok"]
    assert host.request("status")["data"]["server"] == instapaper.base_url
    assert host.request("save", {"url": "https://example.org/x"})["data"]["state"] == "synced"
    assert host.close()[0] == 0
