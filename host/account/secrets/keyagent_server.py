"""The token agent itself (see :mod:`.keyagent`): run as
``python -m pocket_companion.account.secrets.keyagent``.

Its stdin brings ``{"socket": PATH, "seconds": S, "entries": {account: token}}``, so its
command line names nothing. Before reading it, the agent makes itself non-dumpable (Linux
``PR_SET_DUMPABLE``: no core dump, and other processes of the user cannot ptrace it or read
its memory or environment without ``CAP_SYS_PTRACE``; elsewhere only core dumps are turned
off). It opens the runtime folder without following a symlink, makes ``pocket-companion/``
in it and opens that the same way, checks both through those descriptors (this user's;
the runtime folder private) and moves into the folder, so the socket is bound by a name
relative to a folder already checked: no path can be swapped in between.

Each connection is answered in a thread of its own, with :data:`.keyagent.CLIENT_TIMEOUT`
per read, so an idle or slow client delays nobody else; whatever a request causes (even a
``RecursionError`` from deeply nested JSON) ends only that connection.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from pocket_companion.account.secrets.keyagent import (
    CLIENT_TIMEOUT,
    FOLDER,
    exchange,
    private_dir,
    read_line,
    same_user,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import socket

_PR_SET_DUMPABLE = 4


class Agent:
    """The server side: entries in memory, each until its deadline."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.entries: dict[str, tuple[float, str]] = {}
        self.changed = threading.Condition()  # guards entries; notified after each request

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
        """Answer connections until nothing is left (expired or forgotten)."""
        threading.Thread(target=self._accept_all, args=(server,), daemon=True).start()
        with self.changed:
            while (left := self.time_left()) > 0:
                self.changed.wait(left)

    def _accept_all(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # out of descriptors, say: try again in a moment
                time.sleep(0.1)
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(CLIENT_TIMEOUT)
            try:
                if not same_user(conn):
                    return
                request = json.loads(read_line(conn))
                with self.changed:
                    if self.time_left() <= 0:  # leaving: the client starts a new agent
                        return
                    reply = self.answer(request)
                    self.changed.notify()
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except Exception:  # anything one request causes ends only its connection
                return


def _not_dumpable() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def _enter(runtime_dir: str) -> None:
    """Make ``runtime_dir/pocket-companion`` if needed and work in it, checked as the module
    docstring says (PermissionError, or ELOOP for a symlink, when it must not be used)."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    runtime = os.open(runtime_dir, flags)
    try:
        if not private_dir(os.fstat(runtime)):
            raise PermissionError(f"not a private folder of this user: {runtime_dir}")
        with contextlib.suppress(FileExistsError):
            os.mkdir(FOLDER, 0o700, dir_fd=runtime)
        mine = os.open(FOLDER, flags, dir_fd=runtime)
    finally:
        os.close(runtime)
    try:
        if os.fstat(mine).st_uid != os.getuid():
            raise PermissionError(f"not a folder of this user: {runtime_dir}/{FOLDER}")
        os.fchmod(mine, 0o700)
        os.fchdir(mine)
    finally:
        os.close(mine)


def _bind(name: str) -> socket.socket | None:
    """Listen at ``name``; None when a live agent already does (a stale socket, or one that
    is not this user's, is replaced)."""
    import socket

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        try:
            server.bind(name)
        except OSError:
            if exchange(name, {"op": "ping"}) is not None:
                server.close()
                return None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
            server.bind(name)
    finally:
        os.umask(old_umask)
    server.listen(16)
    return server


def main() -> int:
    _not_dumpable()
    start = json.loads(sys.stdin.buffer.read())
    path, seconds, entries = start["socket"], float(start["seconds"]), start["entries"]
    folder = os.path.dirname(path)
    if os.path.basename(folder) != FOLDER:
        raise ValueError(f"not a socket in a {FOLDER} folder: {path}")
    _enter(os.path.dirname(folder))
    name = os.path.basename(path)  # relative to the checked folder, from here on
    server = _bind(name)
    if server is None:  # another agent got there first: it takes these entries
        for account, token in entries.items():
            exchange(name, {"op": "put", "account": account, "token": token})
        return 0
    agent = Agent(seconds)
    for account, token in entries.items():
        agent.put(account, token)
    inode = os.stat(name).st_ino
    try:
        agent.serve(server)
    finally:
        server.close()
        with contextlib.suppress(OSError):
            if os.stat(name).st_ino == inode:  # still ours, not a newer agent's
                os.unlink(name)
    return 0
