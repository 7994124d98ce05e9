"""The login flow: request token, authorize page, loopback redirect, access token.

The host serves the redirect itself (:mod:`.loopback`, RFC 8252 loopback redirect).
Where the authorize page is shown is up to an injected :class:`Opener`: the embedded
window by default, the system browser (through a one-time loopback address, never the
authorize URL itself), a scripted person in tests. A window also reports the redirect
itself, for servers whose redirect never loads; whichever arrives first ends the wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pocket_companion.account.login.loopback import LoopbackServer
from pocket_companion.account.login.openers import LoginTarget
from pocket_companion.errors import CompanionError, LoginCancelled, LoginTimeout
from pocket_companion.logs import get_logger
from pocket_companion.services.base import Grant, RedirectLogin

if TYPE_CHECKING:
    from pocket_companion.account.login.openers import LoginPage, Opener

log = get_logger(__name__)
Progress = Callable[[str, dict[str, Any]], None]
POLL = 0.05
HEARTBEAT = 20.0  # a "waiting" event this often keeps an MV3 service worker's port busy


class _Watch:
    """Waits for the redirect while telling the caller how the login stands."""

    def __init__(self, page: LoginPage, authorize_url: str, timeout: float,
                 cancel: threading.Event, progress: Progress, heartbeat: float) -> None:
        self.page, self.url, self.timeout = page, authorize_url, timeout
        self.cancel, self.progress, self.heartbeat = cancel, progress, heartbeat
        self.deadline = time.monotonic() + timeout
        self.next_beat: float | None = None  # set once the page is shown

    def until_redirect(self, server: LoopbackServer) -> None:
        while True:
            if self.next_beat is None:
                self._announce()
            elif time.monotonic() >= self.next_beat:
                self._beat()
            if server.hit.wait(POLL) or self._ended(server):
                break
        if self.next_beat is None:
            self._announce()  # a page answered before it was first reported

    def _announce(self) -> None:
        where = self.page.shown()
        if where:
            self.progress("authorize", {"url": self.url, "shown_in": where})
            self.next_beat = time.monotonic() + self.heartbeat

    def _beat(self) -> None:
        now = time.monotonic()
        self.progress("waiting", {"remaining": max(0, round(self.deadline - now))})
        self.next_beat = now + self.heartbeat

    def _ended(self, server: LoopbackServer) -> bool:
        """True when the page saw the redirect; raises when the login cannot go on."""
        outcome = self.page.outcome()
        if outcome == "redirected":
            return True
        if outcome == "closed":
            raise LoginCancelled("the login window was closed before the app was authorized")
        if server.misused.is_set():
            raise LoginCancelled("the one-time sign-in link was opened twice (perhaps by "
                                 "another program); start the login again")
        if self.cancel.is_set():
            raise LoginCancelled("the login was cancelled")
        if time.monotonic() > self.deadline:
            raise LoginTimeout(
                f"the authorize page was not answered within {self.timeout:.0f} s")
        return False


def _reply(server: LoopbackServer, page: LoginPage) -> dict[str, str]:
    """The redirect's query: as the loopback server got it, else as the window saw it (a
    redirect that never loaded), when it carries this login's state."""
    seen = None if server.hit.is_set() else page.redirected_to()
    if seen:
        server.claim(urlsplit(seen).query)
    return server.reply


def quiet(stage: str, data: dict[str, Any]) -> None:
    return None


def run_login(service: RedirectLogin, opener: Opener, *, timeout: float,
              cancel: threading.Event | None = None, progress: Progress | None = None,
              heartbeat: float = HEARTBEAT) -> Grant:
    """Run the whole flow and return the grant; the caller stores the token.

    Progress events: ``authorize`` ({url, shown_in}) once the page is on screen, then
    ``waiting`` ({remaining} seconds) every ``heartbeat`` seconds until it is answered.
    """
    server = LoopbackServer()
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), name="login-callback",
                              daemon=True)  # the poll interval is how long shutdown() takes
    thread.start()
    try:
        ticket = service.begin_login(server.redirect_uri, server.state)
        page = opener.open(LoginTarget(ticket.authorize_url, server.redirect_uri, server.relay))
        try:
            _Watch(page, ticket.authorize_url, timeout, cancel or threading.Event(),
                   progress or quiet, heartbeat).until_redirect(server)
        finally:
            page.close()
        try:
            grant = service.finish_login(ticket, _reply(server, page))
        except CompanionError as exc:
            server.finish(f"The login did not complete: {exc.message}")
            raise
        server.finish(f"Pocket Companion is connected as {grant.username}. "
                      "You can close this window.")
        return grant
    finally:
        server.finish(server.result_text() or "The login was stopped.")
        server.shutdown()
        server.server_close()
