"""Windows registry keys, through a small interface that tests replace.

A native messaging host is registered by a key named after it whose default value
is the absolute path of its manifest file. ``HKCU`` is the same in the 32- and
64-bit views (``view`` is ``None``); ``HKLM`` has both, and a system install writes
the 64-bit view even from a 32-bit Python.
"""

from __future__ import annotations

import sys
from typing import Literal, NamedTuple, Protocol

Hive = Literal["HKCU", "HKLM"]
View = Literal[32, 64] | None


class RegKey(NamedTuple):
    hive: Hive
    view: View
    path: str

    def __str__(self) -> str:
        where = f"{self.hive}\\{self.path}"
        return f"{where} (registry, {self.view}-bit view)" if self.view else f"{where} (registry)"

    def to_dict(self) -> dict[str, object]:
        return {"hive": self.hive, "view": self.view, "path": self.path}


class Registry(Protocol):
    def get(self, key: RegKey) -> str | None:
        """The key's default value, or None when the key does not exist."""

    def set(self, key: RegKey, value: str) -> None:
        """Create the key (and its parents) and set its default value."""

    def delete(self, key: RegKey) -> None:
        """Delete the key; a missing key is not an error."""


if sys.platform == "win32":
    import winreg

    class WindowsRegistry:
        """The real registry, through ``winreg``."""

        def _open(self, key: RegKey, access: int) -> tuple[int, int]:
            hive = winreg.HKEY_CURRENT_USER if key.hive == "HKCU" else winreg.HKEY_LOCAL_MACHINE
            flags = {32: winreg.KEY_WOW64_32KEY, 64: winreg.KEY_WOW64_64KEY, None: 0}[key.view]
            return hive, access | flags

        def get(self, key: RegKey) -> str | None:
            hive, access = self._open(key, winreg.KEY_READ)
            try:
                with winreg.OpenKey(hive, key.path, 0, access) as handle:
                    value, _ = winreg.QueryValueEx(handle, "")
            except OSError:
                return None
            return str(value)

        def set(self, key: RegKey, value: str) -> None:
            hive, access = self._open(key, winreg.KEY_WRITE)
            with winreg.CreateKeyEx(hive, key.path, 0, access) as handle:
                winreg.SetValueEx(handle, "", 0, winreg.REG_SZ, value)

        def delete(self, key: RegKey) -> None:
            hive, _ = self._open(key, 0)
            view = winreg.KEY_WOW64_32KEY if key.view == 32 else winreg.KEY_WOW64_64KEY
            try:
                winreg.DeleteKeyEx(hive, key.path, view, 0)
            except FileNotFoundError:
                return
