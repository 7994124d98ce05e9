"""Shared fixtures: an isolated data folder, keyrings, the fake Pocket server, companions."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.config import Settings
from pocket_companion.core import Companion, Deps
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.fakepocket import FakePocket
from tests.support import runtime, users
from tests.support.browser import ScriptedBrowser
from tests.support.clock import Clock
from tests.support.keyrings import MemoryKeyring
from tests.support.users import User

REQUIRE_ALL = os.environ.get("POCKET_COMPANION_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip when a system part is missing, but fail in CI where everything must run."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("POCKET_BASE_URL", "POCKET_CONSUMER_KEY", "BROWSER",
                 "POCKET_COMPANION_TOKEN_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POCKET_COMPANION_HOME", str(tmp_path / "home"))
    # Test hosts save example.org pages: they must not fetch them from the network (the
    # tests of fetching turn it on for their own hosts).
    monkeypatch.setenv("POCKET_COMPANION_FETCH_ARTICLES", "0")
    # Never the user's keychain: tests choose a test backend or a private Secret Service.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    folder = runtime.make()  # token caches (keyagent) never cross tests
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield
    runtime.remove(folder)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def fake() -> Iterator[FakePocket]:
    with FakePocket() as server:
        yield server


@pytest.fixture
def make_companion(home: Path, fake: FakePocket, memory_keyring: MemoryKeyring
                   ) -> Callable[..., Companion]:
    """Companions wired to the fake server, with a scripted browser as the opener."""

    def make(opener: object | None = None, clock: Callable[[], float] = time.time,
             timeout: tuple[float, float] = (2.0, 5.0)) -> Companion:
        def service(settings: Settings) -> PocketService:
            assert settings.option("consumer_key")
            return PocketService(PocketClient(settings.server, settings.option("consumer_key"),
                                              timeout=timeout))

        deps = Deps(clock=clock, tokens=KeyringTokenStore(), service_factory=service,
                    opener=opener or ScriptedBrowser())  # type: ignore[arg-type]
        return Companion(home, deps)

    return make


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves (the companions of ``local`` and ``account`` run on it)."""
    return Clock(1_800_000_000.0)


@pytest.fixture
def local(home: Path, clock: Clock) -> Companion:
    """A companion with no account."""
    return Companion(home, Deps(clock=clock))


@pytest.fixture
def account(make_companion: Callable[..., Companion], fake: FakePocket, clock: Clock
            ) -> Companion:
    """A companion logged in to the fake server, on ``clock``."""
    companion = make_companion(clock=clock)
    companion.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    return companion


@pytest.fixture
def logged_in(make_companion: Callable[..., Companion], fake: FakePocket) -> Companion:
    companion = make_companion()
    companion.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    return companion


@pytest.fixture(scope="session")
def attacker() -> User:
    """Another local user, unprivileged (created once; the cross-user tests need root)."""
    need(users.can_create(), "cross-user tests need root and useradd to create a second user")
    return users.attacker()


@pytest.fixture
def shared() -> Iterator[Path]:
    """A sticky world-writable folder, as /tmp is (reachable by the attacker)."""
    with users.shared_folder() as path:
        yield path
