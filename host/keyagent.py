"""Keychain reads kept in memory for a few minutes, for processes that start cold.

A browser may start a fresh host for a message and the CLI is a fresh process for each
command; each would pay a keychain read (on Linux, keyring plus the Secret Service over
D-Bus: about 90 ms). After a read, the token is handed to this agent: a small process that
keeps it in memory only and answers later readers over a Unix socket in the user's private
runtime folder (``$XDG_RUNTIME_DIR``, mode 0700), to processes of the same user only (peer
credentials are checked). An entry lives ``POCKET_COMPANION_TOKEN_CACHE`` seconds after its
keychain read (default 600, ``0`` turns the agent off); every login, logout or rejected
token drops it at once, and the agent exits as soon as it holds nothing.

On Linux and the BSDs only: there the Secret Service or KWallet give any process of the user
the token without asking anyway. On macOS the keychain's per-application rules would be
bypassed, and Windows has no such socket, so there every cold start reads the keychain.

``python -m pocket_companion.keyagent SOCKET SECONDS`` runs the agent; the first entries
arrive on its stdin as JSON. Only :meth:`TokenCache.put` starts it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import socket
    from typing import Any

DEFAULT_SECONDS = 600.0
_PLATFORMS = ("linux", "freebsd", "openbsd", "netbsd")
_LINE_LIMIT = 64 * 1024
_CLIENT_TIMEOUT = 2.0
_PATH_LIMIT = 104  # bytes in a Unix socket's address, the smallest of the systems


def cache_seconds() -> float:
    try:
        seconds = float(os.environ.get("POCKET_COMPANION_TOKEN_CACHE", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds == seconds and seconds > 0 else 0.0  # NaN and <= 0 turn it off


def _private_dir(path: str) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return info.st_uid == os.getuid() and info.st_mode & 0o077 == 0


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) < _LINE_LIMIT:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


class TokenCache:
    """The client side: ask the agent, hand it fresh reads, make it forget."""

    def __init__(self, path: str, seconds: float) -> None:
        self.path, self.seconds = path, seconds

    @classmethod
    def from_env(cls) -> TokenCache | None:
        """The cache of this user and keyring choice, or None where it is off or unsafe."""
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        seconds = cache_seconds()
        if not (sys.platform.startswith(_PLATFORMS) and seconds and runtime
                and _private_dir(runtime)):
            return None
        backend = os.environ.get("PYTHON_KEYRING_BACKEND", "")
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in backend)
        name = f"agent-{safe}.sock" if backend else "agent.sock"  # one per keyring choice
        path = os.path.join(runtime, "pocket-companion", name)
        return cls(path, seconds) if len(os.fsencode(path)) < _PATH_LIMIT else None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """One request; None when no agent answers."""
        import socket  # not at import: the host's start-up does not need it

        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(_CLIENT_TIMEOUT)
                conn.connect(self.path)
                conn.sendall(json.dumps(request).encode() + b"\n")
                answer = json.loads(_read_line(conn))
        except (OSError, ValueError):
            return None
        return answer if isinstance(answer, dict) else None

    def get(self, account: str) -> str | None:
        token = (self._ask({"op": "get", "account": account}) or {}).get("token")
        return token if isinstance(token, str) and token else None

    def put(self, account: str, token: str) -> None:
        if self._ask({"op": "put", "account": account, "token": token}) is None:
            self._start({account: token})

    def forget(self, account: str | None = None) -> None:
        """Drop one account's token (None: all of them)."""
        self._ask({"op": "forget", "account": account})

    def _start(self, entries: dict[str, str]) -> None:
        import subprocess

        proc = subprocess.Popen(
            [sys.executable, "-m", "pocket_companion.keyagent", self.path, str(self.seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, cwd="/")
        assert proc.stdin is not None
        with proc.stdin:
            proc.stdin.write(json.dumps(entries).encode())


class Agent:
    """The server side: entries in memory, each until its deadline."""

    def __init__(self, seconds: float, clock: Any = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.entries: dict[str, tuple[float, str]] = {}

    def put(self, account: str, token: str) -> None:
        self.entries[account] = (self.clock() + self.seconds, token)

    def answer(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            return {"error": "not a JSON object"}
        op, account = request.get("op"), request.get("account")
        if op == "ping":
            return {}
        if op == "get" and isinstance(account, str):
            entry = self.entries.get(account)
            return {"token": entry[1]} if entry else {"miss": True}
        if op == "put" and isinstance(account, str) and isinstance(request.get("token"), str):
            self.put(account, request["token"])
            return {}
        if op == "forget":
            if isinstance(account, str):
                self.entries.pop(account, None)
            else:
                self.entries.clear()
            return {}
        return {"error": "unknown request"}

    def time_left(self) -> float:
        """Seconds to the next deadline, after dropping what expired (0: nothing left)."""
        now = self.clock()
        self.entries = {k: v for k, v in self.entries.items() if v[0] > now}
        return min((v[0] - now for v in self.entries.values()), default=0.0)

    def serve(self, server: socket.socket) -> None:
        while (left := self.time_left()) > 0:
            server.settimeout(left)
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(_CLIENT_TIMEOUT)
                try:
                    if _same_user(conn):
                        request = json.loads(_read_line(conn))
                        conn.sendall(json.dumps(self.answer(request)).encode() + b"\n")
                except (OSError, ValueError):
                    continue


def _same_user(conn: socket.socket) -> bool:
    """The peer runs as this user (checked where the system tells; the folder is 0700)."""
    import socket
    import struct

    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    _pid, uid, _gid = struct.unpack("iII", conn.getsockopt(socket.SOL_SOCKET, option, 12))
    return bool(uid == os.getuid())


def _bind(path: str) -> socket.socket | None:
    """Listen at ``path``; None when a live agent already does (a stale socket is replaced)."""
    import socket

    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        try:
            server.bind(path)
        except OSError:
            if TokenCache(path, 1.0)._ask({"op": "ping"}) is not None:
                server.close()
                return None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            server.bind(path)
    finally:
        os.umask(old_umask)
    server.listen(16)
    return server


def main(argv: list[str]) -> int:
    path, seconds = argv[0], float(argv[1])
    entries = json.loads(sys.stdin.buffer.read() or b"{}")
    server = _bind(path)
    if server is None:  # another agent got there first: it takes these entries
        for account, token in entries.items():
            TokenCache(path, seconds)._ask({"op": "put", "account": account, "token": token})
        return 0
    agent = Agent(seconds)
    for account, token in entries.items():
        agent.put(account, token)
    inode = os.stat(path).st_ino
    try:
        agent.serve(server)
    finally:
        server.close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:  # still ours, not a newer agent's
                os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
