"""Who can change the Python a system-wide install makes every user's browser run.

A system install's launcher runs the installing interpreter for every user, so whoever
can change that interpreter, its environment or our packages runs code as each of them.
``install --scope system`` therefore refuses unless root alone can change (owner uid 0,
no group or other write bit):

- the interpreter as pinned (a venv's ``bin/python``, usually a symlink), each symlink
  on the way, the file it resolves to, and the folders of both (Python looks for
  ``pyvenv.cfg`` there);
- the folders in :attr:`Machine.runs_from`: ``sys.prefix``, ``sys.base_prefix``, the
  folders of ``pocket_companion`` and ``pocket_companion_installer`` and the folders they
  are imported from (``site-packages``, whose ``.pth`` files run at every start);
- every folder on the way to any of these.

A folder others may write to is acceptable *on the way* only when it is root's and
sticky, as ``/tmp`` is: others may add entries there but not rename or delete root's,
and the next component must be root's. The folders listed above get no such exception,
since a new ``json.py``, ``.pth`` or ``pyvenv.cfg`` in them would run.

Windows has no owner and mode bits to read this way (its ACLs would need the Win32
API), so there every one of these paths must lie inside Program Files, which only
administrators can change unless someone loosened its permissions.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import PurePath

from .machine import Machine, places
from .receipt import InstallError

_MAX_LINKS = 40  # as the kernel's limit on symlinks in one path


def require_trusted(machine: Machine) -> None:
    """Raise :class:`InstallError` unless only root (administrators) can change what a
    system install would make every user's browser run."""
    problem = untrusted(machine, machine.python, machine.runs_from)
    if problem:
        raise InstallError(f"refusing a system-wide install: every user's browser would run "
                           f"{machine.python}, but {problem}. {advice(machine)}")


def untrusted(machine: Machine, python: PurePath, folders: Sequence[PurePath]) -> str | None:
    """What lets someone other than root change ``python`` or ``folders``, or None."""
    if machine.os == "windows":
        return _outside_program_files(machine, [python, python.parent, *folders])
    try:
        target, problem = _walk(machine, python)
        for folder in (python.parent, target.parent, *folders):
            problem = problem or _walk(machine, folder)[1]
    except OSError as exc:
        return f"{exc.filename} cannot be checked ({exc.strerror})"
    return problem


def advice(machine: Machine) -> str:
    """What to do instead, in the words of the machine's shell."""
    if machine.os == "windows":
        env = places(machine)["programfiles"] / "pocket-companion"
        scripts = env / "Scripts"
        return ("From an administrator prompt, install into a folder only administrators can "
                f'change and run that environment\'s installer: py -m venv "{env}", then '
                f'"{scripts / "pip"}" install . (in a clone of this project), then '
                f'"{scripts / "pocket-companion"}" install --scope system')
    return ("Install into an environment only root can change and run that environment's "
            "installer: sudo python3 -m venv /opt/pocket-companion, then "
            "sudo /opt/pocket-companion/bin/pip install . (in a clone of this project), then "
            "sudo /opt/pocket-companion/bin/pocket-companion install --scope system")


def _walk(machine: Machine, path: PurePath) -> tuple[PurePath, str | None]:
    """Follow ``path`` one component at a time (symlinks too) and check each; return
    where it leads and the first problem found."""
    admin, links = machine.admin(), 0
    done, todo = machine.path(path.anchor), list(path.parts[1:])
    problem = _check(done, os.lstat(machine.real(done)), admin, last=not todo)
    while todo and not problem:
        name = todo.pop(0)
        if name == "..":
            done = done.parent
            continue
        here = done / name
        info = os.lstat(machine.real(here))
        if not stat.S_ISLNK(info.st_mode):
            problem, done = _check(here, info, admin, last=not todo), here
            continue
        links += 1
        target = machine.path(os.readlink(machine.real(here)))
        todo[:0] = target.parts[1:] if target.anchor else target.parts
        done = machine.path(target.anchor) if target.anchor else done
        problem = (_owner(here, info, admin) if links <= _MAX_LINKS
                   else f"{path} has too many symlinks")
    return done, problem


def _owner(path: PurePath, info: os.stat_result, admin: int) -> str | None:
    kind = "a symlink " if stat.S_ISLNK(info.st_mode) else ""
    return None if info.st_uid == admin else (
        f"{path} ({kind}owned by uid {info.st_uid}) is not root's")


def _check(path: PurePath, info: os.stat_result, admin: int, last: bool) -> str | None:
    """The owner and write bits of one component; ``last``: a path we check, not one we
    only pass through (where root's sticky folders are acceptable)."""
    owner, mode = _owner(path, info, admin), info.st_mode
    if owner or (not last and stat.S_ISDIR(mode) and mode & stat.S_ISVTX):
        return owner
    if mode & stat.S_IWOTH:
        return f"{path} is writable by every user"
    if mode & stat.S_IWGRP:
        return f"{path} is writable by its group (gid {info.st_gid})"
    return None


def _outside_program_files(machine: Machine, paths: Sequence[PurePath]) -> str | None:
    safe = [places(machine)["programfiles"],
            machine.var("PROGRAMFILES(X86)", "C:/Program Files (x86)")]
    for path in paths:
        if ".." in path.parts or not any(path.is_relative_to(s) for s in safe):
            return (f"{path} is outside {safe[0]}, so users other than administrators may be "
                    "able to change it")
    return None
