"""The fake linkding as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager

from pocket_companion.services.base import Credentials
from pocket_companion.services.linkding.adapter import LinkdingService

from tests.contract.remotes import FakeRemote
from tests.fakes.linkding import FakeLinkding


class LinkdingRemote(FakeRemote[FakeLinkding]):
    name = "linkding"
    adapter = LinkdingService

    def __init__(self, fake: FakeLinkding, read_only: bool = False) -> None:
        super().__init__(fake)
        self.read_only = read_only

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(read_only=self.read_only))

    def copies(self, url: str) -> int:
        return sum(bookmark.url == url for bookmark in self.fake.bookmarks.values())

    def without_permission(self) -> AbstractContextManager[LinkdingRemote]:
        return self.fresh(read_only=True)


def REMOTE() -> LinkdingRemote:
    return LinkdingRemote(FakeLinkding().start())
