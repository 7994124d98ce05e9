"""The login flow: request token, authorize page, loopback redirect, access token.

The host serves the redirect itself on ``http://127.0.0.1:<port>/callback``
(RFC 8252 loopback redirect). Pocket sends the browser back to the redirect URI
unchanged, so a random ``state`` in that URI tells our own redirect from any
other request. Where the authorize page is shown is up to an injected
:class:`Opener`: the embedded window by default, the system browser, a
scripted person in tests. A window also reports the redirect itself, for
servers whose redirect never loads; whichever arrives first ends the wait.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .errors import CompanionError, LoginCancelled, LoginTimeout
from .logs import get_logger
from .service import Grant, ReadingService

if TYPE_CHECKING:
    from .openers import LoginPage, Opener

log = get_logger(__name__)
Progress = Callable[[str, dict[str, Any]], None]
POLL = 0.05
HEARTBEAT = 20.0  # a "waiting" event this often keeps an MV3 service worker's port busy


class _Handler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        state = parse_qs(parts.query).get("state", [""])[0]
        if parts.path != "/callback" or not secrets.compare_digest(state, self.server.state):
            self._reply(404, "Not found", "This is not a Pocket Companion login address.")
            return
        self.server.hit.set()  # before answering: the window may close at any moment
        message = self.server.result_text() if self.server.done.wait(15) else None
        self._reply(200, "Pocket Companion", message or "You can close this window.")

    def _reply(self, status: int, title: str, text: str) -> None:
        body = (f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
                f"<p>{html.escape(text)}</p>").encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the window closed before reading the page

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("callback server: %s", self.command)


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = secrets.token_urlsafe(24)
        self.hit = threading.Event()
        self.done = threading.Event()
        self._text = ""

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/callback?state={self.state}"

    def finish(self, text: str) -> None:
        self._text = text
        self.done.set()

    def result_text(self) -> str:
        return self._text


class _Watch:
    """Waits for the redirect while telling the caller how the login stands."""

    def __init__(self, page: LoginPage, authorize_url: str, timeout: float,
                 cancel: threading.Event, progress: Progress, heartbeat: float) -> None:
        self.page, self.url, self.timeout = page, authorize_url, timeout
        self.cancel, self.progress, self.heartbeat = cancel, progress, heartbeat
        self.deadline = time.monotonic() + timeout
        self.next_beat: float | None = None  # set once the page is shown

    def until_redirect(self, server: _CallbackServer) -> None:
        while True:
            if self.next_beat is None:
                self._announce()
            elif time.monotonic() >= self.next_beat:
                self._beat()
            if server.hit.wait(POLL) or self._ended():
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

    def _ended(self) -> bool:
        """True when the page saw the redirect; raises when the login cannot go on."""
        outcome = self.page.outcome()
        if outcome == "redirected":
            return True
        if outcome == "closed":
            raise LoginCancelled("the login window was closed before the app was authorized")
        if self.cancel.is_set():
            raise LoginCancelled("the login was cancelled")
        if time.monotonic() > self.deadline:
            raise LoginTimeout(
                f"the authorize page was not answered within {self.timeout:.0f} s")
        return False


def _quiet(stage: str, data: dict[str, Any]) -> None:
    return None


def run_login(service: ReadingService, opener: Opener, *, timeout: float,
              cancel: threading.Event | None = None, progress: Progress | None = None,
              heartbeat: float = HEARTBEAT) -> Grant:
    """Run the whole flow and return the grant; the caller stores the token.

    Progress events: ``authorize`` ({url, shown_in}) once the page is on screen, then
    ``waiting`` ({remaining} seconds) every ``heartbeat`` seconds until it is answered.
    """
    server = _CallbackServer()
    thread = threading.Thread(target=server.serve_forever, args=(POLL,), name="login-callback",
                              daemon=True)  # the poll interval is how long shutdown() takes
    thread.start()
    try:
        ticket = service.begin_login(server.redirect_uri, server.state)
        page = opener.open(ticket.authorize_url, server.redirect_uri)
        try:
            _Watch(page, ticket.authorize_url, timeout, cancel or threading.Event(),
                   progress or _quiet, heartbeat).until_redirect(server)
        finally:
            page.close()
        try:
            grant = service.finish_login(ticket)
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
