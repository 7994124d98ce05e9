"""Machines for the installer's tests: any OS, in a fake root, with a registry in memory;
and venv-like environments for the checks a system install makes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NamedTuple

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


class Environment(NamedTuple):
    python: Path  # bin/python, a symlink as in a venv
    site: Path  # site-packages, holding the two package folders

    @property
    def packages(self) -> tuple[Path, ...]:
        return self.site / "pocket_companion", self.site / "pocket_companion_installer"


def environment(folder: Path, interpreter: str) -> Environment:
    """A venv-like tree as far as a system install looks at it: ``bin/python`` (a relative
    symlink to ``bin/python3``, which links to ``interpreter``), ``pyvenv.cfg`` and the
    package folders in ``site-packages``; folders 0755 whatever the umask."""
    site = folder / "lib" / "python3" / "site-packages"
    env = Environment(folder / "bin" / "python", site)
    for path in (folder, folder / "bin", folder / "lib", site.parent, site, *env.packages):
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)
    (folder / "pyvenv.cfg").write_text(f"home = {Path(interpreter).parent}\n")
    (folder / "bin" / "python3").symlink_to(interpreter)
    env.python.symlink_to("python3")
    return env


def files_under(root: Path) -> Iterator[Path]:
    return (path for path in sorted(root.rglob("*")) if path.is_file())
