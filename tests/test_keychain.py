"""Tokens in the OS keychain: a real Secret Service (a private D-Bus session with an
unlocked GNOME Keyring) shared by separate processes, what happens without one, and
the keychain rules checked with an in-memory backend."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from pocket_companion import errors
from pocket_companion.account.secrets.keychain import SERVICE, KeyringTokenStore
from pocket_companion.logs import redact

from tests.conftest import need
from tests.fakepocket import FakePocket
from tests.support.desktop import have, secret_service, url_recorder
from tests.support.frames import REPO
from tests.support.keyrings import MemoryKeyring

READ_TOKEN = """
import json, sys, keyring
from pocket_companion.account.secrets.keychain import KeyringTokenStore
backend = keyring.get_keyring()
print(json.dumps({"backend": type(backend).__module__ + "." + type(backend).__name__,
                  "token": KeyringTokenStore().get(sys.argv[1])}))
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def read_back(env: dict[str, str], account: str) -> dict[str, str | None]:
    """What a second, unrelated process finds in the keychain."""
    result = run(env, "-c", READ_TOKEN, account)
    assert result.returncode == 0, result.stderr
    found: dict[str, str | None] = json.loads(result.stdout)
    return found


@pytest.fixture
def session(tmp_path: Path, fake: FakePocket) -> Iterator[dict[str, str]]:
    """A CLI environment whose keychain is a real Secret Service of its own."""
    need(have("dbus-daemon", "gnome-keyring-daemon"),
         "no D-Bus or GNOME Keyring to run a Secret Service")
    with secret_service(tmp_path / "desktop") as env:
        env.update({
            "POCKET_COMPANION_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO),
            "POCKET_BASE_URL": fake.base_url, "POCKET_CONSUMER_KEY": fake.CONSUMER_KEY,
            "BROWSER": f"{sys.executable} -m tests.support.browser %s",
        })
        yield env


def login(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(env, "-m", "pocket_companion", "login", "--system-browser", "--timeout", "60")


def test_the_token_lives_in_the_secret_service(session: dict[str, str], fake: FakePocket,
                                               tmp_path: Path) -> None:
    assert login(session).returncode == 0
    account = f"pocketuser@{fake.base_url}"
    [token] = fake.issued_tokens
    found = read_back(session, account)
    assert found == {"backend": "keyring.backends.SecretService.Keyring", "token": token}
    for path in tmp_path.rglob("*"):  # not in plaintext anywhere (the keyring is encrypted)
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    logout = run(session, "-m", "pocket_companion", "logout")
    assert logout.returncode == 0, logout.stderr
    assert read_back(session, account)["token"] is None


def test_a_revoked_token_is_deleted_and_reported(session: dict[str, str],
                                                 fake: FakePocket) -> None:
    assert login(session).returncode == 0
    account = f"pocketuser@{fake.base_url}"
    [token] = fake.issued_tokens
    fake.revoke(token)
    saved = run(session, "-m", "pocket_companion", "save", "--json", "https://example.org/r")
    assert json.loads(saved.stdout)["warning"]["code"] == "not_authenticated"
    assert read_back(session, account)["token"] is None
    status = json.loads(run(session, "-m", "pocket_companion", "status", "--json").stdout)
    assert status["account"] is None and status["pending"] == 1


def test_without_a_secret_service_login_says_what_to_start(
        tmp_path: Path, fake: FakePocket) -> None:
    opened = tmp_path / "opened.txt"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO),
           "POCKET_COMPANION_HOME": str(tmp_path / "home"), "BROWSER": url_recorder(opened)}
    result = run(env, "-m", "pocket_companion", "login", "--system-browser", "--server",
                 fake.base_url, "--consumer-key", fake.CONSUMER_KEY)
    assert result.returncode == 1
    assert "start a Secret Service such as gnome-keyring" in result.stderr
    assert not opened.exists()  # refused before anyone was asked to approve
    assert fake.issued_tokens == []


def test_a_locked_keychain_is_secure_storage_unavailable(tmp_path: Path,
                                                         fake: FakePocket) -> None:
    need(have("dbus-daemon", "gnome-keyring-daemon"),
         "no D-Bus or GNOME Keyring to run a Secret Service")
    with secret_service(tmp_path / "desktop") as env:
        lock = run(env, "-c", "import secretstorage; c = secretstorage.dbus_init(); "
                   "secretstorage.get_default_collection(c).lock()")
        assert lock.returncode == 0, lock.stderr
        env.update({"POCKET_COMPANION_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)})
        result = run(env, "-m", "pocket_companion", "login", "--system-browser",
                     "--server", fake.base_url, "--consumer-key", fake.CONSUMER_KEY)
    assert result.returncode == 1
    assert "no secure storage" in result.stderr
    assert fake.issued_tokens == []


# --- the rules, with in-memory backends (never the user's keychain) ----------------------


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_backends_that_store_nothing_are_refused(backend: object) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    try:
        with pytest.raises(errors.SecureStorageUnavailable, match="gnome-keyring"):
            KeyringTokenStore().set("someone@server", "a-token")
    finally:
        keyring.set_keyring(previous)


def test_tokens_round_trip_and_never_reach_a_log(memory_keyring: MemoryKeyring) -> None:
    store = KeyringTokenStore()
    store.set("u@https://s", "token-1234-abcd")
    assert memory_keyring.secrets == {(SERVICE, "u@https://s"): "token-1234-abcd"}
    assert store.get("u@https://s") == "token-1234-abcd"
    assert redact("sent token-1234-abcd") == "sent [redacted]"
    store.delete("u@https://s")
    store.delete("u@https://s")  # deleting what is not there is fine
    assert store.get("u@https://s") is None and memory_keyring.secrets == {}
