"""The machine being installed on, as plain data.

Every location is computed from a :class:`Machine` (operating system, home folder,
environment, interpreter) with pure paths, so the paths of macOS and Windows can be
computed, and tested, on any system. ``root`` maps those paths onto a real folder:
``None`` on a real machine, a temporary folder in tests (``/home/me`` then lives at
``root/home/me`` and ``C:\\Users\\me`` at ``root/C/Users/me``). ``runs_from`` names the
folders the interpreter runs code from, which a system install checks (:mod:`.trust`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .registry import Registry

OSName = Literal["linux", "darwin", "windows"]
Scope = Literal["user", "system"]
OS_NAMES: tuple[OSName, ...] = ("linux", "darwin", "windows")
SCOPES: tuple[Scope, ...] = ("user", "system")
APP = "pocket-companion"
HOME_ENV = "POCKET_COMPANION_HOME"


@dataclass(frozen=True)
class Machine:
    os: OSName
    home: PurePath
    env: Mapping[str, str]
    python: PurePath
    root: Path | None = None
    registry: Registry | None = None
    runs_from: tuple[PurePath, ...] = ()  # prefixes, package folders and where they sit

    def path(self, text: str) -> PurePath:
        """A path of this machine's flavour; ``/`` separators are accepted everywhere."""
        return PureWindowsPath(text) if self.os == "windows" else PurePosixPath(text)

    def real(self, path: PurePath) -> Path:
        """Where a path of this machine lives on the disk we are running on."""
        if self.root is None:
            return Path(path)
        drive = path.drive.rstrip(":")
        rest = path.parts[1:] if path.anchor else path.parts
        return self.root.joinpath(drive, *rest) if drive else self.root.joinpath(*rest)

    def admin(self) -> int:
        """The uid that owns the system's files: root, or whoever owns a fake root."""
        return 0 if self.root is None else self.root.stat().st_uid

    def var(self, name: str, default: str) -> PurePath:
        """An absolute folder from the environment, else the default."""
        value = self.env.get(name, "")
        path = self.path(value)
        return path if value and path.is_absolute() else self.path(default)


def current(registry: Registry | None = None) -> Machine:
    """The machine this process runs on."""
    os_name: OSName = ("windows" if sys.platform == "win32"
                       else "darwin" if sys.platform == "darwin" else "linux")
    return Machine(os_name, Path.home(), dict(os.environ), Path(sys.executable), None,
                   registry or _windows_registry(), _runs_from())


def _runs_from() -> tuple[PurePath, ...]:
    """This interpreter's prefixes, our two packages' folders and the folders on
    ``sys.path`` they are imported from (whose ``.pth`` files run at start-up)."""
    import pocket_companion

    packages = [Path(pocket_companion.__file__).parent, Path(__file__).parent]
    folders = [Path(sys.prefix), Path(sys.base_prefix), *packages, *(p.parent for p in packages)]
    return tuple(dict.fromkeys(folders))


def _windows_registry() -> Registry | None:
    if sys.platform == "win32":
        from .registry import WindowsRegistry

        return WindowsRegistry()
    return None


def places(machine: Machine) -> dict[str, PurePath]:
    """The folders the browser table's templates refer to, e.g. ``{config}``."""
    home = machine.home
    if machine.os == "windows":
        local = machine.var("LOCALAPPDATA", str(home / "AppData" / "Local"))
        return {
            "home": home, "localappdata": local,
            "appdata": machine.var("APPDATA", str(home / "AppData" / "Roaming")),
            "programfiles": machine.var("PROGRAMFILES", "C:/Program Files"),
            "programdata": machine.var("PROGRAMDATA", "C:/ProgramData"),
        }
    if machine.os == "darwin":
        return {"home": home, "appsupport": home / "Library" / "Application Support"}
    return {
        "home": home,
        "config": machine.var("XDG_CONFIG_HOME", str(home / ".config")),
        "data": machine.var("XDG_DATA_HOME", str(home / ".local" / "share")),
    }


def data_home(machine: Machine) -> PurePath:
    """The data folder, as ``pocket_companion.config.data_dir()`` finds it on that machine."""
    override = machine.env.get(HOME_ENV)
    if override and machine.root is None:
        return Path(override).expanduser().absolute()
    if override:
        return machine.path(override)
    where = places(machine)
    if machine.os == "windows":
        return where["localappdata"] / APP
    if machine.os == "darwin":
        return where["appsupport"] / APP
    return where["data"] / APP


def app_dir(machine: Machine, scope: Scope) -> PurePath:
    """Where the launcher (and, on Windows, the manifests) are written."""
    if scope == "user":
        return data_home(machine) / "native-host"
    if machine.os == "windows":
        return places(machine)["programdata"] / APP
    if machine.os == "darwin":
        return machine.path("/Library/Application Support") / APP
    return machine.path("/usr/local/lib") / APP


def receipt_path(machine: Machine, scope: Scope) -> PurePath:
    return data_home(machine) / f"install-receipt-{scope}.json"
