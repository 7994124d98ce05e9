"""HTTP for every adapter: one ``requests`` session per client with the environment's proxy
and CA settings pinned, transport failures as :class:`~pocket_companion.errors.ServiceUnavailable`
(with whether the request may have been sent), and for the JSON services a
:class:`RestClient` whose answers map to the typed errors in one place:

- 401: the login is refused (:class:`NotAuthenticated`: the sync engine refreshes once);
- 429, or a 403 that carries a used-up rate limit: :class:`RateLimited`, with the wait the
  server gave (``Retry-After`` in seconds or as a date, ``X-RateLimit-Reset``);
- 403: :class:`Forbidden` (a token without the permission);
- 5xx, a proxy's HTML page, a reply that is not JSON, a redirect (never followed: a
  token must not go elsewhere): :class:`ServiceUnavailable`;
- any other 4xx: :class:`Refused`, with the status and the server's own words.

``requests`` is imported when a client is made (by a sync, a login), never at start-up.
"""

from __future__ import annotations

import email.utils
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pocket_companion import __version__
from pocket_companion.errors import (
    Forbidden,
    NotAuthenticated,
    RateLimited,
    ServiceError,
    ServiceUnavailable,
)

if TYPE_CHECKING:
    import requests

SessionFactory = Callable[[], "requests.Session"]
USER_AGENT = f"pocket-companion/{__version__}"
IDLE_RECONNECT = 4.0  # Apache and nginx close idle connections after 5 s or more
DEFAULT_WAIT = 60.0


def default_session() -> requests.Session:
    import requests

    return requests.Session()


def pin_environment(session: requests.Session, url: str) -> None:
    """Read proxy and CA settings from the environment once, not on every request.

    requests scans the whole environment for proxies on each call, which costs more
    than the rest of a local save. A client talks to one server, so its proxies
    (``NO_PROXY`` honoured) and CA bundle are fixed when the session is made. A plain
    http server is this machine's loopback (:func:`~.config.check_server`): no proxy.
    """
    import requests.utils

    if not session.trust_env:
        return
    if url.startswith("http:"):  # only ever this machine's loopback: never via a proxy
        session.trust_env = False
        return
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


def transport_error(exc: Exception, host: str) -> ServiceUnavailable:
    import requests
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    unsent = isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError)
    unsent = unsent or isinstance(reason, NewConnectionError)
    kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "could not be reached"
    if isinstance(exc, requests.exceptions.SSLError):
        kind = "failed TLS certificate verification"
    return ServiceUnavailable(f"{host} {kind}", sent=not unsent)


class Refused(ServiceError):
    """A 4xx answer other than 401, 403 and 429: the request itself was refused."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"the server refused the request ({status}: {detail})")
        self.status, self.detail = status, detail


def detail_of(resp: requests.Response) -> str:
    """The server's own words for a failed request, short; a page of HTML says nothing."""
    if "html" in resp.headers.get("Content-Type", ""):
        return f"{resp.status_code} {resp.reason}"
    try:
        data = resp.json()
    except ValueError:
        text = resp.text.strip()
        return text[:200] if text else f"{resp.status_code} {resp.reason}"
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            data = inner
        for key in ("error_description", "message", "errorMessage", "detail", "error",
                    "response"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value[:200]
        for key, value in data.items():  # Django REST framework: {"url": ["Enter a…"]}
            if isinstance(value, list) and value and isinstance(value[0], str):
                return f"{key}: {value[0]}"[:200]
    return f"{resp.status_code} {resp.reason}"


def wait_of(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds a rate-limited client should wait, from the answer's headers (None: unsaid)."""
    retry = (headers.get("Retry-After") or "").strip()
    if retry.isdigit():
        return max(1.0, float(retry))
    if retry:
        when = email.utils.parsedate_to_datetime(retry) if "," in retry else None
        if when is not None:
            return max(1.0, when.timestamp() - now)
    reset = (headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset") or "").strip()
    if reset.isdigit():
        value = float(reset)
        return max(1.0, value - now if value > 1e9 else value)
    return None


def check(resp: requests.Response, now: float | None = None) -> None:
    """Map a failed answer to its typed error (see the module's text)."""
    status = resp.status_code
    if 200 <= status < 300:
        return
    if 300 <= status < 400:  # redirects are not followed: a token must not go elsewhere
        raise ServiceUnavailable(
            f"the server sent this request elsewhere ({status} to "
            f"{resp.headers.get('Location', '?')}); check the server address", sent=True)
    detail = detail_of(resp)
    if status == 401:
        raise NotAuthenticated(f"the server no longer accepts this account's login ({detail})")
    wait = wait_of(resp.headers, time.time() if now is None else now)
    remaining = resp.headers.get("X-RateLimit-Remaining", resp.headers.get("RateLimit-Remaining"))
    if status == 429 or (status == 403 and (remaining or "").strip() == "0"):
        wait = wait if wait is not None else DEFAULT_WAIT
        raise RateLimited(f"the server's rate limit is used up; retry in {wait:.0f} s", wait)
    if status == 403:
        raise Forbidden(f"the server refused access ({detail})")
    if status >= 500 or "html" in resp.headers.get("Content-Type", ""):
        raise ServiceUnavailable(f"the server failed ({detail})", sent=status != 503)
    raise Refused(status, detail)


def json_of(resp: requests.Response) -> Any:
    """The answer's JSON; a body that is not JSON means a server (or proxy) in trouble."""
    try:
        return resp.json()
    except ValueError:
        raise ServiceUnavailable("the server sent a reply that is not JSON", sent=True) from None


class RestClient:
    """Requests to one server's JSON API: ``path`` is joined onto the base URL as given (a
    self-hosted service may live below a sub-path), an ``Authorization`` header is sent
    when a token is, and every answer goes through :func:`check`."""

    def __init__(self, base_url: str, *, session_factory: SessionFactory = default_session,
                 timeout: tuple[float, float] = (5.0, 20.0), scheme: str = "Bearer",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout, self.scheme, self._clock = timeout, scheme, clock
        self._session = session_factory()  # loads the HTTP stack now, not at the first call
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json"
        pin_environment(self._session, self.base_url)
        self._last_used = 0.0
        self._lock = threading.Lock()  # requests may run on several threads (each.py)
        self._in_flight = 0

    def _begin(self) -> None:
        with self._lock:
            if not self._in_flight and self._clock() - self._last_used > IDLE_RECONNECT:
                self._session.close()  # drop kept-alive connections the server may have closed
            self._in_flight += 1

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_used = self._clock()

    def call(self, method: str, path: str, token: str | None = None, *,
             json: Any = None, data: Mapping[str, Any] | None = None,
             params: Any = None, headers: Mapping[str, str] | None = None,
             checked: bool = True) -> requests.Response:
        """The answer, mapped by :func:`check` (``checked=False``: as it came, for callers
        that read error bodies themselves, such as OAuth's ``authorization_pending``)."""
        import requests

        sent_headers = dict(headers or {})
        if token is not None:
            sent_headers["Authorization"] = f"{self.scheme} {token}"
        self._begin()
        try:
            resp = self._session.request(method, self.base_url + path, json=json, data=data,
                                         params=params, headers=sent_headers,
                                         timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise transport_error(exc, urlsplit(self.base_url).netloc) from None
        finally:
            self._end()
        if checked:
            check(resp)
        return resp

    def json(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return json_of(self.call(method, path, token, **kwargs))
