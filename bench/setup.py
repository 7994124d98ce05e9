"""A data folder with an account on the fake Pocket server, its token in a keychain."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
from pocket_companion.config import Config
from pocket_companion.keyagent import TokenCache
from pocket_companion.keychain import KeyringTokenStore
from pocket_companion.store import NewItem, Store

from tests.fakepocket import FakePocket

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "host", REPO / "installer")


def _secret_service() -> bool:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from keyring.backends.SecretService import Keyring

        return bool(Keyring.priority > 0)
    except Exception:
        return False


def keychain_env(tmp: Path) -> tuple[dict[str, str], str]:
    """Environment for hosts, and a description: the real Secret Service when one runs."""
    if _secret_service():
        from keyring.backends.SecretService import Keyring

        keyring.set_keyring(Keyring())
        return ({"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"},
                "Secret Service (gnome-keyring)")
    from tests.support.keyrings import FileKeyring

    env = {"PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
           "TEST_KEYRING_FILE": str(tmp / "keyring.json"), "PYTHONPATH": str(REPO)}
    os.environ.update(env)
    keyring.set_keyring(FileKeyring())
    return env, "a test file keyring (no Secret Service running: token lookups are faster)"


def account_home(tmp: Path, fake: FakePocket, name: str) -> tuple[Path, str]:
    """A data folder logged in to ``fake``; returns it and the access token."""
    home = tmp / name
    home.mkdir(parents=True)
    token = fake.issue_token()
    settings = Config(home).update(server=fake.base_url, consumer_key=fake.CONSUMER_KEY,
                                   username=fake.username)
    KeyringTokenStore(cache=TokenCache.from_env()).set(settings.keychain_name, token)
    return home, token


def forget_account(home: Path) -> None:
    settings = Config(home).load()
    if settings.username:
        KeyringTokenStore(cache=TokenCache.from_env()).delete(settings.keychain_name)


def fill(home: Path, count: int) -> list[str]:
    """``count`` saved pages in a local-only reading list (no account)."""
    home.mkdir(parents=True, exist_ok=True)
    store = Store(home / "reading-list.sqlite3")
    urls = [f"https://example.org/article/{i}?ref=feed" for i in range(count)]
    for start in range(0, count, 5000):
        store.save([NewItem(url, f"Article {i}", ("bench",))
                    for i, url in enumerate(urls[start:start + 5000], start)])
    store.db.close()
    return urls
