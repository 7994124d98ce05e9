"""The fake Readeck as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.readeck.adapter import ReadeckService

from tests.contract.remotes import Remote
from tests.fakepocket import Fault
from tests.fakes.readeck import SCOPES, FakeReadeck


class ReadeckRemote:
    name = "readeck"

    def __init__(self, fake: FakeReadeck, scopes: frozenset[str] = SCOPES) -> None:
        self.fake, self.scopes = fake, scopes

    def settings(self) -> Settings:
        return Settings("readeck", self.fake.base_url)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        settings = self.settings()._replace(server=server or self.fake.base_url)
        return ReadeckService(settings, session_factory or default_session)

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(self.scopes))

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)  # Readeck's tokens never expire: a refused one is gone

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        return self.fake.seed(url, title, archived)

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(url, is_archived=True, labels=["elsewhere"])

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

    def copies(self, url: str) -> int:
        return len(self.fake.copies(url))

    def calls(self) -> int:
        return len(self.fake.calls)

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        with FakeReadeck(user_limit=calls) as fake:
            yield ReadeckRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        with FakeReadeck() as fake:
            yield ReadeckRemote(fake, frozenset({"bookmarks:read", "profile:read"}))

    def stop(self) -> None:
        self.fake.stop()


def REMOTE() -> ReadeckRemote:
    return ReadeckRemote(FakeReadeck().start())
