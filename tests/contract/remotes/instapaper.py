"""The fake Instapaper as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.instapaper.adapter import InstapaperService

from tests.contract.remotes import Remote
from tests.fakepocket import Fault
from tests.fakes.instapaper import FakeInstapaper


class InstapaperRemote:
    name = "instapaper"

    def __init__(self, fake: FakeInstapaper, approved: bool = True) -> None:
        self.fake, self.approved = fake, approved

    def settings(self) -> Settings:
        return Settings("instapaper", self.fake.base_url)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        return InstapaperService(Settings("instapaper", server or self.fake.base_url),
                                 session_factory or default_session)

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(approved=self.approved))

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)  # Instapaper's tokens never expire: a refused one is gone

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

    def copies(self, url: str) -> int:
        with self.fake.lock:
            return sum(b.url == url for b in self.fake.bookmarks.values())

    def calls(self) -> int:
        return len(self.fake.calls)

    def stop(self) -> None:
        self.fake.stop()

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        with FakeInstapaper(user_limit=calls) as fake:
            yield InstapaperRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        with FakeInstapaper() as fake:
            yield InstapaperRemote(fake, approved=False)


def REMOTE() -> InstapaperRemote:
    return InstapaperRemote(FakeInstapaper().start())
