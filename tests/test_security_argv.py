"""Finding 1 (high) and the argument part of finding 11 of the security review: nothing
another local user can read in the process list is worth anything.

Another user (a real second account, :mod:`tests.support.users`) reads the command line
of every process of ours as fast as it can while we log in and save: through the login
window, through the system browser, and with the consumer key typed into the CLI. No
request token, ``state``, consumer key or account name may ever appear there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import need
from tests.fakepocket import FakePocket
from tests.support.frames import REPO, HostProcess
from tests.support.hostio import connect_account, host_env
from tests.support.users import User, descendants, watching_commands

SCRIPTED_PERSON = f"{sys.executable} -m tests.support.browser %s"


def login_values(fake: FakePocket) -> list[str]:
    """Every request token the fake gave out, and the state of each login's redirect."""
    values = []
    for code, token in fake.state.request_tokens.items():
        values.append(code)
        values += parse_qs(urlsplit(token.redirect_uri).query).get("state", [])
    return values


def leaks(commands: list[str], secrets: list[str]) -> list[str]:
    assert secrets and all(secrets)
    return [command for command in commands if any(secret in command for secret in secrets)]


@pytest.fixture
def env(tmp_path: Path, fake: FakePocket) -> Iterator[dict[str, str]]:
    values = host_env(tmp_path, fake)
    values["POCKET_COMPANION_TOKEN_CACHE"] = "0"  # every read goes through the helper
    yield values


def test_the_login_window_and_the_keychain_helper_show_nothing(
        attacker: User, shared: Path, env: dict[str, str], fake: FakePocket) -> None:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    connect_account(env, fake)
    host = HostProcess({**env, "QT_QPA_PLATFORM": "offscreen"})
    with watching_commands(attacker, shared) as everything:
        assert host.request("save", {"url": "https://example.org/a"})["ok"]
        reply = host.request("login", {"timeout": 3})  # the window waits, nobody answers
        host.close()
    seen = descendants(everything, host.proc.pid)
    assert reply["error"]["code"] == "login_timeout"
    assert any("pocket_companion.account.login.login_window" in command for command in seen), seen
    assert any("pocket_companion.account.secrets.keychain_child" in command
               for command in seen), seen
    secrets = [*login_values(fake), fake.CONSUMER_KEY, "pocketuser@"]
    assert leaks(seen, secrets) == []


def test_the_system_browser_is_started_with_nothing_usable(
        attacker: User, shared: Path, env: dict[str, str], fake: FakePocket) -> None:
    slow = f"sh -c 'sleep 1; exec {sys.executable} -m tests.support.browser \"$0\"' %s"
    host = HostProcess({**env, "BROWSER": slow})  # a browser that takes a second to start
    with watching_commands(attacker, shared) as everything:
        reply = host.request("login", {"timeout": 60, "show_in": "browser"})
        host.close()
    seen = descendants(everything, host.proc.pid)
    assert reply["ok"], reply
    browsers = [command for command in seen if command.startswith("sh -c")]
    assert browsers, seen
    assert leaks(seen, login_values(fake)) == []
    for command in browsers:  # a one-time loopback address, already used and gone
        assert "/go/" in command and "127.0.0.1" in command


def test_the_consumer_key_can_be_typed_instead_of_given_in_the_arguments(
        attacker: User, shared: Path, env: dict[str, str], fake: FakePocket) -> None:
    del env["POCKET_CONSUMER_KEY"]
    cli = [sys.executable, "-m", "pocket_companion", "login", "--server", fake.base_url,
           "--consumer-key", "--system-browser", "--timeout", "60"]
    with watching_commands(attacker, shared) as everything:
        proc = subprocess.Popen(cli, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=REPO,
                                env={**env, "BROWSER": SCRIPTED_PERSON})
        stdout, stderr = proc.communicate(f"{fake.CONSUMER_KEY}\n", timeout=120)
    seen = descendants(everything, proc.pid)
    assert proc.returncode == 0, stderr
    assert any("--consumer-key" in command for command in seen), seen
    assert "Logged in as pocketuser" in stdout
    assert "can see a consumer key" not in stderr
    assert leaks(seen, [fake.CONSUMER_KEY]) == []
    stored = json.loads((Path(env["POCKET_COMPANION_HOME"]) / "config.json").read_text())
    assert stored["options"]["consumer_key"] == fake.CONSUMER_KEY


def test_a_key_in_the_arguments_still_works_with_a_warning(
        env: dict[str, str], fake: FakePocket) -> None:
    del env["POCKET_CONSUMER_KEY"]
    result = subprocess.run(
        [sys.executable, "-m", "pocket_companion", "login", "--server", fake.base_url,
         "--consumer-key", fake.CONSUMER_KEY, "--system-browser", "--timeout", "60"],
        text=True, capture_output=True, env={**env, "BROWSER": SCRIPTED_PERSON}, cwd=REPO,
        timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "other users of this computer can see a consumer key" in result.stderr
