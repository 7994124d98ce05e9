"""Keychain reads kept in memory for a few minutes, for processes that start cold.

A browser may start a fresh host for a message and the CLI is a fresh process for each
command; each would pay a keychain read (on Linux, keyring plus the Secret Service over
D-Bus: about 90 ms). After a read, the token is handed to this agent: a small process that
keeps it in memory only and answers later readers over a Unix socket in the user's private
runtime folder (``$XDG_RUNTIME_DIR/pocket-companion/``). An entry lives
``POCKET_COMPANION_TOKEN_CACHE`` seconds after its keychain read (default 600, at most
86400: a longer or infinite value means one day; ``0`` turns the agent off); every login,
logout or rejected token drops it at once, and the agent exits as soon as it holds nothing.

Who is trusted, on both ends. The client uses a runtime folder only when it is a real
folder (not a symlink) of this user that nobody else can enter, and before each use checks
that again and that ``pocket-companion/`` inside it is one too (``lstat``: a few syscalls
on each cold start). Right after ``connect()`` it asks the system who listens (Linux
``SO_PEERCRED``; the BSDs ``getpeereid(3)`` through ctypes) and sends or accepts nothing
unless it is this user: a socket planted, or a folder swapped in, by anyone else gets
nothing, however the path checks were raced. The agent (:mod:`.keyagent_server`) makes its
folder and checks it through descriptors opened without following symlinks, binds its
socket by a name relative to the checked folder, answers only peers of its own user, and
is not dumpable (Linux). Where the peer's user cannot be learnt, nothing is exchanged and
every cold start reads the keychain.

On Linux and the BSDs only: there the Secret Service or KWallet give any process of the user
the token without asking anyway. On macOS the keychain's per-application rules would be
bypassed, and Windows has no such socket, so there every cold start reads the keychain.

``python -m pocket_companion.account.secrets.keyagent`` runs the agent (its command line shows
nothing else): the socket, the seconds and the first entries arrive on its stdin as JSON. Only
:meth:`TokenCache.put` starts it.
"""

from __future__ import annotations

import json
import os
import stat
import sys

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import socket
    from typing import Any

DEFAULT_SECONDS = 600.0
MAX_SECONDS = 86400.0  # a day: a token changed by hand in the keychain is served that long
_PLATFORMS = ("linux", "freebsd", "openbsd", "netbsd")
_LINE_LIMIT = 64 * 1024
CLIENT_TIMEOUT = 2.0
_PATH_LIMIT = 104  # bytes in a Unix socket's address, the smallest of the systems
FOLDER = "pocket-companion"


def cache_seconds() -> float:
    try:
        seconds = float(os.environ.get("POCKET_COMPANION_TOKEN_CACHE", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    if not (seconds == seconds and seconds > 0):  # NaN and <= 0 turn it off
        return 0.0
    return min(seconds, MAX_SECONDS)


def private_dir(info: os.stat_result) -> bool:
    """A folder (as ``lstat`` or ``fstat`` saw it) of this user that nobody else can enter."""
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and info.st_mode & 0o077 == 0)


def _private_path(path: str) -> bool:
    """``path`` itself (a symlink is refused, not followed) is a private folder of ours."""
    try:
        return private_dir(os.lstat(path))
    except OSError:
        return False


def read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) < _LINE_LIMIT:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def peer_uid(conn: socket.socket) -> int | None:
    """The user id of the process at the other end of ``conn``; None where unknown."""
    import socket

    if sys.platform.startswith("linux"):  # struct ucred {pid_t pid; uid_t uid; gid_t gid;}
        cred = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        return int.from_bytes(cred[4:8], sys.byteorder)
    import ctypes  # FreeBSD, OpenBSD and NetBSD all have getpeereid(3) in their C library

    try:
        getpeereid = ctypes.CDLL(None, use_errno=True).getpeereid
    except (OSError, AttributeError):
        return None
    uid, gid = ctypes.c_uint32(), ctypes.c_uint32()
    if getpeereid(conn.fileno(), ctypes.byref(uid), ctypes.byref(gid)) != 0:
        return None
    return uid.value


def same_user(conn: socket.socket) -> bool:
    """The peer runs as this user (and the system could say so)."""
    return peer_uid(conn) == os.getuid()


def exchange(path: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """One request to the agent at ``path``; None when none answers, or when the process
    listening there is not this user's (then nothing is sent)."""
    import socket  # not at import: the host's start-up does not need it

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CLIENT_TIMEOUT)
            conn.connect(path)
            if not same_user(conn):
                return None
            conn.sendall(json.dumps(request).encode() + b"\n")
            answer = json.loads(read_line(conn))
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


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
                and _private_path(runtime)):
            return None
        backend = os.environ.get("PYTHON_KEYRING_BACKEND", "")
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in backend)
        name = f"agent-{safe}.sock" if backend else "agent.sock"  # one per keyring choice
        path = os.path.join(runtime, FOLDER, name)
        return cls(path, seconds) if len(os.fsencode(path)) < _PATH_LIMIT else None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """One request; None when no agent of ours answers (or the folders are not ours)."""
        folder = os.path.dirname(self.path)
        if not (_private_path(os.path.dirname(folder)) and _private_path(folder)):
            return None
        return exchange(self.path, request)

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

        from pocket_companion.children import spawn

        proc = spawn("pocket_companion.account.secrets.keyagent", stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
        assert proc.stdin is not None
        with proc.stdin:
            proc.stdin.write(json.dumps({"socket": self.path, "seconds": self.seconds,
                                         "entries": entries}).encode())


if __name__ == "__main__":  # the agent process: python -m pocket_companion.account.secrets.keyagent
    from pocket_companion.account.secrets.keyagent_server import main

    sys.exit(main())
