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
MODULE = "pocket_companion.hostmain"
_HEADER = ("Pocket Companion's native messaging host, as browsers start it.",
           "Written by `pocket-companion install`: it runs the Python that installed it.")


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
    lines.append(f'exec {shlex.quote(str(machine.python))} -m {MODULE} "$@"')
    return "\n".join(lines) + "\n"


def flatpak_script(machine: Machine) -> str:
    home = _pinned_home(machine)
    env = f"--env={shlex.quote(f'{HOME_ENV}={home}')} " if home else ""
    lines = ["#!/bin/sh", *(f"# {line}" for line in _HEADER),
             "# The browser runs in a Flatpak sandbox; the host runs outside it.",
             f'exec flatpak-spawn --host {env}{shlex.quote(str(machine.python))} '
             f'-m {MODULE} "$@"']
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
    lines.append(f'"{escape(python)}" -m {MODULE} %*')
    return "\r\n".join(lines) + "\r\n"


def pinned_python(text: str) -> str | None:
    """The interpreter a launcher we wrote runs, to check it still exists."""
    for line in text.splitlines():
        words = shlex.split(line, posix=True) if line.startswith("exec ") else []
        if words[:3] == ["exec", "flatpak-spawn", "--host"]:
            words = [w for w in words[3:] if not w.startswith("--")]
            return words[0] if words else None
        if words:
            return words[1]
        if line.startswith('"') and f" -m {MODULE}" in line:
            return line[1:line.index('"', 1)].replace("%%", "%")
    return None
