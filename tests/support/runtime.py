"""Runtime folders of their own for tests and benchmarks, as ``$XDG_RUNTIME_DIR``.

Hosts and the CLI keep their token cache (:mod:`pocket_companion.account.secrets.keyagent`)
there, so a folder per test or run keeps caches apart; :func:`remove` stops the agents in it first,
and :func:`agents` finds them (their command line names only the module).
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import tempfile
from pathlib import Path

from pocket_companion.account.secrets.keyagent import TokenCache


def make() -> str:
    """A new private (0700) folder with a short path, as a socket's address must be."""
    return tempfile.mkdtemp(prefix="pc-run-")


def remove(runtime: str) -> None:
    """Stop the token caches started in ``runtime``, then delete it."""
    for path in Path(runtime).glob("pocket-companion/*.sock"):
        TokenCache(str(path), 1.0).forget()  # an agent holding nothing exits
    shutil.rmtree(runtime, ignore_errors=True)


def agents(sock: str) -> list[int]:
    """Pids of the token agents of socket ``sock``: those working in its folder (an agent
    moves there; a non-dumpable one shows its folder to root only) and the one answering
    on it (its peer credentials, for any user)."""
    folder = os.path.realpath(os.path.dirname(sock))
    serving = serving_pid(sock)
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"pocket_companion.account.secrets.keyagent" not in argv:
                continue
            if entry.name == str(serving) or os.readlink(entry / "cwd") == folder:
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to look at
            continue
    return found


def serving_pid(sock: str) -> int | None:
    """The pid of the process listening on ``sock`` (Linux ``SO_PEERCRED``), if any."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(sock)
        except OSError:
            return None
        pid: int = struct.unpack("iII", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                        12))[0]
        return pid
