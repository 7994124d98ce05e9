"""The fake Pocket as a contract-suite remote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials, ReadingService
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.contract.remotes import Remote
from tests.fakepocket import FakePocket, Fault


class PocketRemote:
    name = "pocket"

    def __init__(self, fake: FakePocket) -> None:
        self.fake = fake

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

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)

    def expire(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret)  # Pocket's tokens never expire: a refused one is gone

    def seed(self, url: str, title: str = "", archived: bool = False) -> str:
        [item_id] = self.fake.seed_many([{"url": url, "title": title,
                                          "status": "archived" if archived else "unread"}])
        return item_id

    def change_elsewhere(self, url: str) -> None:
        self.fake.edit(url, status="archived", tags=["elsewhere"])

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
        return {item["given_url"]: item for item in self.fake.items().values()}

    def copies(self, url: str) -> int:
        return sum(item["given_url"] == url for item in self.fake.items().values())

    @contextmanager
    def limited(self, calls: int) -> Iterator[Remote]:
        with FakePocket(user_limit=calls) as fake:
            yield PocketRemote(fake)

    @contextmanager
    def without_permission(self) -> Iterator[Remote]:
        with FakePocket(consumer_keys={FakePocket.CONSUMER_KEY: "d"}) as fake:
            yield PocketRemote(fake)


def REMOTE() -> PocketRemote:
    return PocketRemote(FakePocket(count_cap=5000).start())
