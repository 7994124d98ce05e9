"""The boundary between the companion and a reading-list service: the seam every adapter
implements, and the words the core, the protocol and the extension use for a service.

A service is described by a :class:`~.spec.ServiceSpec` (its name, the login it needs, the
fields a login form asks for, what it can do) and reached through a :class:`ReadingService`:

- :meth:`~ReadingService.push` sends queued changes, one result per change, in order; it
  raises a :class:`~pocket_companion.errors.CompanionError` only when the whole call failed
  (nothing, or an unknown part, was applied);
- :meth:`~ReadingService.pull` yields the account's items changed since a cursor the service
  gave out earlier (all of them without one), a page at a time; the last page carries the
  cursor to keep, which the caller stores only once every page is committed; the remote ids
  the caller knows let a service that does not report deletions find them;
- :meth:`~ReadingService.find_saved` tells which of some URLs the account already holds, for
  adds whose answer was lost (a service whose re-add makes a second copy needs it);
- :meth:`~ReadingService.refresh` gives new credentials once the old ones expired, or None
  when the person must log in again.

A login of the ``redirect`` kind (Pocket's) goes through :class:`RedirectLogin`. Adapters
raise the typed errors of :mod:`pocket_companion.errors`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import NamedTuple, Protocol

from pocket_companion.errors import CompanionError


class Change(NamedTuple):
    """One queued change: ``add`` (url, title, tags) or a modify op on ``remote_id``;
    ``time`` is when it was made here, in Unix seconds."""

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
    """An item as the account holds it. ``status`` is ``unread``, ``archived`` or
    ``deleted`` (then only ``remote_id`` is known); ``resolved_url`` is where the service
    filed it when that differs from ``url``; ``tags`` is None when the reply had none to say."""

    remote_id: str
    url: str = ""
    status: str = "unread"
    title: str = ""
    resolved_url: str = ""
    favorite: bool = False
    tags: tuple[str, ...] | None = None
    time_added: float | None = None


class PullPage(NamedTuple):
    """One page of a pull; ``cursor`` is set on the last page only."""

    items: list[RemoteItem]
    cursor: str | None = None


class Credentials(NamedTuple):
    """What the keychain keeps for an account: opaque to the core. ``extra`` holds what a
    service needs to renew them (wallabag: the client secret, and the password only when
    the person asked to stay connected)."""

    secret: str
    refresh: str | None = None
    expires_at: float | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return f"Credentials(expires_at={self.expires_at!r})"

    def get(self, name: str) -> str | None:
        return dict(self.extra).get(name)

    def to_text(self) -> str:
        """A bare secret stays bare (as an earlier release kept it); more is JSON."""
        if (self.refresh is None and self.expires_at is None and not self.extra
                and not self.secret.startswith("{")):
            return self.secret
        return json.dumps({"secret": self.secret, "refresh": self.refresh,
                           "expires_at": self.expires_at, "extra": dict(self.extra)})

    @classmethod
    def from_text(cls, text: str) -> Credentials:
        """Read what :meth:`to_text` wrote; an older release kept the bare token."""
        if text.startswith("{"):
            try:
                raw = json.loads(text)
            except ValueError:
                raw = None
            if isinstance(raw, dict) and isinstance(raw.get("secret"), str):
                refresh, expires = raw.get("refresh"), raw.get("expires_at")
                extra = raw["extra"] if isinstance(raw.get("extra"), dict) else {}
                return cls(raw["secret"], refresh if isinstance(refresh, str) else None,
                           float(expires) if isinstance(expires, int | float) else None,
                           tuple(sorted((k, v) for k, v in extra.items()
                                        if isinstance(v, str))))
        return cls(text)


class LoginTicket(NamedTuple):
    """Step one of a redirect login: where to send the person, and what to exchange after."""

    authorize_url: str
    request_token: str

    def __repr__(self) -> str:
        return f"LoginTicket(authorize_url={self.authorize_url!r})"


class Grant(NamedTuple):
    username: str
    credentials: Credentials

    def __repr__(self) -> str:
        return f"Grant(username={self.username!r})"


class Interrupted(Exception):
    """A push stopped part-way (a service without batches sends one request per change):
    the results of the changes that were answered, by their index in the push, and the
    error that stopped the rest (which the sync engine handles as a failed push)."""

    def __init__(self, answered: dict[int, ChangeResult], error: CompanionError) -> None:
        super().__init__(error.message)
        self.answered, self.error = answered, error


class ReadingService(Protocol):
    batch_size: int  # changes per push

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        """One result per change, in order."""
        ...

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        """The items changed since ``cursor`` (every item when None), a page at a time.
        ``known`` holds the remote ids this program has: a service that does not report
        deletions reports as ``deleted`` those of them that it no longer lists."""
        ...

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """URL -> remote id of those the account holds; ``since`` is when the earliest may
        have been sent. Raises Forbidden when the service will not say."""
        ...

    def refresh(self, creds: Credentials) -> Credentials | None:
        """New credentials for expired ones, or None: log in again."""
        ...


class RedirectLogin(Protocol):
    """A login on the service's own page: ``begin_login`` says where to send the person;
    ``finish_login`` gets the query of the redirect back (Readeck's ``code``; Pocket needs
    none) and exchanges it for credentials."""

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket: ...

    def finish_login(self, ticket: LoginTicket, reply: Mapping[str, str]) -> Grant: ...


class FormLogin(Protocol):
    """A login from what the form gave: ``secrets`` holds its secret fields (the others are
    in the adapter's settings). Checks them with the service and returns the grant; a
    wrong field raises :class:`~pocket_companion.errors.FieldRejected` naming it."""

    def sign_in(self, secrets: Mapping[str, str]) -> Grant: ...


class DeviceCode(NamedTuple):
    """Step one of a device login: what the person types, where, and for how long."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: float
    interval: float
    device_code: str

    def __repr__(self) -> str:
        return f"DeviceCode(user_code={self.user_code!r})"


class DeviceLogin(Protocol):
    """A login approved on another device (RFC 8628): ``poll_device`` returns the grant, or,
    while the person has not answered yet, the code to poll with next (its ``interval``
    longer when the service asked to slow down); it raises once they refused
    (:class:`~pocket_companion.errors.LoginRejected`) or the code expired
    (:class:`~pocket_companion.errors.LoginExpired`)."""

    def begin_device(self) -> DeviceCode: ...

    def poll_device(self, code: DeviceCode) -> Grant | DeviceCode: ...
