"""The fake Instapaper as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager

from pocket_companion.services.base import Credentials
from pocket_companion.services.instapaper.adapter import InstapaperService

from tests.contract.remotes import FakeRemote
from tests.fakes.instapaper import FakeInstapaper


class InstapaperRemote(FakeRemote[FakeInstapaper]):
    name = "instapaper"
    adapter = InstapaperService

    def __init__(self, fake: FakeInstapaper, approved: bool = True) -> None:
        super().__init__(fake)
        self.approved = approved

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token(approved=self.approved))

    def copies(self, url: str) -> int:
        with self.fake.lock:
            return sum(b.url == url for b in self.fake.bookmarks.values())

    def without_permission(self) -> AbstractContextManager[InstapaperRemote]:
        return self.fresh(approved=False)


def REMOTE() -> InstapaperRemote:
    return InstapaperRemote(FakeInstapaper().start())
