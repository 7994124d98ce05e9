"""The fake Karakeep as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager

from pocket_companion.services.base import Credentials
from pocket_companion.services.karakeep.adapter import KarakeepService

from tests.contract.remotes import FakeRemote
from tests.fakes.karakeep import FakeKarakeep

READ_ONLY = ("bookmarks:read", "users:read")


class KarakeepRemote(FakeRemote[FakeKarakeep]):
    name = "karakeep"
    adapter = KarakeepService

    def __init__(self, fake: FakeKarakeep, scopes: tuple[str, ...] = ("fullaccess",)) -> None:
        super().__init__(fake)
        self.scopes = scopes

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_key(self.scopes))

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(self.fake.find(url), archived=True, tags=["elsewhere"])

    def delete_elsewhere(self, url: str) -> None:
        self.fake.remove(self.fake.find(url))

    def copies(self, url: str) -> int:
        with self.fake.lock:
            return sum(b.url == url for b in self.fake.bookmarks.values())

    def without_permission(self) -> AbstractContextManager[KarakeepRemote]:
        return self.fresh(scopes=READ_ONLY)


def REMOTE() -> KarakeepRemote:
    return KarakeepRemote(FakeKarakeep().start())
