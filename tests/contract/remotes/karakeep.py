"""The fake Karakeep as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.karakeep.adapter import KarakeepService

from tests.contract.remotes import Remote
from tests.fakepocket import Fault
from tests.fakes.karakeep import FakeKarakeep

READ_ONLY = ("bookmarks:read", "users:read")


class KarakeepRemote:
    name = "karakeep"

    def __init__(self, fake: FakeKarakeep, scopes: tuple[str, ...] = ("fullaccess",)) -> None:
        self.fake, self.scopes = fake, scopes

    def settings(self) -> Settings:
        return Settings("karakeep", self.fake.base_url)

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        settings = self.settings()._replace(server=server or self.fake.base_url)
        return KarakeepService(settings, session_factory or default_session)

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_key(self.scopes))

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)  # Karakeep's API keys never expire: a refused one is gone

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        return self.fake.seed(url, title, archived)

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(self.fake.find(url), archived=True, tags=["elsewhere"])

    def delete_elsewhere(self, url: str) -> None:
        self.fake.remove(self.fake.find(url))

    def tick(self) -> None:
        self.fake.advance(2)

    def fail_next(self, status: int) -> None:
        self.fake.inject(Fault("status", status=status))

    def inject(self, fault: Fault, times: int = 1) -> None:
        self.fake.inject(fault, times)

    def calls(self) -> int:
        return len(self.fake.requests())

    def stop(self) -> None:
        self.fake.stop()

    def items(self) -> dict[str, dict[str, Any]]:
        shown = {}
        for bookmark_id in list(self.fake.bookmarks):
            view = self.fake.view(bookmark_id)
            if view["content"]["type"] == "link":
                shown[view["content"]["url"]] = {
                    "status": "1" if view["archived"] else "0",
                    "tags": [tag["name"] for tag in view["tags"]],
                    "favorite": view["favourited"],
                    "title": view["title"] or view["content"]["title"] or ""}
        return shown

    def copies(self, url: str) -> int:
        with self.fake.lock:
            return sum(b.url == url for b in self.fake.bookmarks.values())

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        with FakeKarakeep(user_limit=calls) as fake:
            yield KarakeepRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        with FakeKarakeep() as fake:
            yield KarakeepRemote(fake, READ_ONLY)


def REMOTE() -> KarakeepRemote:
    return KarakeepRemote(FakeKarakeep().start())
