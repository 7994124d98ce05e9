"""Requests in, replies out: the one place where errors become error replies."""

from __future__ import annotations

import json

from pocket_companion.actions import ACTIONS, Action, Context, Later
from pocket_companion.errors import (
    CompanionError,
    InternalError,
    InvalidFrame,
    InvalidRequest,
    UnknownAction,
)
from pocket_companion.logs import get_logger
from pocket_companion.nativehost.params import Params
from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any

    from pocket_companion.core import Companion

    Reply = dict[str, Any]

log = get_logger(__name__)
MAX_ID_CHARS = 256


def ok(request_id: Any, data: dict[str, Any]) -> Reply:
    return {"id": request_id, "ok": True, "data": data}


def fail(request_id: Any, error: CompanionError) -> Reply:
    return {"id": request_id, "ok": False, "error": error.to_dict()}


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class Call(Record):
    request_id: Any
    name: str
    action: Action
    params: dict[str, Any]


def _valid_id(value: Any) -> bool:
    if isinstance(value, float):  # 1e999 reads as inf, which no reply could carry as JSON
        return abs(value) < float("inf")  # False for inf and NaN
    if value is None or isinstance(value, bool | int):
        return True
    return isinstance(value, str) and len(value) <= MAX_ID_CHARS


def parse(body: bytes) -> Call:
    """Decode and check the envelope; raise a CompanionError (reply id unknown)."""
    try:
        message = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidFrame("the message is not valid UTF-8 JSON") from None
    if not isinstance(message, dict):
        raise InvalidRequest("a request must be a JSON object {id, action, params}")
    request_id = message.get("id")
    if not _valid_id(request_id):
        raise InvalidRequest(f"'id' must be null, a number or a string of at most {MAX_ID_CHARS}")
    action, params = message.get("action"), message.get("params", {})
    if not isinstance(action, str):
        raise RequestError(request_id, InvalidRequest("'action' must be a string"))
    if not isinstance(params, dict):
        raise RequestError(request_id, InvalidRequest("'params' must be an object"))
    if action not in ACTIONS:
        raise RequestError(request_id, UnknownAction(f"unknown action {action[:64]!r}"))
    return Call(request_id, action, ACTIONS[action], params)


class RequestError(Exception):
    """A CompanionError for a request whose id is known."""

    def __init__(self, request_id: Any, error: CompanionError) -> None:
        super().__init__(error.message)
        self.request_id = request_id
        self.error = error


def run(call: Call, companion: Companion, ctx: Context) -> Reply | Later:
    """Run a handler; its errors become an error reply."""
    try:
        params = Params(call.params, call.action.params)
        result = call.action.handler(companion, params, ctx)
    except Exception as exc:
        return fail(call.request_id, as_error(exc, call.name))
    if isinstance(result, Later):
        return Later(lambda: finish(call, result))
    return ok(call.request_id, result)


def finish(call: Call, later: Later) -> Reply:
    try:
        return ok(call.request_id, later.run())
    except Exception as exc:
        return fail(call.request_id, as_error(exc, call.name))


def as_error(exc: Exception, action: str) -> CompanionError:
    if isinstance(exc, CompanionError):
        return exc
    log.exception("unexpected failure in %r", action)
    return InternalError(f"unexpected error in the host ({type(exc).__name__}); see its log")
