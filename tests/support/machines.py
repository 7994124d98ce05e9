"""Machines for the installer's tests: any OS, in a fake root, with a registry in memory."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from pocket_companion_installer.machine import Machine, OSName

from tests.support.registry import MemoryRegistry

HOMES = {"linux": "/home/me", "darwin": "/Users/me", "windows": "C:/Users/me"}
PYTHONS = {"linux": "/opt/venv/bin/python", "darwin": "/Users/me/.venvs/pc/bin/python",
           "windows": "C:/Program Files/Python311/python.exe"}


def fake_machine(os_name: OSName, root: Path, env: Mapping[str, str] | None = None,
                 python: str | None = None) -> Machine:
    """A machine whose paths all live under ``root``; its interpreter file exists."""
    flavour = PureWindowsPath if os_name == "windows" else PurePosixPath
    machine = Machine(os_name, flavour(HOMES[os_name]), dict(env or {}),
                      flavour(python or PYTHONS[os_name]), root, MemoryRegistry())
    interpreter = machine.real(machine.python)
    interpreter.parent.mkdir(parents=True, exist_ok=True)
    interpreter.touch()
    return machine


def real_machine(home: Path, data: Path) -> Machine:
    """This machine with a fake home: the launcher pins this interpreter and data folder."""
    home.mkdir(parents=True, exist_ok=True)
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("XDG_", "POCKET_"))}
    env.update(HOME=str(home), POCKET_COMPANION_HOME=str(data))
    return Machine("linux" if sys.platform.startswith("linux") else "darwin", home, env,
                   Path(sys.executable))


def files_under(root: Path) -> Iterator[Path]:
    return (path for path in sorted(root.rglob("*")) if path.is_file())
