"""One background fetch of a saved page: a GET that is careful about what it sends, where
it goes, how long it takes and how much it reads.

- http and https only, at the start and after every redirect (followed here, by hand, at
  most five times: a ``file:``, ``ftp:`` or ``data:`` target ends the fetch);
- no credentials: a fresh session whose cookie jar refuses every cookie, no ``netrc``
  (the environment is read once for its proxy and CA settings, as in
  :func:`~pocket_companion.services.http.pin_environment`, then ignored), no user name or
  password from the URL;
- an honest User-Agent that says who asks and why;
- every connection goes through a :class:`~.guard.Guard` (no address on this computer or
  the local network unless the saved URL names that host) and a :class:`~.guard.Deadline`
  (the whole fetch, redirects included, within :attr:`Limits.total`);
- HTML only (``text/html``, ``application/xhtml+xml``), at most :attr:`Limits.size`
  bytes after gzip is undone, read as it arrives and abandoned past the cap.

Failures are :class:`FetchFailed` with ``retry`` saying whether trying later could help:
the network, a timeout, 5xx, 408 and 429 could; any other 4xx, a page too large, not
HTML, or a bad redirect would fail the same way again. ``requests`` is imported by the
first fetch, never before.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urljoin, urlsplit, urlunsplit

from pocket_companion import __version__
from pocket_companion.articles.guard import (
    Address,
    Deadline,
    Guard,
    Resolver,
    is_public,
    system_resolver,
)

if TYPE_CHECKING:
    import requests

USER_AGENT = f"pocket-companion/{__version__} (+readable copy for the person who saved this page)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
_PORTS = {"http": 80, "https": 443}


class Limits(NamedTuple):
    """How long and how much one fetch may take (seconds, bytes, redirects)."""

    connect: float = 5.0
    read: float = 10.0
    total: float = 20.0
    size: int = 5 * 1024 * 1024
    redirects: int = 5


LIMITS = Limits()


class Page(NamedTuple):
    """A fetched page: where it ended up (after redirects), its bytes, and the charset
    its Content-Type named (None: the extraction finds it in the page)."""

    url: str
    body: bytes
    charset: str | None


class FetchFailed(Exception):
    """A fetch (or its extraction) that gave no copy; ``retry``: later might work."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.message, self.retry = message, retry


def fetch_page(url: str, limits: Limits = LIMITS, resolver: Resolver = system_resolver,
               public: Callable[[Address], bool] = is_public) -> Page:
    """Fetch the saved page ``url`` (see the module's text); ``resolver`` and ``public``
    are for tests, which make a name or a loopback address look like the internet."""
    current = _checked(url, "the saved address")
    guard = Guard(urlsplit(current).hostname or "", resolver, public)
    deadline = Deadline(limits.total)
    session = _session(guard, deadline)
    try:
        for _hop in range(limits.redirects + 1):
            with _failures(guard, deadline, current, limits):
                resp = _get(session, current, guard, limits)
                try:
                    if resp.status_code not in REDIRECTS:
                        return _page(resp, current, limits, deadline)
                finally:
                    resp.close()
            target = resp.headers.get("Location", "")
            if not target:
                raise FetchFailed(f"the server answered {resp.status_code} without a "
                                  "new address", retry=False)
            current = _checked(urljoin(current, target), "the page's redirect")
        raise FetchFailed(f"the page redirects more than {limits.redirects} times",
                          retry=False)
    finally:
        deadline.cancel()
        session.close()


def _checked(url: str, what: str) -> str:
    """``url`` without any user name or password; :class:`FetchFailed` unless http(s)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"a {scheme}: address" if scheme else "an address without a scheme"
        raise FetchFailed(f"{what} is {shown}, not an http or https one", retry=False)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise FetchFailed(f"{what} has a port that is not a number", retry=False) from None
    if not parts.hostname:
        raise FetchFailed(f"{what} names no host", retry=False)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _session(guard: Guard, deadline: Deadline) -> requests.Session:
    """A session that keeps no cookie, sends no credential, and connects only through
    ``guard`` within ``deadline``."""
    import http.cookiejar

    import requests
    import requests.cookies
    from pocket_companion.articles.pools import guarded_adapter

    session = requests.Session()
    session.trust_env = False  # no netrc, no per-request environment scan (see below)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    refuse_all = http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
    session.cookies = requests.cookies.RequestsCookieJar(policy=refuse_all)
    session.headers.clear()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": ", ".join(HTML_TYPES),
                            "Accept-Encoding": "gzip"})
    adapter = guarded_adapter(guard, deadline)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _get(session: requests.Session, url: str, guard: Guard,
         limits: Limits) -> requests.Response:
    """One request, not following redirects, through the environment's proxy if any
    (its host is trusted; the page's own host is still checked here, by name)."""
    import requests.utils

    proxies = requests.utils.get_environ_proxies(url)
    proxy = requests.utils.select_proxy(url, proxies)
    if proxy:
        guard.trust(urlsplit(proxy).hostname or "")
        parts = urlsplit(url)
        try:
            guard.allowed(parts.hostname or "", parts.port or _PORTS[parts.scheme])
        except OSError:
            if guard.refused:
                raise
            # not resolvable here: only the proxy can resolve it
    return session.get(url, allow_redirects=False, stream=True, proxies=proxies,
                       timeout=(limits.connect, limits.read))


def _page(resp: requests.Response, url: str, limits: Limits, deadline: Deadline) -> Page:
    """The body of a final (not redirecting) answer, or why there is none."""
    status = resp.status_code
    if status != 200:
        retry = status >= 500 or status in (408, 429)
        raise FetchFailed(f"the server answered {status} {resp.reason or ''}".rstrip(),
                          retry=retry)
    media, charset = content_type(resp.headers.get("Content-Type", ""))
    if media and media not in HTML_TYPES:
        raise FetchFailed(f"the address is not a web page ({media})", retry=False)
    declared = resp.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limits.size:
        raise _too_large(limits)
    body = _read(resp, limits)
    if deadline.expired:  # the socket was shut: what came is not the whole page
        raise _too_slow(limits)
    if not media and not _looks_like_html(body):
        raise FetchFailed("the address is not a web page (no type, no HTML)", retry=False)
    return Page(resp.url or url, body, charset)


def _read(resp: requests.Response, limits: Limits) -> bytes:
    """The body, gzip undone, never more than ``limits.size`` bytes in memory."""
    encoding = resp.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)
    elif encoding not in ("", "identity"):
        raise FetchFailed(f"the page is sent in an unknown encoding ({encoding})", retry=False)
    else:
        decoder = None
    chunks: list[bytes] = []
    size = 0
    for data in resp.raw.stream(CHUNK, decode_content=False):
        if decoder is not None:
            try:
                data = decoder.decompress(data, limits.size - size + 1)
            except zlib.error:
                raise FetchFailed("the page's gzip data is damaged", retry=False) from None
            if decoder.unconsumed_tail:
                raise _too_large(limits)
        size += len(data)
        if size > limits.size:
            raise _too_large(limits)
        chunks.append(data)
    return b"".join(chunks)


def content_type(value: str) -> tuple[str, str | None]:
    """The media type (lower case) and charset of a Content-Type header."""
    media, *params = value.split(";")
    charset = None
    for param in params:
        name, _, given = param.partition("=")
        if name.strip().lower() == "charset" and given.strip().strip("\"'"):
            charset = given.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _too_large(limits: Limits) -> FetchFailed:
    return FetchFailed(f"the page is larger than {limits.size // (1024 * 1024)} MiB",
                       retry=False)


def _too_slow(limits: Limits) -> FetchFailed:
    return FetchFailed(f"the page took longer than {limits.total:.0f} s to arrive",
                       retry=True)


@contextlib.contextmanager
def _failures(guard: Guard, deadline: Deadline, url: str, limits: Limits) -> Iterator[None]:
    """Turns what the network raises inside into :class:`FetchFailed`."""
    import urllib3.exceptions

    try:
        yield
    except (OSError, urllib3.exceptions.HTTPError) as exc:
        raise _network_failure(exc, guard, deadline, url, limits) from None


def _network_failure(exc: BaseException, guard: Guard, deadline: Deadline, url: str,
                     limits: Limits) -> FetchFailed:
    import requests
    import urllib3.exceptions

    host = urlsplit(url).hostname or url
    if guard.refused:
        return FetchFailed(f"not fetched: {guard.refused}", retry=False)
    if deadline.expired:
        return _too_slow(limits)
    if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
        return FetchFailed(f"{host} failed TLS certificate verification", retry=True)
    timeouts = (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)
    if isinstance(exc, timeouts):
        return FetchFailed(f"{host} timed out", retry=True)
    return FetchFailed(f"{host} could not be reached", retry=True)

