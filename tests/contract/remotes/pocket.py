"""The fake Pocket as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.contract.remotes import FakeRemote
from tests.fakepocket import FakePocket


class PocketRemote(FakeRemote[FakePocket]):
    """Pocket's settings carry the app's consumer key, and its adapter is made on a client;
    its items are by id (``given_url`` in each) and take a status rather than archived."""

    name = "pocket"

    def settings(self) -> Settings:
        return Settings("pocket", self.fake.base_url,
                        options=(("consumer_key", self.fake.CONSUMER_KEY),))

    def service(self, server: str | None = None,
                session_factory: SessionFactory | None = None) -> ReadingService:
        client = PocketClient(server or self.fake.base_url, self.fake.CONSUMER_KEY,
                              session_factory=session_factory or default_session)
        return PocketService(client)

    def credentials(self) -> Credentials:
        return Credentials(self.fake.issue_token())

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        [item_id] = self.fake.seed_many([{"url": url, "title": title,
                                          "status": "archived" if archived else "unread"}])
        return item_id

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(url, status="archived", tags=["elsewhere"])

    def items(self) -> dict[str, dict[str, Any]]:
        return {item["given_url"]: item for item in self.fake.items().values()}

    def copies(self, url: str) -> int:
        return sum(item["given_url"] == url for item in self.fake.items().values())

    def without_permission(self) -> AbstractContextManager[PocketRemote]:
        return self.fresh({"consumer_keys": {FakePocket.CONSUMER_KEY: "d"}})


def REMOTE() -> PocketRemote:
    return PocketRemote(FakePocket(count_cap=5000).start())
