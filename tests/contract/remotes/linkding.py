"""The fake linkding as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.linkding.adapter import LinkdingService

from tests.contract.remotes import Remote
from tests.fakepocket import Fault
from tests.fakes.linkding import FakeLinkding


class LinkdingRemote:
    name = "linkding"

    def __init__(self, fake: FakeLinkding, read_only: bool = False) -> None:
        self.fake, self.read_only = fake, read_only

    def settings(self) -> Settings:
        return Settings("linkding", self.fake.base_url)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        settings = self.settings()._replace(server=server or self.fake.base_url)
        return LinkdingService(settings, session_factory or default_session)

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(read_only=self.read_only))

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)  # linkding's tokens never expire: a refused one is gone

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        return str(self.fake.seed(url, title, archived))

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

    def copies(self, url: str) -> int:
        return sum(bookmark.url == url for bookmark in self.fake.bookmarks.values())

    def calls(self) -> int:
        return len(self.fake.calls)

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        with FakeLinkding(user_limit=calls) as fake:
            yield LinkdingRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        with FakeLinkding() as fake:
            yield LinkdingRemote(fake, read_only=True)

    def stop(self) -> None:
        self.fake.stop()


def REMOTE() -> LinkdingRemote:
    return LinkdingRemote(FakeLinkding().start())
