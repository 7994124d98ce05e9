"""How the host and the CLI start Python children: never from the working folder.

``python -m`` puts the current folder first on ``sys.path``, ahead of the standard
library, so a ``json.py`` left by another user in the folder where a command runs would
run as the user. Every child (the login window, the keychain helper, the token agent)
starts with ``-P`` (``PYTHONSAFEPATH``: no working or script folder on ``sys.path``), in a
folder nobody else writes to (``/``; on Windows the interpreter's own folder), with only
absolute ``PYTHONPATH`` entries. ``-I`` would be stricter, but it also drops the user's
own site-packages, where ``pip install --user`` puts this program; the user's own
environment is trusted, the working folder is not.

Nothing secret travels in a child's arguments: ``/proc/<pid>/cmdline`` is readable by
every local user. Values go over the child's stdin.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import subprocess
    from typing import Any


def python_argv(module: str) -> list[str]:
    """The command line that runs ``module`` in this interpreter, isolated from the cwd."""
    return [sys.executable, "-P", "-m", module]


def child_cwd() -> str:
    """A working folder no other user can write to."""
    if sys.platform == "win32":
        return os.path.dirname(sys.executable)
    return "/"


def child_env() -> dict[str, str]:
    """This environment with ``PYTHONSAFEPATH`` set (grandchildren too) and relative or
    empty ``PYTHONPATH`` entries (which would mean the working folder) dropped."""
    env = dict(os.environ)
    entries = [entry for entry in env.pop("PYTHONPATH", "").split(os.pathsep)
               if entry and os.path.isabs(entry)]
    if entries:
        env["PYTHONPATH"] = os.pathsep.join(entries)
    env["PYTHONSAFEPATH"] = "1"
    return env


def isolated() -> dict[str, object]:
    """The ``subprocess.Popen`` keyword arguments every child gets (beside its argv)."""
    return {"cwd": child_cwd(), "env": child_env(), "close_fds": True}


def spawn(module: str, **popen: Any) -> subprocess.Popen[Any]:
    """Start ``python -P -m module`` isolated; ``popen`` adds pipes, text mode, flags."""
    import subprocess

    return subprocess.Popen(python_argv(module), **{**isolated(), **popen})
