"""The token cache against the security review of December 2026 (findings 2 and 10).

Finding 2 was shown with two users: a runtime folder in a shared ``/tmp`` planted as a
symlink by another user, then re-pointed to that user's fake agent, which received the
victim's token. Here the test process is the victim and ``attacker`` the other user; the
fake agent runs as the attacker and records every byte it receives. Finding 10 is the
victim's own processes upsetting its agent: deep JSON, idle connections, an infinite TTL;
and the agent's memory should not be readable by them (non-dumpable).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pocket_companion
import pytest
from pocket_companion.account.secrets.keyagent import TokenCache

from tests.support.hostio import wait_until
from tests.support.runtime import agents, serving_pid
from tests.support.users import User, owned_by, system_python

TOKEN = "victim-secret-token"
ACCOUNT = "victim@https://pocket.example"

FAKE_AGENT = r"""
import os, socket, sys
folder = os.path.join(sys.argv[1], "pocket-companion")
os.makedirs(folder, exist_ok=True)
record = os.path.join(sys.argv[1], "received")
open(record, "wb").close()
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(os.path.join(folder, "agent.sock"))
server.listen(8)
print("listening", flush=True)
while True:
    conn, _ = server.accept()
    with conn:
        conn.settimeout(5)
        data = b""
        try:
            while not data.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        with open(record, "ab") as out:
            out.write(data)
        if data:
            conn.sendall(b'{"token": "attacker-token"}\n')
"""


def wait_for(check: Callable[[], object], timeout: float = 15.0) -> None:
    assert wait_until(lambda: bool(check()), timeout), "timed out"


def started_here() -> list[int]:
    """Token agents started by this process that still run (one that has ended, not yet
    reaped, shows an empty command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if (b"pocket_companion.account.secrets.keyagent" in argv
                and f"\nPPid:\t{os.getpid()}\n" in status):
            found.append(int(entry.name))
    return found


@contextmanager
def fake_agent(attacker: User, folder: Path) -> Iterator[tuple[Path, Path]]:
    """The attacker's fake agent at ``folder/pocket-companion/agent.sock``, answering any
    request with a token of the attacker's; yields the socket and the record of all it got."""
    proc = attacker.start_python(FAKE_AGENT, str(folder), stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"listening\n"
        yield folder / "pocket-companion" / "agent.sock", folder / "received"
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def plant_link(attacker: User, link: Path, target: Path) -> None:
    """As the attacker: make (or atomically re-point) the symlink ``link`` to ``target``."""
    code = ("import os, sys; os.symlink(sys.argv[1], sys.argv[2] + '.new'); "
            "os.replace(sys.argv[2] + '.new', sys.argv[2])")
    done = attacker.python(code, str(target), str(link))
    assert done.returncode == 0, done.stderr


def test_a_runtime_folder_planted_as_a_symlink_is_refused(
        attacker: User, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)  # private, the victim's: following the link, all looks right
    link = shared / "runtime-victim"
    plant_link(attacker, link, mine)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(link))
    assert TokenCache.from_env() is None


def test_a_runtime_folder_swapped_after_it_was_accepted_gets_nothing(
        attacker: User, shared: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    link = shared / "runtime-victim"
    plant_link(attacker, link, mine)
    # The client as from_env made it while the link led to a private folder of the victim's
    # (the old one accepted it; the new one refuses, above): from here on only the checks
    # made at each use stand between the token and the attacker.
    cache = TokenCache(str(link / "pocket-companion" / "agent.sock"), 60.0)
    with fake_agent(attacker, owned_by(attacker, shared / "attacker", 0o755)) as (_, record):
        plant_link(attacker, link, shared / "attacker")
        cache.put(ACCOUNT, TOKEN)
        wait_for(lambda: not started_here())  # an agent it started has left, unbound
        assert record.read_bytes() == b""
        assert cache.get(ACCOUNT) is None  # nor is the attacker's token taken
        assert record.read_bytes() == b""
    assert not any(mine.rglob("*.sock"))


def test_a_socket_of_another_user_in_our_own_folder_gets_nothing(
        attacker: User, shared: Path) -> None:
    cache = TokenCache.from_env()
    assert cache is not None
    Path(cache.path).parent.mkdir(mode=0o700)
    with fake_agent(attacker, owned_by(attacker, shared / "attacker", 0o755)) as (sock, record):
        # Root links the attacker's listening socket into the victim's private folder: what
        # a swap between the client's folder checks and its connect() would give.
        os.link(sock, cache.path)
        cache.put(ACCOUNT, TOKEN)  # starts an agent of our own, which replaces the socket
        wait_for(lambda: cache.get(ACCOUNT) in (TOKEN, "attacker-token"))
        assert record.read_bytes() == b""
        assert cache.get(ACCOUNT) == TOKEN
        assert serving_pid(cache.path) in agents(cache.path)  # our agent took the socket over


@pytest.mark.parametrize("case", ["runtime folder a symlink", "pocket-companion a symlink",
                                  "pocket-companion another user's"])
def test_the_agent_uses_no_folder_it_reached_through_a_symlink_or_does_not_own(
        case: str, attacker: User, tmp_path: Path) -> None:
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if case == "runtime folder a symlink":
        (tmp_path / "link").symlink_to(elsewhere)
        cache = TokenCache(str(tmp_path / "link" / "pocket-companion" / "agent.sock"), 60.0)
    else:
        cache = TokenCache(str(runtime / "pocket-companion" / "agent.sock"), 60.0)
        if case == "pocket-companion a symlink":
            (runtime / "pocket-companion").symlink_to(elsewhere)
        else:
            elsewhere = owned_by(attacker, runtime / "pocket-companion")
    cache._start({ACCOUNT: TOKEN})  # the agent alone, as if the client's checks were raced
    wait_for(lambda: not started_here() or any(elsewhere.rglob("*.sock")))
    assert not any(elsewhere.rglob("*.sock"))


def test_deeply_nested_json_does_not_kill_the_agent() -> None:
    cache = TokenCache.from_env()
    assert cache is not None
    cache.put(ACCOUNT, TOKEN)
    wait_for(lambda: cache.get(ACCOUNT) == TOKEN)
    [pid] = agents(cache.path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(5)
        conn.connect(cache.path)
        conn.sendall(b"[" * 60_000 + b"\n")
        while conn.recv(4096):
            pass
    assert cache.get(ACCOUNT) == TOKEN
    assert agents(cache.path) == [pid]


def test_idle_connections_do_not_stall_other_clients() -> None:
    cache = TokenCache.from_env()
    assert cache is not None
    cache.put(ACCOUNT, TOKEN)
    wait_for(lambda: cache.get(ACCOUNT) == TOKEN)
    idle = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(8)]
    try:
        for conn in idle:
            conn.connect(cache.path)  # and say nothing
        for _ in range(3):
            started = time.monotonic()
            assert cache.get(ACCOUNT) == TOKEN
            assert time.monotonic() - started < 1.0  # generous: it is milliseconds
    finally:
        for conn in idle:
            conn.close()


@pytest.mark.parametrize("value", ["inf", "1e300"])
def test_an_endless_lifetime_is_clamped_to_a_day_and_the_agent_starts(
        value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POCKET_COMPANION_TOKEN_CACHE", value)
    cache = TokenCache.from_env()
    assert cache is not None
    cache.put(ACCOUNT, TOKEN)
    wait_for(lambda: cache.get(ACCOUNT) == TOKEN, timeout=10)
    assert cache.seconds == 86400.0


def test_the_agent_is_not_dumpable(attacker: User, shared: Path) -> None:
    """Run as the attacker (a user that is not root, so without CAP_SYS_PTRACE), the agent
    keeps even its own user's other processes out of its memory and environment."""
    packages = shared / "packages"
    packages.mkdir()
    (packages / "pocket_companion").symlink_to(Path(pocket_companion.__file__).parent)
    runtime = owned_by(attacker, shared / "runtime", 0o700)
    env = {**attacker.env(), "PYTHONPATH": str(packages), "XDG_RUNTIME_DIR": str(runtime),
           "POCKET_COMPANION_TOKEN_CACHE": "60"}
    put = attacker.run([system_python(), "-c",
                        "from pocket_companion.account.secrets.keyagent import TokenCache; "
                        "TokenCache.from_env().put('a@server', 'token')"], env=env)
    assert put.returncode == 0, put.stderr
    sock = str(runtime / "pocket-companion" / "agent.sock")
    wait_for(lambda: serving_pid(sock))
    pid = serving_pid(sock)
    assert pid is not None
    try:
        probe = attacker.python("import sys; open(f'/proc/{sys.argv[1]}/environ', 'rb').read()",
                                str(pid))
        assert "PermissionError" in probe.stderr, "another process of its user read it"
        assert f"\nUid:\t{attacker.uid}\t" in Path(f"/proc/{pid}/status").read_text()
        assert Path(f"/proc/{pid}/environ").stat().st_uid == 0  # how /proc shows one not dumpable
    finally:
        os.kill(pid, signal.SIGTERM)
