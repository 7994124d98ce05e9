"""The fake servers' side of the contract suite: one module per service, each with a
``REMOTE`` factory that starts its fake and returns a :class:`Remote` driving it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory

from tests.fakepocket import Fault


class Remote(Protocol):
    """A service's fake server, driven from the test's side.

    ``items()`` shows the account as ``{url: {"status": "0" (unread) | "1" (archived),
    "tags": [names], "favorite": bool, "title": str}}``."""

    name: str

    def settings(self) -> Settings:
        """The account's settings as a login would store them (service, server, options)."""

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        """The adapter, at ``server`` (default: the fake's), on sessions of the factory's."""

    def credentials(self) -> Credentials: ...

    def revoke(self, creds: Credentials) -> None: ...

    def expire(self, creds: Credentials) -> None:
        """The server stops taking this access token as expired (a service with refresh
        tokens still takes its refresh token); one whose tokens never expire revokes it."""

    def seed(self, url: str, title: str = "", archived: bool = False) -> str: ...

    def change_elsewhere(self, url: str) -> None:
        """Archive the item and set its tags to ``["elsewhere"]``, as another app would."""

    def delete_elsewhere(self, url: str) -> None: ...

    def tick(self) -> None:
        """Let the server's clock move on (2 s)."""

    def fail_next(self, status: int) -> None: ...

    def inject(self, fault: Fault, times: int = 1) -> None: ...

    def items(self) -> dict[str, dict[str, Any]]: ...

    def copies(self, url: str) -> int:
        """How many items of the account have this URL (a service may keep duplicates)."""

    def limited(self, calls: int) -> AbstractContextManager[Remote]:
        """A fresh fake whose rate limit allows ``calls`` requests."""

    def without_permission(self) -> AbstractContextManager[Remote]:
        """A fresh fake whose credentials lack the permission to save."""

    def calls(self) -> int:
        """How many requests the fake has answered so far."""

    def stop(self) -> None: ...


def load() -> dict[str, Callable[[], Remote]]:
    """Every module's ``REMOTE``, by service name (the module's name)."""
    found: dict[str, Callable[[], Remote]] = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        found[module.name] = loaded.REMOTE
    return found


__all__ = ["Remote", "load"]
