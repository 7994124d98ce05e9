"""Shared HTTP-side types: options, requests, responses and the call log."""

from __future__ import annotations

import dataclasses
import json
import threading
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from .errors import ApiError
from .faults import FaultQueue
from .state import PocketState

HTML = "text/html; charset=UTF-8"


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclasses.dataclass
class Options:
    """Live-tunable behaviour (read on every request)."""

    redirect_mode: str = "302"  # "302" or "js"
    auto_approve: bool = False
    app_name: str = "Pocket Companion"
    control: bool = True
    verbose: bool = False


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str  # trailing slash removed
    params: dict[str, Any]
    accept_json: bool  # X-Accept: application/json (auth endpoints only)


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    pocket: bool = True  # adds X-Source: Pocket and the legacy Status/Cache-Control headers


def json_response(data: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(200, body, "application/json", dict(headers or {}))


def form_response(pairs: list[tuple[str, str]]) -> Response:
    """Auth answers without X-Accept: application/json (no charset, as observed, §1.3)."""
    return Response(200, urlencode(pairs).encode(), "application/x-www-form-urlencoded")


def status_line_response(
    status: int, code: int, text: str, headers: dict[str, str] | None = None
) -> Response:
    """Legacy error: body is the bare status line as text/html, details in headers (§1.6)."""
    extra = {"X-Error-Code": str(code), "X-Error": text, **(headers or {})}
    return Response(status, f"{status} {reason(status)}".encode(), HTML, extra)


def error_response(err: ApiError) -> Response:
    return status_line_response(err.status, err.code, err.text, err.headers)


def html_response(page: str, status: int = 200) -> Response:
    return Response(status, page.encode("utf-8"), HTML)


@dataclasses.dataclass(frozen=True)
class Call:
    """One request as the fake saw it; status 0 means no HTTP answer was sent."""

    method: str
    path: str
    params: dict[str, Any]
    status: int
    time: float
    fault: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)  # as the client sent them


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def all(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def count(self, path_prefix: str = "") -> int:
        with self._lock:
            return sum(1 for c in self._calls if c.path.startswith(path_prefix))

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


@dataclasses.dataclass
class ServerContext:
    state: PocketState
    options: Options
    faults: FaultQueue
    calls: CallLog
