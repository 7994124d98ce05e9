"""HTTP layer: sockets, body reading, parameter merging, headers and fault injection."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import control
from .errors import BAD_REQUEST, SERVER_ISSUE_CODE, SERVER_ISSUE_TEXT
from .faults import Fault
from .model import (
    Call,
    Request,
    Response,
    ServerContext,
    error_response,
    html_response,
    reason,
    status_line_response,
)
from .pages import proxy_error_page
from .params import merge_params
from .routes import dispatch

MALFORMED_JSON = b'{"status":1,"complete":1,"list":{"1":{"item_id":"1","given_url":"http'


def fault_response(fault: Fault) -> Response:
    """The answer of a status / html_error / malformed_json fault."""
    status = fault.http_status
    if fault.kind == "malformed_json":
        response = Response(status, MALFORMED_JSON, "application/json")
    elif fault.kind == "html_error":
        response = html_response(proxy_error_page(status, reason(status)), status)
        response.pocket = False  # written by a proxy in front of Pocket, not by Pocket
    else:
        server_side = status >= 500
        code = fault.error_code or (SERVER_ISSUE_CODE if server_side else BAD_REQUEST.code)
        text = fault.error_text or (SERVER_ISSUE_TEXT if server_side else BAD_REQUEST.text)
        response = status_line_response(status, code, text)
    response.headers.update(fault.headers)
    return response


class PocketHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], ctx: ServerContext) -> None:
        self.ctx = ctx
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, conn: socket.socket, active: bool) -> None:
        with self._connections_lock:
            if active:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Cut open (keep-alive) connections so a stopped fake really stops answering."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients vanishing mid-request are expected here; stay quiet."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache/2.4.25"
    sys_version = "(Debian)"
    timeout = 30
    server: PocketHTTPServer

    def setup(self) -> None:
        super().setup()
        # Like Apache: no Nagle delay, else headers and body (two writes) meet the
        # client's delayed ACK and every answer takes 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.ctx.options.verbose:
            sys.stderr.write(f"fakepocket: {format % args}\n")

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    # --- request side --------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _request(self) -> tuple[Request, bool]:
        """The parsed request and whether its parameters could be decoded."""
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        accept_json = "application/json" in (self.headers.get("X-Accept") or "").lower()
        try:
            body = self._read_body()
            params = merge_params(split.query, body, self.headers.get("Content-Type"))
        except ValueError:
            return Request(self.command, path, {}, accept_json), False
        return Request(self.command, path, params, accept_json), True

    # --- dispatch ------------------------------------------------------------------------

    def _serve(self) -> None:
        request, ok = self._request()
        if not ok:
            self.close_connection = True  # the body may not have been consumed
        ctx = self.server.ctx
        if request.path.startswith("/_fake/"):
            self._write(control.handle(ctx, request))
            return
        fault = ctx.faults.take(request.path)
        if fault is None:
            response = self._process(request, ok)
            self._record(request, response.status, None)
            self._write(response)
        else:
            self._apply_fault(fault, request, ok)

    def _process(self, request: Request, ok: bool) -> Response:
        if not ok:
            return error_response(BAD_REQUEST.error())
        return dispatch(self.server.ctx, request)

    def _apply_fault(self, fault: Fault, request: Request, ok: bool) -> None:
        if fault.kind == "drop":
            self._record(request, 0, fault.kind)
            self.close_connection = True
            return
        if fault.kind == "reset_after_processing":
            self._process(request, ok)
            self._record(request, 0, fault.kind)
            self._reset_connection()
            return
        if fault.kind == "slow":
            if fault.processed:
                response = self._process(request, ok)
                self.server.ctx.faults.sleep(fault.seconds)
            else:
                self.server.ctx.faults.sleep(fault.seconds)
                response = self._process(request, ok)
            response.headers.update(fault.headers)
        else:
            if fault.processed:
                self._process(request, ok)
            response = fault_response(fault)
        self._record(request, response.status, fault.kind)
        self._write(response)

    def _record(self, request: Request, status: int, fault: str | None) -> None:
        ctx = self.server.ctx
        call = Call(request.method, request.path, request.params, status, ctx.state.clock(), fault,
                    dict(self.headers.items()))
        ctx.calls.record(call)

    # --- response side -------------------------------------------------------------------

    def _write(self, response: Response) -> None:
        headers = {"Content-Type": response.content_type, "Content-Length": str(len(response.body))}
        if response.pocket:
            headers["X-Source"] = "Pocket"
            headers["Status"] = f"{response.status} {reason(response.status)}"
            headers["Cache-Control"] = "private"
        headers.update(response.headers)
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
        except OSError:  # the client gave up (e.g. after a slow fault)
            self.close_connection = True

    def _reset_connection(self) -> None:
        """Abort with a TCP RST: SO_LINGER 0, then close the socket without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        self.rfile.close()
        self.connection.close()
