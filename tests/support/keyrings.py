"""Test-only keyring backends. Never shipped; the product refuses plaintext storage.

``MemoryKeyring`` keeps secrets in the process. ``FileKeyring`` keeps them in
the JSON file named by ``TEST_KEYRING_FILE`` so several test processes (a host
and a CLI) can share a login; it exists only inside a test's temporary folder.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["TEST_KEYRING_FILE"])

    def _update(self, change: object = None) -> dict[str, str]:
        self.path.touch()
        with self.path.open("r+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            text = handle.read()
            data: dict[str, str] = json.loads(text) if text else {}
            if callable(change):
                change(data)
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(data))
            return data

    def get_password(self, service: str, username: str) -> str | None:
        return self._update().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._update(lambda data: data.__setitem__(f"{service}/{username}", password))

    def delete_password(self, service: str, username: str) -> None:
        if self.get_password(service, username) is None:
            raise PasswordDeleteError(username)
        self._update(lambda data: data.pop(f"{service}/{username}"))
