"""The token cache: a real agent process on a Unix socket. What it serves, to whom, for how
long, how it starts and leaves, and the cold hosts that read the keychain through it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pocket_companion.account.secrets.keyagent import TokenCache, same_user
from pocket_companion.account.secrets.keyagent_server import Agent

from tests.conftest import need
from tests.fakepocket import FakePocket
from tests.support.clock import Clock
from tests.support.frames import HostProcess
from tests.support.hostio import connect_account, host_env
from tests.support.runtime import agents


def wait_for(check: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def cache_of(env: dict[str, str]) -> TokenCache:
    """The cache the processes started with ``env`` use."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHON_KEYRING_BACKEND", env["PYTHON_KEYRING_BACKEND"])
        found = TokenCache.from_env()
    assert found is not None
    return found


@pytest.fixture
def cache(tmp_path: Path) -> TokenCache:
    found = TokenCache.from_env()  # the test's own runtime folder (tests/conftest.py)
    assert found is not None
    return found


def test_entries_live_until_their_deadline_and_requests_are_checked() -> None:
    clock = Clock(100.0)
    agent = Agent(60.0, clock)
    agent.put("a@server", "token-a")
    assert agent.answer({"op": "get", "account": "a@server"}) == {"token": "token-a"}
    assert agent.answer({"op": "get", "account": "b@server"}) == {"miss": True}
    clock.advance(30)
    agent.put("b@server", "token-b")
    assert agent.time_left() == 30.0
    clock.advance(30)
    assert agent.time_left() == 30.0  # a@server expired, b@server has 30 s left
    assert agent.answer({"op": "get", "account": "a@server"}) == {"miss": True}
    agent.answer({"op": "forget", "account": "b@server"})
    assert agent.time_left() == 0.0  # nothing left: the agent leaves
    for bad in (["get"], {"op": "get"}, {"op": "put", "account": "a"}, {"op": "drop"}, 7):
        assert "error" in agent.answer(bad)


def test_a_read_starts_an_agent_that_serves_it_from_memory(cache: TokenCache,
                                                           tmp_path: Path) -> None:
    assert cache.get("a@server") is None and agents(cache.path) == []
    cache.put("a@server", "secret-token-a")
    wait_for(Path(cache.path).exists)
    assert cache.get("a@server") == "secret-token-a"
    assert stat.S_IMODE(Path(cache.path).stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(cache.path).parent.stat().st_mode) == 0o700
    cache.put("b@server", "secret-token-b")  # the running agent takes it
    [pid] = agents(cache.path)
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    # nothing else: the rest comes on stdin
    assert argv[1:] == [b"-P", b"-m", b"pocket_companion.account.secrets.keyagent"]
    cache.forget("a@server")
    assert cache.get("a@server") is None and cache.get("b@server") == "secret-token-b"
    for path in tmp_path.rglob("*"):  # in memory only
        if path.is_file():
            assert b"secret-token" not in path.read_bytes(), path
    cache.forget()
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or agents(cache.path) == [])
    assert not Path(cache.path).exists()


def test_entries_expire_and_the_agent_leaves(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKET_COMPANION_TOKEN_CACHE", "0.5")
    cache = TokenCache.from_env()
    assert cache is not None and cache.seconds == 0.5
    cache.put("a@server", "token")
    wait_for(Path(cache.path).exists)
    started = time.monotonic()
    wait_for(lambda: not Path(cache.path).exists())
    assert time.monotonic() - started < 5
    assert cache.get("a@server") is None
    wait_for(lambda: agents(cache.path) == [])


def test_a_stale_socket_is_replaced_and_racing_agents_end_as_one(cache: TokenCache) -> None:
    Path(cache.path).parent.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(cache.path)  # an agent that died without cleaning up
    threads = [threading.Thread(target=cache.put, args=(f"{n}@server", f"token-{n}"))
               for n in range(3)]  # no agent answers: each starts one
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: all(cache.get(f"{n}@server") == f"token-{n}" for n in range(3)))
    wait_for(lambda: len(agents(cache.path)) == 1)


def test_other_users_cannot_reach_it(cache: TokenCache, tmp_path: Path) -> None:
    need(os.getuid() == 0, "needs root to act as another user")
    cache.put("a@server", "token")
    wait_for(Path(cache.path).exists)

    def as_nobody(action: Callable[[], None]) -> int:
        pid = os.fork()
        if pid == 0:  # the child: another user from here on
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                action()
                code = 0
            finally:
                os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    def connect_to(path: Path) -> Callable[[], None]:
        return lambda: socket.socket(socket.AF_UNIX).connect(str(path))

    assert as_nobody(connect_to(Path(cache.path))) == 1  # the folder is 0700: refused
    open_dir = Path(tempfile.mkdtemp(prefix="pc-open-"))  # /tmp: others may enter
    open_dir.chmod(0o777)
    with socket.socket(socket.AF_UNIX) as server:  # the peer check, without the folder's help
        server.settimeout(15)
        server.bind(str(open_dir / "s"))
        (open_dir / "s").chmod(0o777)
        server.listen(1)
        peer = threading.Thread(target=as_nobody, args=(connect_to(open_dir / "s"),))
        peer.start()
        conn, _ = server.accept()
        with conn:
            assert not same_user(conn)
        peer.join()
        with socket.socket(socket.AF_UNIX) as mine:
            mine.connect(str(open_dir / "s"))
            conn, _ = server.accept()
            with conn:
                assert same_user(conn)
    shutil.rmtree(open_dir)


def test_off_where_it_is_not_wanted_or_not_safe(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    default = TokenCache.from_env()
    assert default is not None and Path(default.path).parent == runtime / "pocket-companion"
    assert default.seconds == 600.0
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    other = TokenCache.from_env()
    assert other is not None and other.path != default.path  # one cache per keyring choice
    for value in ("0", "-5", "nan"):
        monkeypatch.setenv("POCKET_COMPANION_TOKEN_CACHE", value)
        assert TokenCache.from_env() is None
    monkeypatch.setenv("POCKET_COMPANION_TOKEN_CACHE", "60")
    runtime.chmod(0o755)  # a runtime folder others can enter is no place for it
    assert TokenCache.from_env() is None
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert TokenCache.from_env() is None


def test_cold_hosts_read_the_keychain_once_then_the_cache(tmp_path: Path,
                                                          fake: FakePocket) -> None:
    env = host_env(tmp_path, fake)
    token = connect_account(env, fake)
    keyring_file = Path(env["TEST_KEYRING_FILE"])
    host = HostProcess(env)
    assert host.request("save", {"url": "https://example.org/1"})["data"]["state"] == "synced"
    host.close()
    cache = cache_of(env)
    wait_for(lambda: cache.get(f"{fake.username}@{fake.base_url}") == token)
    entries = json.loads(keyring_file.read_text())
    keyring_file.write_text(json.dumps({key: "not-the-token" for key in entries}))
    host = HostProcess(env)  # a keychain read now would find a wrong token: the cache answers
    assert host.request("save", {"url": "https://example.org/2"})["data"]["state"] == "synced"
    assert host.request("logout")["ok"]
    host.close()
    assert cache.get(f"{fake.username}@{fake.base_url}") is None
    assert json.loads(keyring_file.read_text()) == {}


def test_a_rejected_cached_token_is_forgotten_everywhere(tmp_path: Path,
                                                         fake: FakePocket) -> None:
    env = host_env(tmp_path, fake)
    token = connect_account(env, fake)
    account = f"{fake.username}@{fake.base_url}"
    host = HostProcess(env)
    assert host.request("save", {"url": "https://example.org/1"})["data"]["state"] == "synced"
    host.close()
    cache = cache_of(env)
    wait_for(lambda: cache.get(account) == token)
    fake.revoke(token)
    host = HostProcess(env)
    reply = host.request("save", {"url": "https://example.org/2"})
    host.close()
    assert reply["data"]["state"] == "pending"
    assert cache.get(account) is None
    assert json.loads(Path(env["TEST_KEYRING_FILE"]).read_text()) == {}
