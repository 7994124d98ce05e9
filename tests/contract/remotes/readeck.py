"""The fake Readeck as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager

from pocket_companion.services.base import Credentials
from pocket_companion.services.readeck.adapter import ReadeckService

from tests.contract.remotes import FakeRemote
from tests.fakes.readeck import SCOPES, FakeReadeck


class ReadeckRemote(FakeRemote[FakeReadeck]):
    name = "readeck"
    adapter = ReadeckService

    def __init__(self, fake: FakeReadeck, scopes: frozenset[str] = SCOPES) -> None:
        super().__init__(fake)
        self.scopes = scopes

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(self.scopes))

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(url, is_archived=True, labels=["elsewhere"])

    def copies(self, url: str) -> int:
        return len(self.fake.copies(url))

    def without_permission(self) -> AbstractContextManager[ReadeckRemote]:
        return self.fresh(scopes=frozenset({"bookmarks:read", "profile:read"}))


def REMOTE() -> ReadeckRemote:
    return ReadeckRemote(FakeReadeck().start())
