"""The fake wallabag as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.wallabag.adapter import WallabagService

from tests.contract.remotes import Remote
from tests.fakepocket import Fault
from tests.fakes.wallabag import ACCESS_LIFETIME, FakeWallabag


def settings(fake: FakeWallabag, server: str | None = None, **options: str) -> Settings:
    """An account's settings for the fake, as a login form leaves them."""
    fields = {"client_id": fake.CLIENT_ID, "username": fake.USERNAME, **options}
    return Settings("wallabag", server or fake.base_url, fake.USERNAME,
                    tuple(sorted(fields.items())))


def credentials(fake: FakeWallabag, **extra: str) -> Credentials:
    """Fresh credentials, as ``sign_in`` makes them (the client secret kept, and ``extra``)."""
    issued = fake.issue()
    kept = {"client_secret": fake.CLIENT_SECRET, **extra}
    return Credentials(issued.access_token, issued.refresh_token, fake.now() + ACCESS_LIFETIME,
                       tuple(sorted(kept.items())))


class WallabagRemote:
    name = "wallabag"

    def __init__(self, fake: FakeWallabag) -> None:
        self.fake = fake

    def settings(self) -> Settings:
        return settings(self.fake)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        return WallabagService(settings(self.fake, server), session_factory or default_session)

    def credentials(self) -> Credentials:
        return credentials(self.fake)

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret, creds.refresh)

    def expire(self, creds: Credentials) -> None:
        self.fake.expire_access(creds.secret)

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        return self.fake.seed(url, title, archived=archived)

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

    def calls(self) -> int:
        return len(self.fake.calls)

    def stop(self) -> None:
        self.fake.stop()

    def items(self) -> dict[str, dict[str, Any]]:
        return self.fake.items()

    def copies(self, url: str) -> int:
        return sum(entry.given_url == url for entry in self.fake.entries.values())

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        fake = FakeWallabag(user_limit=calls)
        with fake:
            yield WallabagRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        fake = FakeWallabag(read_only=True)
        with fake:
            yield WallabagRemote(fake)


def REMOTE() -> WallabagRemote:
    fake = FakeWallabag()
    fake.start()
    return WallabagRemote(fake)
