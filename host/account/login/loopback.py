"""The login's loopback server: the redirect URI, and one-time links for the browser.

``http://127.0.0.1:<port>/callback?state=...`` is the redirect URI (RFC 8252): the server
sends the browser back to it once the app is approved, and a random ``state`` tells our own
redirect from any other request. Every local user can reach the port, so the server
trusts no one but the holder of the state, and only once:

- it answers only ``Host: 127.0.0.1:<port>`` (a DNS-rebinding page names another host);
- the first request with the right state ends the wait; later ones get a 404;
- each connection has a read timeout and at most :data:`MAX_CONNECTIONS` are served at
  once (the rest are closed at once), so idle sockets cannot pile up threads;
- replies carry no ``Server`` header, every other path or method is a 404.

A browser keeps the address it was started with in its command line, which every local
user can read. So a browser is never started with the authorize page (its request token
is as good as the account): :meth:`LoopbackServer.relay` gives a one-time address
``/go/<random>`` that redirects to it once. A second request for the same address ends the
login, since someone else may have followed it.
"""

from __future__ import annotations

import html
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pocket_companion.logs import get_logger

log = get_logger(__name__)
MAX_CONNECTIONS = 8
READ_TIMEOUT = 10.0
RESULT_WAIT = 15.0  # how long the redirect's page waits for the login's outcome


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer
    timeout = READ_TIMEOUT
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        if self.headers.get("Host") != self.server.authority:
            self._reply(404, "Not found", "This is not a Pocket Companion login address.")
            return
        parts = urlsplit(self.path)
        if parts.path == "/callback" and self.server.claim(parts.query):
            message = self.server.result_text() if self.server.done.wait(RESULT_WAIT) else ""
            self._reply(200, "Pocket Companion", message or "You can close this window.")
        elif parts.path.startswith("/go/") and not parts.query:
            self._relay(parts.path[len("/go/"):])
        else:
            self._reply(404, "Not found", "This is not a Pocket Companion login address.")

    def _relay(self, key: str) -> None:
        target = self.server.follow(key)
        if target is None:
            self._reply(404, "Not found", "This sign-in link was already used or is not "
                        "valid. Start the login again from Pocket Companion.")
            return
        self.send_response(303)
        self.send_header("Location", target)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Unknown methods and malformed requests: a plain page, never Python's."""
        self.close_connection = True
        self._reply(404 if code == 501 else code, "Not found", "Not found.")

    def send_response(self, code: int, message: str | None = None) -> None:
        self.send_response_only(code, message)  # no Server or Date header

    def _reply(self, status: int, title: str, text: str) -> None:
        body = (f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
                f"<p>{html.escape(text)}</p>").encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the window or tab closed before reading the page

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("callback server: %s", self.command)


class LoopbackServer(ThreadingHTTPServer):
    """Serves one login; :meth:`serve_forever` runs on a thread of the caller's."""

    daemon_threads = True
    request_queue_size = MAX_CONNECTIONS

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = secrets.token_urlsafe(24)
        self.hit = threading.Event()  # the redirect arrived
        self.done = threading.Event()  # the outcome is known: the redirect's page says it
        self.misused = threading.Event()  # a one-time link was requested twice
        self._text = ""
        self.reply: dict[str, str] = {}  # the redirect's query, once it arrived
        self._lock = threading.Lock()
        self._links: dict[str, str | None] = {}
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    @property
    def authority(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.authority}/callback?state={self.state}"

    def relay(self, target: str) -> str:
        """A one-time loopback address that redirects to ``target``."""
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._links[key] = target
        return f"http://{self.authority}/go/{key}"

    def follow(self, key: str) -> str | None:
        """Where a one-time link goes, once; a second use marks the login as misused."""
        with self._lock:
            if key not in self._links:
                return None
            target = self._links[key]
            self._links[key] = None
        if target is None:
            log.warning("a one-time sign-in link was requested twice; stopping the login")
            self.misused.set()
        return target

    def claim(self, query: str) -> bool:
        """True for the first request that carries exactly this login's state."""
        states = [value for name, value in parse_qsl(query, keep_blank_values=True)
                  if name == "state"]
        if len(states) != 1 or not secrets.compare_digest(states[0].encode(),
                                                          self.state.encode()):
            return False
        with self._lock:
            if self.hit.is_set():
                return False
            self.reply = dict(parse_qsl(query, keep_blank_values=True))
            self.hit.set()  # before answering: the window may close at any moment
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: closed unanswered
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def finish(self, text: str) -> None:
        self._text = text
        self.done.set()

    def result_text(self) -> str:
        return self._text
