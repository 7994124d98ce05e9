"""A Windows registry in memory, for the installer's tests on any system.

Like the real one, key paths are case-insensitive, HKLM's 32- and 64-bit views are
separate trees, and HKCU (``view`` None) is shared by both views.
"""

from __future__ import annotations

from pocket_companion_installer.registry import RegKey


class MemoryRegistry:
    def __init__(self) -> None:
        self.values: dict[tuple[str, object, str], str] = {}

    @staticmethod
    def _id(key: RegKey) -> tuple[str, object, str]:
        view = None if key.hive == "HKCU" else key.view
        return key.hive, view, key.path.lower()

    def get(self, key: RegKey) -> str | None:
        return self.values.get(self._id(key))

    def set(self, key: RegKey, value: str) -> None:
        self.values[self._id(key)] = value

    def delete(self, key: RegKey) -> None:
        self.values.pop(self._id(key), None)
