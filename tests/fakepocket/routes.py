"""Pocket endpoints: auth (§2), authorize page and the data endpoints (§3-§5)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from . import errors as e
from .model import (
    Request,
    Response,
    ServerContext,
    error_response,
    form_response,
    html_response,
    json_response,
)
from .pages import authorize_page, js_redirect_page
from .state import PocketState, text

Route = Callable[[ServerContext, Request], Response]
DataOp = Callable[[PocketState, str, Mapping[str, Any]], dict[str, Any]]
_URI_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
ALLOW = ("allow", "approve", "authorize", "yes", "1")
DENY = ("deny", "reject", "no", "0")


def _auth_answer(req: Request, data: dict[str, str | None]) -> Response:
    """JSON with X-Accept: application/json, else form-encoded (default, §1.3)."""
    if req.accept_json:
        return json_response(data)
    return form_response([(k, v) for k, v in data.items() if v is not None])


def oauth_request(ctx: ServerContext, req: Request) -> Response:
    token = ctx.state.request_token(req.params)
    return _auth_answer(req, {"code": token.code, "state": token.state})


def oauth_authorize(ctx: ServerContext, req: Request) -> Response:
    grant, state = ctx.state.exchange(req.params)
    data: dict[str, str | None] = {"access_token": grant.access_token, "username": grant.username}
    if state is not None:
        data["state"] = state
    return _auth_answer(req, data)


def _redirect(ctx: ServerContext, target: str) -> Response:
    """Back to redirect_uri exactly as given: nothing appended (§2.3)."""
    if ctx.options.redirect_mode == "js":
        return html_response(js_redirect_page(target))
    # An ASCII URI is sent unchanged; only what a header cannot carry gets %-escaped.
    return Response(302, b"", headers={"Location": quote(target, safe=_URI_SAFE)})


def authorize(ctx: ServerContext, req: Request) -> Response:
    """GET /auth/authorize: the page where the user approves or denies (§2.2)."""
    code = text(req.params.get("request_token"))
    token = ctx.state.find_request_token(code)
    target = text(req.params.get("redirect_uri")) or token.redirect_uri
    user = text(req.params.get("user"))
    if ctx.options.auto_approve:
        ctx.state.decide(code, True, user or None)
        return _redirect(ctx, target)
    fields = {"request_token": code, "redirect_uri": target}
    if user:
        fields["user"] = user
    page = authorize_page(
        ctx.options.app_name, token.consumer_key, user or ctx.state.default_user, fields
    )
    return html_response(page)


def approve(ctx: ServerContext, req: Request) -> Response:
    """/auth/approve?request_token=X&decision=allow|deny[&user=U][&redirect_uri=R] (fake's own)."""
    code = text(req.params.get("request_token"))
    decision = text(req.params.get("decision")).lower()
    if decision not in ALLOW + DENY:
        raise e.BAD_REQUEST.error()
    token = ctx.state.decide(code, decision in ALLOW, text(req.params.get("user")) or None)
    return _redirect(ctx, text(req.params.get("redirect_uri")) or token.redirect_uri)


def _data(permission: str, op: DataOp) -> Route:
    """A data endpoint: consumer key + access token, rate limits, permission letter (§1.8)."""

    def route(ctx: ServerContext, req: Request) -> Response:
        username, headers = ctx.state.begin_call(req.params, permission)
        try:
            return json_response(op(ctx.state, username, req.params), headers)
        except e.ApiError as err:
            err.headers = headers | err.headers
            raise

    return route


ROUTES: dict[str, tuple[tuple[str, ...], Route]] = {
    "/v3/oauth/request": (("POST",), oauth_request),
    "/v3/oauth/authorize": (("POST",), oauth_authorize),
    "/auth/authorize": (("GET",), authorize),
    "/auth/approve": (("GET", "POST"), approve),
    "/v3/add": (("GET", "POST"), _data("a", PocketState.add)),
    "/v3/send": (("GET", "POST"), _data("m", PocketState.send)),
    "/v3/get": (("GET", "POST"), _data("d", PocketState.get)),
}


def dispatch(ctx: ServerContext, req: Request) -> Response:
    """Route a request; every ApiError becomes a legacy status-line error answer."""
    entry = ROUTES.get(req.path)
    try:
        if entry is None:
            raise e.NOT_FOUND.error()
        methods, route = entry
        if req.method not in methods:
            raise e.METHOD_NOT_ALLOWED.error({"Allow": ", ".join(methods)})
        return route(ctx, req)
    except e.ApiError as err:
        return error_response(err)
