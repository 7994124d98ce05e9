"""The fake wallabag as a contract-suite remote."""

from __future__ import annotations

from contextlib import AbstractContextManager

from pocket_companion.config import Settings
from pocket_companion.services.base import Credentials
from pocket_companion.services.wallabag.adapter import WallabagService

from tests.contract.remotes import FakeRemote
from tests.fakes.wallabag import ACCESS_LIFETIME, FakeWallabag


def settings(fake: FakeWallabag, server: str | None = None, **options: str) -> Settings:
    """An account's settings for the fake, as a login form leaves them."""
    fields = {"client_id": fake.CLIENT_ID, "username": fake.USERNAME, **options}
    return Settings("wallabag", server or fake.base_url, fake.USERNAME,
                    tuple(sorted(fields.items())))


def credentials(fake: FakeWallabag, **extra: str) -> Credentials:
    """Fresh credentials, as ``sign_in`` makes them (the client secret kept, and ``extra``)."""
    issued = fake.issue()
    kept = {"client_secret": fake.CLIENT_SECRET, **extra}
    return Credentials(issued.access_token, issued.refresh_token, fake.now() + ACCESS_LIFETIME,
                       tuple(sorted(kept.items())))


class WallabagRemote(FakeRemote[FakeWallabag]):
    name = "wallabag"
    adapter = WallabagService

    def settings(self) -> Settings:
        return settings(self.fake)

    def credentials(self) -> Credentials:
        return credentials(self.fake)

    def revoke(self, creds: Credentials) -> None:
        self.fake.revoke(creds.secret, creds.refresh)

    def expire(self, creds: Credentials) -> None:
        self.fake.expire_access(creds.secret)

    def copies(self, url: str) -> int:
        return sum(entry.given_url == url for entry in self.fake.entries.values())

    def without_permission(self) -> AbstractContextManager[WallabagRemote]:
        return self.fresh({"read_only": True})


def REMOTE() -> WallabagRemote:
    return WallabagRemote(FakeWallabag().start())
