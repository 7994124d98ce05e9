"""Cross-process control under /_fake/ (JSON in, JSON out; only when control=True)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .errors import ApiError
from .faults import Fault
from .model import Request, Response, ServerContext, json_response
from .state import text

JsonDict = dict[str, Any]
Handler = Callable[[ServerContext, JsonDict], JsonDict]


def _state(ctx: ServerContext, _params: JsonDict) -> JsonDict:
    calls = ctx.calls.all()
    return {
        **ctx.state.snapshot(),
        "calls": len(calls),
        "call_counts": dict(Counter(c.path for c in calls)),
        "pending_faults": ctx.faults.pending(),
    }


def _inject(ctx: ServerContext, params: JsonDict) -> JsonDict:
    """Body: {"kind": ..., <Fault fields>, "times": 1, "path": null} or {"fault": {...}, ...}."""
    fields = dict(params)
    times = int(fields.pop("times", 1))
    path = fields.pop("path", None)
    fault = Fault.from_json(fields.pop("fault", fields))
    ctx.faults.inject(fault, times, None if path is None else str(path))
    return {"ok": True, "pending_faults": ctx.faults.pending()}


def _decide(allow: bool) -> Handler:
    def handler(ctx: ServerContext, params: JsonDict) -> JsonDict:
        code = text(params.get("request_token"))
        token = ctx.state.decide(code, allow, text(params.get("user")) or None)
        return {"ok": True, "request_token": code, "status": token.status}

    return handler


def _reset(ctx: ServerContext, _params: JsonDict) -> JsonDict:
    ctx.state.reset()
    ctx.faults.clear()
    ctx.calls.clear()
    return {"ok": True}


def _reset_limits(ctx: ServerContext, _params: JsonDict) -> JsonDict:
    ctx.state.reset_limits()
    return {"ok": True}


def _revoke(ctx: ServerContext, params: JsonDict) -> JsonDict:
    return {"ok": ctx.state.revoke(text(params.get("access_token")))}


def _token(ctx: ServerContext, params: JsonDict) -> JsonDict:
    grant = ctx.state.issue(text(params.get("username")) or None)
    return {"access_token": grant.access_token, "username": grant.username}


HANDLERS: dict[tuple[str, str], Handler] = {
    ("GET", "/_fake/state"): _state,
    ("POST", "/_fake/inject"): _inject,
    ("POST", "/_fake/approve"): _decide(True),
    ("POST", "/_fake/reject"): _decide(False),
    ("POST", "/_fake/reset"): _reset,
    ("POST", "/_fake/reset_limits"): _reset_limits,
    ("POST", "/_fake/revoke"): _revoke,
    ("POST", "/_fake/token"): _token,
}


def handle(ctx: ServerContext, req: Request) -> Response:
    handler = HANDLERS.get((req.method, req.path)) if ctx.options.control else None
    if handler is None:
        return Response(404, b'{"error":"not found"}', "application/json", pocket=False)
    try:
        answer = json_response(handler(ctx, req.params))
    except (ApiError, ValueError, TypeError) as exc:
        body = json_response({"error": str(exc)}).body
        return Response(400, body, "application/json", pocket=False)
    answer.pocket = False
    return answer
