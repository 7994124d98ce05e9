"""The fake servers' side of the contract suite: one module per service, each with a
``REMOTE`` factory that starts its fake and returns a :class:`Remote` driving it (most of them
a :class:`FakeRemote`, saying only what their service does differently)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session

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


class Fake(Protocol):
    """What a :class:`FakeRemote` asks of its fake server (a ``tests.fakes.base.FakeService``,
    or the fake Pocket)."""

    @property
    def base_url(self) -> str: ...

    @property
    def calls(self) -> Sequence[object]: ...

    def advance(self, seconds: float) -> object: ...

    def inject(self, fault: Fault, times: int = 1, path: str | None = None) -> None: ...

    def revoke(self, token: str, /) -> object: ...

    def seed(self, *args: Any, **kwargs: Any) -> object: ...

    def edit(self, *args: Any, **kwargs: Any) -> object: ...

    def remove(self, url: str, /) -> object: ...

    def items(self) -> dict[str, Any]: ...

    def stop(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> None: ...


F = TypeVar("F", bound=Fake)


class Adapter(Protocol):
    """How a service's adapter is made: from an account's settings, on a session factory."""

    def __call__(self, settings: Settings, session_factory: SessionFactory, /
                 ) -> ReadingService: ...


class FakeRemote(Generic[F]):
    """A :class:`Remote` over a fake server, as most services' are: settings of just the
    service and the fake's address, an ``adapter`` made from them, one token that never
    expires (a refused one is gone), items seeded, edited and removed by URL, and a fresh fake
    of the same class for :meth:`limited` and :meth:`without_permission`.

    A service's remote sets ``name`` and ``adapter``, and says what its service does
    differently (at least :meth:`credentials`, :meth:`copies` and :meth:`without_permission`,
    which are its own)."""

    name: str
    adapter: ClassVar[Adapter]

    def __init__(self, fake: F) -> None:
        self.fake = fake

    def settings(self) -> Settings:
        return Settings(self.name, self.fake.base_url)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        settings = self.settings()._replace(server=server or self.fake.base_url)
        return self.adapter(settings, session_factory or default_session)

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.revoke(creds)  # the token never expires: a refused one is gone

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        return str(self.fake.seed(url, title, archived=archived))

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(url, archived=True, tags=["elsewhere"])

    def delete_elsewhere(self, url: str) -> None:
        self.fake.remove(url)

    def tick(self) -> None:
        self.fake.advance(2)

    def fail_next(self, status: int) -> None:
        self.fake.inject(Fault("status", status=status))

    def inject(self, fault: Fault, times: int = 1) -> None:
        self.fake.inject(fault, times)

    def items(self) -> dict[str, dict[str, Any]]:
        return self.fake.items()

    def calls(self) -> int:
        return len(self.fake.calls)

    def stop(self) -> None:
        self.fake.stop()

    @contextmanager
    def fresh(self, fake_options: dict[str, Any] | None = None,
              **remote_options: Any) -> Iterator[Self]:
        """A remote like this one (with ``remote_options``) over a new fake of the same class
        (made with ``fake_options``), stopped on leaving."""
        with type(self.fake)(**(fake_options or {})) as fake:
            yield type(self)(fake, **remote_options)

    def limited(self, calls: int) -> AbstractContextManager[Self]:
        return self.fresh({"user_limit": calls})


def load() -> dict[str, Callable[[], Remote]]:
    """Every module's ``REMOTE``, by service name (the module's name)."""
    found: dict[str, Callable[[], Remote]] = {}
    for module in pkgutil.iter_modules(__path__):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        found[module.name] = loaded.REMOTE
    return found


__all__ = ["Fake", "FakeRemote", "Remote", "load"]
