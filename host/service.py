"""The boundary between the companion and a reading-list service.

The core knows only this interface. Pocket v3 is the first implementation
(:mod:`.pocket`); wallabag, Readeck or Instapaper adapters implement the same
four operations. Adapters raise the typed errors of :mod:`.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol


class Change(NamedTuple):
    """One queued change: ``add`` (url, title, tags) or a modify op on ``remote_id``."""

    op: str
    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    remote_id: str | None = None
    time: int = 0


class ChangeResult(NamedTuple):
    ok: bool
    remote_id: str | None = None
    error: str | None = None


class RemoteItem(NamedTuple):
    remote_id: str
    url: str


class LoginTicket(NamedTuple):
    """Step one of a login: where to send the user, and what to exchange afterwards."""

    authorize_url: str
    request_token: str

    def __repr__(self) -> str:
        return f"LoginTicket(authorize_url={self.authorize_url!r})"


class Grant(NamedTuple):
    username: str
    token: str

    def __repr__(self) -> str:
        return f"Grant(username={self.username!r})"


class ReadingService(Protocol):
    batch_size: int

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket: ...

    def finish_login(self, ticket: LoginTicket) -> Grant: ...

    def push(self, token: str, changes: Sequence[Change]) -> list[ChangeResult]: ...

    def changed_since(self, token: str, since: float) -> list[RemoteItem]: ...
