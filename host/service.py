"""The boundary between the companion and a reading-list service.

The core knows only this interface. Pocket v3 is the first implementation
(:mod:`.pocket`); wallabag, Readeck or Instapaper adapters implement the same
four operations. Adapters raise the typed errors of :mod:`.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Change:
    """One queued change: ``add`` (url, title, tags) or a modify op on ``remote_id``."""

    op: str
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    remote_id: str | None = None
    time: int = 0


@dataclass(frozen=True)
class ChangeResult:
    ok: bool
    remote_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RemoteItem:
    remote_id: str
    url: str


@dataclass(frozen=True)
class LoginTicket:
    """Step one of a login: where to send the user, and what to exchange afterwards."""

    authorize_url: str
    request_token: str = field(repr=False)


@dataclass(frozen=True)
class Grant:
    username: str
    token: str = field(repr=False)


class ReadingService(Protocol):
    batch_size: int

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket: ...

    def finish_login(self, ticket: LoginTicket) -> Grant: ...

    def push(self, token: str, changes: Sequence[Change]) -> list[ChangeResult]: ...

    def changed_since(self, token: str, since: float) -> list[RemoteItem]: ...
