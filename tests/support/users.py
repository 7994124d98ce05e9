"""A second, unprivileged local user for cross-user tests: the attacker.

The security review's findings were shown with two users on one machine; the regression
tests do the same. The test process is the victim; :func:`attacker` creates (once, as
root) a system user with no home and no login shell, and :meth:`User.run` /
:meth:`User.start` run a program as that user with a minimal environment, so nothing of the
victim's (keyring, runtime folder, data folder) reaches it except through the file system,
the process list and sockets: exactly what another local user has.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

ATTACKER = "pcattacker"


class User(NamedTuple):
    name: str
    uid: int
    gid: int

    def env(self) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8",
                "PYTHONDONTWRITEBYTECODE": "1"}

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        kwargs.setdefault("env", self.env())
        kwargs.setdefault("cwd", "/")
        return subprocess.Popen(argv, user=self.uid, group=self.gid, extra_groups=[],
                                **kwargs)

    def run(self, argv: list[str], timeout: float = 60, **kwargs: Any
            ) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("env", self.env())
        kwargs.setdefault("cwd", "/")
        return subprocess.run(argv, user=self.uid, group=self.gid, extra_groups=[],
                              capture_output=True, text=True, timeout=timeout, check=False,
                              **kwargs)

    def python(self, code: str, *args: str, timeout: float = 60
               ) -> subprocess.CompletedProcess[str]:
        """Run ``code`` as this user with the system's own Python (the test's interpreter
        may sit in a folder only the victim can enter), isolated, standard library only."""
        return self.run([system_python(), "-I", "-c", code, *args], timeout=timeout)

    def start_python(self, code: str, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        return self.start([system_python(), "-I", "-c", code, *args], **kwargs)


def system_python() -> str:
    """A Python every user can run (the system's, not a virtual environment's)."""
    return shutil.which("python3", path="/usr/bin:/bin") or sys.executable


def can_create() -> bool:
    return (os.geteuid() == 0 and shutil.which("useradd") is not None
            and shutil.which("python3", path="/usr/bin:/bin") is not None)


def attacker() -> User:
    """The attacker's account, created on first use (root only)."""
    try:
        entry = pwd.getpwnam(ATTACKER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--user-group", ATTACKER],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(ATTACKER)
    return User(entry.pw_name, entry.pw_uid, entry.pw_gid)


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A sticky, world-writable folder as ``/tmp`` is, reachable by every user (pytest's
    own temporary folders are private to the victim)."""
    path = Path(tempfile.mkdtemp(prefix="pc-shared-", dir="/tmp"))
    path.chmod(0o1777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def owned_by(user: User, path: Path, mode: int = 0o700) -> Path:
    """Make ``path`` (a new folder) belong to ``user``."""
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, user.uid, user.gid)
    path.chmod(mode)
    return path


_SCAN = r"""
import json, os, sys, time
victim, stop = int(sys.argv[1]), sys.argv[2]
seen = set()
while not os.path.exists(stop):
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status)
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                argv = cmdline.read()
        except (OSError, ValueError):
            continue
        if int(fields["Uid"].split()[0]) == victim and argv:
            command = argv.replace(b"\0", b" ").decode("utf-8", "replace")
            seen.add((int(pid), int(fields["PPid"]), command))
    time.sleep(0.002)
print(json.dumps(sorted(seen)))
"""


class Seen(NamedTuple):
    pid: int
    parent: int
    command: str


def descendants(seen: list[Seen], root: int) -> list[str]:
    """The command lines of ``root`` and of the processes it started (and they started)."""
    family, grew = {root}, True
    while grew:
        grew = False
        for entry in seen:
            if entry.parent in family and entry.pid not in family:
                family.add(entry.pid)
                grew = True
    return [entry.command for entry in seen if entry.pid in family]


@contextmanager
def watching_commands(user: User, folder: Path) -> Iterator[list[Seen]]:
    """``user`` reads the command line of every process of ours, as often as it can, for as
    long as the block runs; the list fills with every one it saw when the block ends."""
    import json

    stop = folder / f"stop-{os.getpid()}"
    spy = user.start_python(_SCAN, str(os.getuid()), str(stop), stdout=subprocess.PIPE)
    seen: list[Seen] = []
    try:
        time.sleep(0.3)  # the spy is looking before anything starts
        yield seen
    finally:
        stop.touch()
        out, _ = spy.communicate(timeout=30)
        seen.extend(Seen(*entry) for entry in json.loads(out))
        stop.unlink()
