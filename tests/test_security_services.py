"""Findings 1 and 11 of the security review, for every service: no credential of any service
(a password, a client secret, an API key or token, an access or refresh token) shows in a
command line another local user can read, in the host's replies or stderr, in the CLI's
output, in a log or in any file of the data folder; the keychain holds what the account
needs (not wallabag's password unless asked), and nothing once logged out."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.fakepocket import Fault
from tests.fakes.base import FakeService
from tests.fakes.instapaper import FakeInstapaper
from tests.fakes.karakeep import FakeKarakeep
from tests.fakes.linkding import FakeLinkding
from tests.fakes.readeck import FakeReadeck
from tests.fakes.wallabag import FakeWallabag
from tests.support.frames import REPO
from tests.support.hostio import StrictHost, host_env
from tests.support.users import User, descendants, watching_commands


class Case(NamedTuple):
    make: Callable[[], FakeService]
    login: Callable[[Any], tuple[list[str], list[str]]]  # fake -> (CLI options, secrets)


CASES = {
    "wallabag": Case(FakeWallabag, lambda f: (
        ["--client-id", f.CLIENT_ID, "--username", f.USERNAME], [f.CLIENT_SECRET, f.PASSWORD])),
    "readeck": Case(FakeReadeck, lambda f: (["--token"], [f.issue_token()])),
    "instapaper": Case(FakeInstapaper, lambda f: ([], [f.issue_token()])),
    "karakeep": Case(FakeKarakeep, lambda f: ([], [f.issue_key()])),
    "linkding": Case(FakeLinkding, lambda f: ([], [f.issue_token()])),
}
_SECRET_FIELDS = ("client_secret", "password", "refresh_token", "access_token", "token", "code")


def credentials_seen(fake: FakeService) -> set[str]:
    """Every credential that reached the fake: bearer and basic ones, and those in bodies."""
    found: set[str] = set()
    for call in fake.requests():
        scheme, _, value = call.request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            value = base64.b64decode(value).decode().partition(":")[2]
        found.add(value.strip())
        if isinstance(call.request.body, dict):
            found.update(str(call.request.body.get(name) or "") for name in _SECRET_FIELDS)
    return {value for value in found if len(value) >= 8}


def forms(secret: str) -> list[bytes]:
    return [secret.encode(), base64.b64encode(secret.encode()), secret.encode("utf-16-le")]


def places(tmp: Path, outputs: dict[str, bytes]) -> dict[str, bytes]:
    """Every file the run left (data folder, logs, the test keyring), and what it printed."""
    return {**outputs, **{str(p): p.read_bytes() for p in tmp.rglob("*") if p.is_file()}}


def session(host: StrictHost, fake: FakeService) -> None:
    """Save, save through a server failure, sync, read; then log out."""
    assert host.request("save", {"url": "https://example.org/secret-page"})["ok"]
    fake.inject(Fault("status", status=500))
    assert host.request("save", {"url": "https://example.org/after-a-failure"})["ok"]
    for action in ("sync", "status", "hello", "list"):
        assert host.request(action)["ok"], action
    assert host.request("logout")["ok"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_credential_of_any_service_leaks(attacker: User, shared: Path, tmp_path: Path,
                                            name: str) -> None:
    case = CASES[name]
    with case.make() as fake:
        options, typed = case.login(fake)
        env = {**host_env(tmp_path), "POCKET_COMPANION_LOG_LEVEL": "DEBUG",
               "POCKET_COMPANION_TOKEN_CACHE": "0"}
        cli = [sys.executable, "-m", "pocket_companion", "login", "--service", name,
               "--server", fake.base_url, *options]
        with watching_commands(attacker, shared) as everything:
            login = subprocess.run(cli, input="".join(f"{s}\n" for s in typed).encode(), env=env,
                                   cwd=REPO, capture_output=True, timeout=120)
            keychain = Path(env["TEST_KEYRING_FILE"]).read_text()
            host = StrictHost(env, keep_raw=True)
            session(host, fake)
            code, stderr = host.finish()
        seen = [command for command in everything if command.command]
        secrets = sorted(credentials_seen(fake) | set(typed))
    assert login.returncode == 0, login.stderr
    assert code == 0, stderr
    assert len(descendants(everything, host.proc.pid)) >= 1
    if name == "wallabag":  # kept: the tokens and the client secret; not the password
        assert FakeWallabag.CLIENT_SECRET in keychain and FakeWallabag.PASSWORD not in keychain
    assert [c for c in seen if any(s in c.command for s in secrets)] == []
    found = places(tmp_path, {"host stdout": bytes(host.out.raw), "host stderr": stderr.encode(),
                              "CLI output": login.stdout + login.stderr})
    assert any(path.endswith("pocket-companion.log") for path in found)
    leaks = [place for place, data in found.items()
             if any(form in data for secret in secrets for form in forms(secret))]
    assert leaks == []
