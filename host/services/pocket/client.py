"""Pocket v3 over HTTP: the raw client, one method per endpoint (the adapter is :mod:`.adapter`).

Written from the protocol notes: JSON request bodies with ``X-Accept:
application/json``, auth answers that may still come form-encoded, numbers as
strings, ``list: []`` for an empty list, errors only in ``X-Error`` /
``X-Error-Code`` with an HTML body, and ``X-Limit-*`` headers on 403s that are
really rate limits. ``requests`` is imported when a client is made (by a sync, a login),
never at the host's start.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

from pocket_companion.errors import (
    Forbidden,
    LoginExpired,
    LoginRejected,
    NotAuthenticated,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
)
from pocket_companion.logs import register_secret
from pocket_companion.services.base import Credentials, Grant
from pocket_companion.services.http import (
    IDLE_RECONNECT,
    USER_AGENT,
    SessionFactory,
    default_session,
    pin_environment,
    transport_error,
)
from pocket_companion.services.values import json_object

if TYPE_CHECKING:
    import requests

_HEADERS = {
    "X-Accept": "application/json",
    "Content-Type": "application/json; charset=UTF-8",
    "User-Agent": USER_AGENT,
}


def _rate_limit(headers: Any) -> float | None:
    for scope in ("User", "Key"):
        remaining = (headers.get(f"X-Limit-{scope}-Remaining") or "").strip()
        if remaining == "0":
            reset = (headers.get(f"X-Limit-{scope}-Reset") or "").strip()
            return float(reset) if reset.isdigit() else 60.0
    return None


def _check(resp: requests.Response, *, auth: bool) -> None:
    """Map a non-200 answer to a typed error (the only place that does)."""
    status = resp.status_code
    if status == 200:
        return
    code = resp.headers.get("X-Error-Code", "")
    text = resp.headers.get("X-Error") or f"{status} {resp.reason}"
    if status == 401:
        raise NotAuthenticated(f"the server no longer accepts this account's login ({text})")
    wait = _rate_limit(resp.headers)
    if status == 429 or (status == 403 and wait is not None):
        wait = wait if wait is not None else 60.0
        raise RateLimited(f"the server's rate limit is used up; retry in {wait:.0f} s", wait)
    if auth and code == "158":
        raise LoginRejected("the app was not authorized on the server's page")
    if auth and code in ("159", "181", "182", "185"):
        raise LoginExpired(f"this login request is no longer valid ({text}); start again")
    if status == 403:
        raise Forbidden(f"the server refused access ({text})")
    if status >= 500:
        raise ServiceUnavailable(f"the server failed ({text})", sent=status != 503)
    raise ServiceError(f"the server refused the request ({text})")


class PocketClient:
    """The v3 endpoints, one method each."""

    def __init__(self, base_url: str, consumer_key: str,
                 session_factory: SessionFactory = default_session,
                 timeout: tuple[float, float] = (5.0, 20.0),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url.rstrip("/")
        self.consumer_key = consumer_key
        self.timeout = timeout
        register_secret(consumer_key)
        self._session = session_factory()  # loads the HTTP stack now, not at the first call
        pin_environment(self._session, self.base_url)
        self._clock = clock
        self._last_used = 0.0
        self._prepared: dict[str, requests.PreparedRequest] = {}

    def _session_now(self) -> requests.Session:
        if self._clock() - self._last_used > IDLE_RECONNECT:
            self._session.close()  # drop kept-alive connections the server may have closed
        return self._session

    def _post(self, path: str, payload: dict[str, Any], *, auth: bool = False) -> requests.Response:
        import requests

        session = self._session_now()
        body = json.dumps({"consumer_key": self.consumer_key, **payload}, allow_nan=False)
        try:
            resp = session.send(self._request(path, body.encode()), timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, urlsplit(self.base_url).netloc) from None
        finally:
            self._last_used = self._clock()
        _check(resp, auth=auth)
        return resp

    def _request(self, path: str, body: bytes) -> requests.PreparedRequest:
        """What ``session.post`` would send, from a copy of the request prepared once per
        path (URL, headers, hooks) rather than anew: saves a tenth of a batch's time."""
        import requests

        template = self._prepared.get(path)
        if template is None:
            template = self._session.prepare_request(
                requests.Request("POST", self.base_url + path, headers=_HEADERS))
            template.headers.pop("Cookie", None)  # the session's cookies: each time, below
            self._prepared[path] = template
        request = template.copy()
        request.prepare_cookies(self._session.cookies)
        request.prepare_body(body, None)
        return request

    @staticmethod
    def _json(resp: requests.Response) -> dict[str, Any]:
        try:
            data = resp.json()
        except ValueError:
            data = None
        return json_object(data, "the server sent a reply that is not a JSON object")

    @classmethod
    def _fields(cls, resp: requests.Response) -> dict[str, Any]:
        """Auth answers: JSON when X-Accept was honoured, else form-encoded."""
        if "json" in resp.headers.get("Content-Type", ""):
            return cls._json(resp)
        return dict(parse_qsl(resp.text, keep_blank_values=True))

    def request_token(self, redirect_uri: str, state: str) -> str:
        fields = self._fields(self._post(
            "/v3/oauth/request", {"redirect_uri": redirect_uri, "state": state}, auth=True))
        code = fields.get("code")
        if not isinstance(code, str) or not code:
            raise ServiceUnavailable("the server's login reply has no request token", sent=True)
        if fields.get("state") not in (None, "", state):
            raise ServiceError("the server's login reply belongs to another login (state)")
        register_secret(code)
        return code

    def authorize_url(self, code: str, redirect_uri: str) -> str:
        return (f"{self.base_url}/auth/authorize?request_token={quote(code, safe='')}"
                f"&redirect_uri={quote(redirect_uri, safe='')}")

    def authorize(self, code: str) -> Grant:
        fields = self._fields(self._post("/v3/oauth/authorize", {"code": code}, auth=True))
        token, username = fields.get("access_token"), fields.get("username")
        if not isinstance(token, str) or not token or not isinstance(username, str):
            raise ServiceUnavailable("the server's login reply has no access token", sent=True)
        register_secret(token)
        return Grant(username, Credentials(token))

    def add(self, token: str, url: str, title: str, tags: Sequence[str]) -> dict[str, Any]:
        payload: dict[str, Any] = {"access_token": token, "url": url}
        if title:
            payload["title"] = title
        if tags:
            payload["tags"] = ",".join(tags)
        item = self._json(self._post("/v3/add", payload)).get("item")
        return item if isinstance(item, dict) else {}

    def send(self, token: str, actions: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
        data = self._json(self._post("/v3/send", {"access_token": token, "actions": actions}))
        results = data.get("action_results")
        errors = data.get("action_errors") or [None] * len(actions)
        if not isinstance(results, list) or len(results) != len(actions):
            raise ServiceUnavailable("the server's reply does not match the batch sent", sent=True)
        if not isinstance(errors, list) or len(errors) != len(actions):
            errors = [None] * len(actions)
        return list(zip(results, errors, strict=True))

    def get(self, token: str, **params: Any) -> tuple[dict[str, Any], int | None]:
        """Items by item id (the empty list may come as ``[]``) and the reply's ``since``."""
        data = self._json(self._post("/v3/get", {"access_token": token, **params}))
        listed, since = data.get("list"), data.get("since")
        return (listed if isinstance(listed, dict) else {},
                int(since) if isinstance(since, int | float) and since > 0 else None)
