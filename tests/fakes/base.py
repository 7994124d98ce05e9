"""What every fake service server shares: a threaded HTTP server on 127.0.0.1, routes by
method and path pattern, request bodies as JSON, form or query, a record of every call,
a settable clock, a per-account rate limit and injected faults (the same :class:`Fault`
kinds as the fake Pocket: status, drop, reset_after_processing, slow, malformed_json,
html_error).

A service's fake subclasses :class:`FakeService`: it registers its routes in
:meth:`FakeService.routes` and says how its errors look (:meth:`FakeService.error`) and how
it answers a used-up rate limit (:meth:`FakeService.rate_limited`). A route returns a
:class:`Reply`, or raises :class:`HttpError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.fakepocket.faults import Fault, FaultQueue

JSON = "application/json"


@dataclasses.dataclass
class Reply:
    status: int = 200
    body: object = None  # JSON-encoded unless bytes or str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    content_type: str = JSON

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return b"" if self.body is None and self.status == 204 else json.dumps(self.body).encode()


class HttpError(Exception):
    """Raised by a route: answered with the service's own error shape."""

    def __init__(self, status: int, error: str, description: str = "",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {error}")
        self.status, self.error, self.description = status, error, description
        self.headers = headers or {}


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str  # below the fake's prefix, no trailing slash
    query: dict[str, str]
    query_list: list[tuple[str, str]]
    body: Any  # a dict from JSON or form, else None
    headers: dict[str, str]
    raw: bytes
    raw_path: str = ""  # as sent, with the prefix and any trailing slash
    query_string: str = ""

    @property
    def slash(self) -> bool:
        return self.raw_path.endswith("/")

    def param(self, name: str, default: Any = None) -> Any:
        """A value of the body, else of the query."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return self.query.get(name, default)

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclasses.dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int
    request: Request
    fault: str | None


Route = Callable[..., Reply]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def html_page(status: int) -> bytes:
    """A proxy's error page, as nginx writes it."""
    phrase = f"{status} {_reason(status)}"
    return (f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n<center><h1>"
            f"{phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            ).encode()


class FakeService:
    """A fake service server. ``with Fake() as fake:`` serves on 127.0.0.1:<free port>."""

    name = "service"

    def __init__(self, *, prefix: str = "", user_limit: int | None = None,
                 limit_window: float = 60.0, clock: Callable[[], float] | None = None) -> None:
        self.prefix = prefix.rstrip("/")
        self.user_limit, self.limit_window = user_limit, limit_window
        self._offset = 0.0
        self._clock = clock or time.time
        self.lock = threading.RLock()
        self.faults = FaultQueue()
        self.calls: list[Call] = []
        self._window: tuple[float, int] = (0.0, 0)
        self._routes: list[tuple[str, re.Pattern[str], Route]] = []
        self.routes()
        self._server: _Server | None = None

    # --- what a service's fake says -----------------------------------------------------

    def routes(self) -> None:
        """Register the service's routes with :meth:`route`."""

    def error(self, exc: HttpError) -> Reply:
        return Reply(exc.status, {"error": exc.error, "error_description": exc.description},
                     exc.headers)

    def rate_limited(self, retry_after: int) -> Reply:
        return Reply(429, {"error": "rate_limited"}, {"Retry-After": str(retry_after)})

    def limited(self, request: Request) -> bool:
        """Whether the request counts against the account's rate limit."""
        return request.bearer() is not None

    # --- serving --------------------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Route) -> None:
        """``pattern``: a path with ``{name}`` parts, each passed to ``handler`` by name."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(pattern).replace(r"\{", "{")
                       .replace(r"\}", "}"))
        self._routes.append((method, re.compile(f"^{regex}$"), handler))

    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._offset += seconds

    def inject(self, fault: Fault, times: int = 1, path: str | None = None) -> None:
        self.faults.inject(fault, times, path)

    def requests(self, method: str | None = None, path: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if (method is None or c.method == method)
                    and (path is None or re.fullmatch(path, c.path))]

    def dispatch(self, request: Request) -> Reply:
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match and method == request.method:
                with self.lock:
                    if self._over_limit(request):
                        return self.rate_limited(int(self.limit_window - (self.now()
                                                                          - self._window[0])) + 1)
                    try:
                        return handler(request, **match.groupdict())
                    except HttpError as exc:
                        return self.error(exc)
        return self.error(HttpError(404, "not_found", "Not Found"))

    def _over_limit(self, request: Request) -> bool:
        if self.user_limit is None or not self.limited(request):
            return False
        start, count = self._window
        if self.now() - start >= self.limit_window:
            start, count = self.now(), 0
        self._window = (start, count + 1)
        return count >= self.user_limit

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> Self:
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeService) -> None:
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def track(self, conn: socket.socket, active: bool) -> None:
        with self._open_lock:
            (self._open.add if active else self._open.discard)(conn)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that vanish mid-request are expected here."""


def _body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return None
    if "form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def date_time_string(self, timestamp: float | None = None) -> str:
        """``Date`` by the fake's clock (which tests move), not the machine's."""
        return super().date_time_string(self.server.fake.now() if timestamp is None
                                        else timestamp)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def _request(self) -> Request | None:
        fake = self.server.fake
        split = urlsplit(self.path)
        if not split.path.startswith(fake.prefix + "/"):
            return None
        path = split.path[len(fake.prefix):].rstrip("/") or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        pairs = parse_qsl(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(self.command, path, dict(pairs), pairs,
                       _body(raw, headers.get("content-type", "")), headers, raw,
                       split.path, split.query)

    def _serve(self) -> None:
        fake = self.server.fake
        request = self._request()
        if request is None:
            self._write(Reply(404, html_page(404), content_type="text/html"))
            return
        fault = fake.faults.take(request.path)
        if fault is None:
            reply = fake.dispatch(request)
        elif fault.kind == "drop":
            self._record(request, 0, fault.kind)
            self.close_connection = True
            return
        elif fault.kind == "reset_after_processing":
            fake.dispatch(request)
            self._record(request, 0, fault.kind)
            self._reset()
            return
        else:
            reply = self._faulty(fault, request)
        self._record(request, reply.status, fault.kind if fault else None)
        self._write(reply)

    def _faulty(self, fault: Fault, request: Request) -> Reply:
        fake = self.server.fake
        if fault.kind == "slow":
            if not fault.processed:
                time.sleep(fault.seconds)
            reply = fake.dispatch(request)
            if fault.processed:
                time.sleep(fault.seconds)
            return reply
        if fault.processed:
            fake.dispatch(request)
        status = fault.http_status
        if fault.kind == "malformed_json":
            return Reply(status, b'{"id": 1, "url": "http', dict(fault.headers))
        if fault.kind == "html_error":
            return Reply(status, html_page(status), dict(fault.headers), "text/html")
        reply = fake.error(HttpError(status, "server_error" if status >= 500 else "bad_request",
                                     _reason(status)))
        reply.headers.update(fault.headers)
        return reply

    def _record(self, request: Request, status: int, fault: str | None) -> None:
        fake = self.server.fake
        with fake.lock:
            fake.calls.append(Call(request.method, request.path, status, request, fault))

    def _write(self, reply: Reply) -> None:
        body = reply.encoded()
        try:
            self.send_response(reply.status)
            if reply.status != 204:
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()

