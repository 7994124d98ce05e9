"""The program a manifest's ``path`` names: a launcher that pins the installing Python.

Browsers start hosts without a login shell, so ``#!/usr/bin/env python3`` or a
bare ``pocket-companion-host`` would find whatever Python the browser's ``PATH``
offers (or none). The launcher names the interpreter that ran the installer:

- Linux and macOS: a POSIX ``sh`` script (LF line endings, mode 0755).
- Windows: pip's console-script ``pocket-companion-host.exe`` beside that Python when
  present (new Chrome starts an ``.exe`` directly, without ``cmd.exe``), otherwise a
  ``.cmd`` file with ``@echo off`` so that ``cmd.exe`` writes nothing to the pipe.
- Flatpak browsers: a script inside the sandbox's own folder that steps out to the
  host with ``flatpak-spawn --host``.

The host starts isolated from the folder the browser was started in: ``python -m``
would put that folder first on ``sys.path``, so a ``json.py`` another user left there
would run. Every launcher passes ``-P`` (``PYTHONSAFEPATH``, Python 3.11+), and the POSIX
ones also start in ``/`` (``cd /``; ``flatpak-spawn --directory=/``), as the host's own
children do (``pocket_companion.children``).

When ``POCKET_COMPANION_HOME`` is set at install time the launcher sets it too, so
the browser's host and the CLI share one reading list.
"""

from __future__ import annotations

import shlex
from pathlib import PurePath
from typing import NamedTuple

from .machine import HOME_ENV, Machine, Scope, app_dir, data_home

POSIX_NAME = "pocket-companion-host"
CMD_NAME = "pocket-companion-host.cmd"
EXE_NAME = "pocket-companion-host.exe"
MODULE = "pocket_companion.nativehost.host"
MODULES = (MODULE, "pocket_companion.hostmain")  # the second in launchers of release 0.1
RUN = f"-P -m {MODULE}"  # -P: nothing from the working folder is imported
_HEADER = ("Pocket Companion's native messaging host, as browsers start it.",
           "Written by `pocket-companion install`: it runs the Python that installed it,",
           "with -P so that nothing is imported from the folder it was started in.")


class Launcher(NamedTuple):
    path: PurePath
    text: str | None  # None: an existing program we point at but do not write


def launcher_for(machine: Machine, scope: Scope, flatpak: str | None = None) -> Launcher:
    if flatpak:
        folder = machine.home / ".var" / "app" / flatpak / "data" / "pocket-companion"
        return Launcher(folder / POSIX_NAME, flatpak_script(machine))
    if machine.os != "windows":
        return Launcher(app_dir(machine, scope) / POSIX_NAME, posix_script(machine))
    for exe in (machine.python.parent / EXE_NAME, machine.python.parent / "Scripts" / EXE_NAME):
        if machine.real(exe).is_file():
            return Launcher(exe, None)
    return Launcher(app_dir(machine, scope) / CMD_NAME, cmd_script(machine))


def _pinned_home(machine: Machine) -> str | None:
    return str(data_home(machine)) if machine.env.get(HOME_ENV) else None


def posix_script(machine: Machine) -> str:
    lines = ["#!/bin/sh", *(f"# {line}" for line in _HEADER)]
    home = _pinned_home(machine)
    if home:
        lines += [f"{HOME_ENV}={shlex.quote(home)}", f"export {HOME_ENV}"]
    lines += ["cd / || exit 1", f'exec {shlex.quote(str(machine.python))} {RUN} "$@"']
    return "\n".join(lines) + "\n"


def flatpak_script(machine: Machine) -> str:
    home = _pinned_home(machine)
    env = f"--env={shlex.quote(f'{HOME_ENV}={home}')} " if home else ""
    lines = ["#!/bin/sh", *(f"# {line}" for line in _HEADER),
             "# The browser runs in a Flatpak sandbox; the host runs outside it.",
             f'exec flatpak-spawn --host --directory=/ {env}{shlex.quote(str(machine.python))} '
             f'{RUN} "$@"']
    return "\n".join(lines) + "\n"


def cmd_script(machine: Machine) -> str:
    def escape(text: str) -> str:
        return text.replace("%", "%%")

    lines = ["@echo off", *(f"rem {line}" for line in _HEADER)]
    home = _pinned_home(machine)
    python = str(machine.python)
    if not (python + (home or "")).isascii():
        lines.append("chcp 65001 >nul")  # the paths below are UTF-8
    if home:
        lines.append(f'set "{HOME_ENV}={escape(home)}"')
    lines.append(f'"{escape(python)}" {RUN} %*')
    return "\r\n".join(lines) + "\r\n"


def pinned_python(text: str) -> str | None:
    """The interpreter a launcher we wrote runs, to check it still exists; None for text
    that is not such a launcher. The POSIX ones are read as ``sh`` reads them, as a whole:
    a quoted path may span lines."""
    if text.lstrip().lower().startswith("@echo off"):
        for line in text.splitlines():
            python, quote, rest = line[1:].partition('"')
            if line.startswith('"') and quote and any(f"-m {m}" in rest for m in MODULES):
                return python.replace("%%", "%")
        return None
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        return None
    words = words[words.index("exec") + 1:] if "exec" in words else []
    if words[:2] == ["flatpak-spawn", "--host"]:
        words = [word for word in words[2:] if not word.startswith("--")]
    return words[0] if set(MODULES) & set(words[1:]) else None
