"""The install receipt: every file, folder and registry key an install wrote.

One receipt per scope lives in the data folder (``install-receipt-user.json``,
``install-receipt-system.json``, mode 0600). Each entry lists the browsers it
serves; a launcher or a folder shared by several browsers stays until the last of
them is uninstalled. Uninstall removes exactly the entries it releases, so running
it twice is harmless.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from pocket_companion.files import atomic_write

from .machine import Machine, Scope, receipt_path
from .registry import RegKey

Kind = Literal["file", "dir", "registry"]
VERSION = 1


class InstallError(Exception):
    """Install, uninstall or the receipt cannot go on; the message says why and what to do."""


@dataclass
class Entry:
    kind: Kind
    where: str  # the path, or the registry key as text
    browsers: set[str] = field(default_factory=set)
    sha256: str | None = None  # files: the content written
    key: RegKey | None = None  # registry: the key ...
    value: str | None = None  # ... and the default value written

    @property
    def ident(self) -> tuple[str, str]:
        return self.kind, self.where

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "path": self.where,
                                "browsers": sorted(self.browsers)}
        if self.sha256:
            data["sha256"] = self.sha256
        if self.key:
            data.update(key=self.key.to_dict(), value=self.value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        key = data.get("key")
        return cls(data["kind"], data["path"], set(data["browsers"]), data.get("sha256"),
                   RegKey(key["hive"], key["view"], key["path"]) if key else None,
                   data.get("value"))


def _depth(path: str) -> int:
    return path.replace("\\", "/").count("/")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Receipt:
    def __init__(self, machine: Machine, scope: Scope) -> None:
        self.scope = scope
        self.path = machine.real(receipt_path(machine, scope))
        self.shown = str(receipt_path(machine, scope))
        self.entries: dict[tuple[str, str], Entry] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            entries = [Entry.from_dict(item) for item in raw["entries"]]
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InstallError(
                f"the install receipt {self.shown} cannot be read ({exc}); move it away and "
                "run `pocket-companion doctor` to see what is installed") from exc
        self.entries = {entry.ident: entry for entry in entries}

    def add(self, entry: Entry) -> None:
        known = self.entries.get(entry.ident)
        if known:
            entry.browsers |= known.browsers
        self.entries[entry.ident] = entry

    def browsers(self) -> set[str]:
        return {name for entry in self.entries.values() for name in entry.browsers}

    def release(self, browsers: set[str] | None) -> list[Entry]:
        """Drop these browsers (None: all); return the entries nobody uses any more,
        files and keys first, then folders deepest first."""
        freed = []
        for entry in list(self.entries.values()):
            entry.browsers = set() if browsers is None else entry.browsers - browsers
            if not entry.browsers:
                freed.append(entry)
                del self.entries[entry.ident]
        return sorted(freed, key=lambda e: (e.kind == "dir", -_depth(e.where)))

    def save(self) -> None:
        if not self.entries:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {"version": VERSION, "scope": self.scope,
                "entries": [e.to_dict() for e in self.entries.values()]}
        atomic_write(self.path, (json.dumps(body, indent=2) + "\n").encode(), 0o600)
