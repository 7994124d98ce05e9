"""A test web site on 127.0.0.1 for the background fetcher: a real article page and every
kind of page a fetch must end cleanly on.

    with serve_pages() as site:
        site.url("/article")            # a news page: navigation, cookie banner, article, footer
        site.url("/huge")               # 50 MB with a Content-Length; /huge-unsized without one
        site.url("/never")              # takes the request, never answers
        site.url("/trickle")            # headers, then a byte every 0.2 s; /trickle-headers too
        site.redirect("file:///etc/passwd")  # 302 to any address (ftp:, data:, another page)
        site.url("/cookie")             # sets a cookie, sends the reader to /article
        site.url("/login")              # 401 with a Basic challenge
        site.url("/pdf"), site.url("/image"), site.url("/status?code=503")
        site.url("/flaky?fails=2&key=a")  # 503 twice, then the article

Every request is recorded (:attr:`Site.seen`: method, path, headers) so a test can see
what a fetch sent. ``host`` may be another loopback address (``127.0.0.2``) for tests
that need a second, "public" machine.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

BIG = 50 * 1024 * 1024
TITLE = "Why the harbour's tide clock is still wound by hand"
FIRST = ("Every morning at a quarter to seven, Margit Olsen climbs the nineteen steps of the "
         "harbour master's tower and winds the tide clock by hand.")
LAST = ("When the gulls settle on the railing and the hands agree with the water, she writes "
        "the time in the ledger and walks back down to open the café.")
PARAGRAPHS = (
    FIRST + " The clock, a brass dial with a single hand that sweeps from low water to high "
    "and back again twice a day, has hung above the quay since 1911. It has never been "
    "connected to anything but a weight, a chain and the patience of whoever holds the key.",
    "The town council has tried to retire it three times. In 1974 a committee proposed an "
    "electric movement; in 1998 a consultant recommended a digital display fed by the "
    "national tide tables; and last spring an engineer from the port authority offered to "
    "fit a sensor that would correct the hand from a gauge on the breakwater. Each time the "
    "fishermen, the ferry crews and the sailing school wrote letters, and each time the "
    "council quietly put the proposal back in its drawer.",
    "Their reason is not nostalgia, or not only nostalgia. A hand-wound clock that is wrong "
    "is wrong in a way people can see: it runs slow when the spring weakens, and everyone "
    "on the quay has learned to read it with that in mind. A screen that is wrong looks "
    "exactly like a screen that is right. Two winters ago, when a storm surge lifted the "
    "water almost a metre above the predicted height, the tables on the ferry company's "
    "website kept showing the ordinary tide while the old hand, corrected that morning by "
    "Olsen after she looked at the water, pointed somewhere nobody had seen it point before.",
    "Olsen, who is sixty-eight and runs the café at the foot of the tower, took over the "
    "key from her uncle in 1989. She keeps a ledger of every winding, every correction and "
    "every reason for it, in pencil, in a hand that has not changed in thirty years. The "
    "ledger now fills eleven volumes. Researchers from the university's coastal institute "
    "have borrowed them twice to compare her corrections with the instruments on the "
    "breakwater, and found that she was, on stormy days, more often right than the model.",
    "“She is reading the same things the model reads,” said Dr. Anneli Varga, who led the "
    "second study, “the wind, the pressure, the colour of the water at the harbour mouth. "
    "She just has fifty years of them in her head instead of fifty years in a database.”",
    "The clock itself asks little. The chain is oiled in October, the face cleaned in May, "
    "and once every decade a clockmaker from the city comes to look at the escapement and "
    "to say, every decade, that it will outlive all of us. The last repair, in 2016, cost "
    "less than the annual subscription the port authority pays for its tide software.",
    "What it does ask for is a person. The council's latest plan, approved in March, is an "
    "apprenticeship: two students from the sailing school will learn to wind and correct "
    "the clock alongside Olsen for a year, and one of them will be given a key of their "
    "own. Forty-one students applied. The interviews took place in the café.",
    "Asked whether she will miss the climb, Olsen laughed and said she intends to keep "
    "climbing for as long as her knees allow, apprentice or not. " + LAST,
)
DESCRIPTION = "A brass clock, a ledger in pencil and a town that will not let go."
BOILERPLATE = (
    "Subscribe to our newsletter for the week's best stories",
    "We use cookies to improve your experience on our site",
    "© 2026 The Harbour Gazette. All rights reserved.",
    "Most read: Ferry timetable changes for the summer season",
)


def article_html(charset: str = "utf-8") -> str:
    """The test article as a news site serves it: menus, banners, related links around it."""
    body = "\n".join(f"      <p>{text}</p>" for text in PARAGRAPHS)
    meta = f'<meta charset="{charset}">'
    return f"""<!doctype html>
<html lang="en" dir="ltr">
<head>
  {meta}
  <title>{TITLE} | The Harbour Gazette</title>
  <meta name="description" content="{DESCRIPTION}">
  <meta name="author" content="Jonas Berg">
  <meta property="og:site_name" content="The Harbour Gazette">
  <style>body {{ font-family: serif; }} .banner {{ position: fixed; bottom: 0; }}</style>
  <script>window.dataLayer = window.dataLayer || []; dataLayer.push({{event: "view"}});</script>
</head>
<body>
  <div class="banner" id="cookies">{BOILERPLATE[1]}. <button>Accept all</button></div>
  <header>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
      <li><a href="/harbour">Harbour</a></li><li><a href="/culture">Culture</a></li>
      <li><a href="/subscribe">Subscribe</a></li></ul></nav>
    <form action="/search"><input name="q" placeholder="Search"></form>
  </header>
  <main>
    <article>
      <h1>{TITLE}</h1>
      <p class="byline">By <a href="/authors/jonas-berg">Jonas Berg</a> ·
        <time datetime="2026-05-14">14 May 2026</time></p>
      <figure><img src="/images/tide-clock.jpg" alt="The tide clock above the quay">
        <figcaption>The tide clock above the quay.</figcaption></figure>
{body}
    </article>
    <aside class="share">Share: <a href="https://social.example/share">Post</a>
      <a href="mailto:?subject=tide">Email</a></aside>
    <aside class="newsletter"><h2>Newsletter</h2><p>{BOILERPLATE[0]}.</p>
      <form><input type="email"><button>Sign up</button></form></aside>
    <section class="related"><h2>Most read</h2><ul>
      <li><a href="/news/ferry">{BOILERPLATE[3]}</a></li>
      <li><a href="/news/regatta">Regatta entries close on Friday</a></li>
      <li><a href="/news/fish-market">The fish market moves indoors for the winter</a></li>
    </ul></section>
  </main>
  <footer><p>{BOILERPLATE[2]}</p><p><a href="/privacy">Privacy</a> ·
    <a href="/contact">Contact</a></p></footer>
  <script src="/static/ads.js"></script>
</body>
</html>
"""


class Seen(NamedTuple):
    """One request the site got."""

    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append(Seen("GET", self.path, dict(self.headers.items())))
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        route = ROUTES.get(parts.path)
        try:
            if route is None:
                self._send(404, b"<p>not here</p>")
            else:
                route(self, query)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher hung up: that is what several pages are for

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, total: int, sized: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if sized:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        block = b"<p>" + b"filler " * 9360 + b"</p>\n"  # about 64 KiB
        sent = 0
        while sent < total and not self.server.closing.is_set():
            piece = block[: total - sent]
            self.wfile.write(piece)
            sent += len(piece)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def _article(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(200, article_html().encode("utf-8"))


def _latin1(handler: _Handler, query: dict[str, str]) -> None:
    # the charset only in the page itself, as many older sites do
    page = article_html("iso-8859-1").encode("iso-8859-1", errors="xmlcharrefreplace")
    handler._send(200, page, kind="text/html")


def _gzipped(handler: _Handler, query: dict[str, str]) -> None:
    page = gzip.compress(article_html().encode("utf-8"))
    handler._send(200, page, headers={"Content-Encoding": "gzip"})


def _gzip_bomb(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(200, handler.server.bomb(), headers={"Content-Encoding": "gzip"})


def _no_type(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(200, article_html().encode("utf-8"), kind="")


def _huge(handler: _Handler, query: dict[str, str]) -> None:
    handler._stream(BIG, sized=True)


def _huge_unsized(handler: _Handler, query: dict[str, str]) -> None:
    handler._stream(BIG, sized=False)


def _never(handler: _Handler, query: dict[str, str]) -> None:
    handler.server.closing.wait()


def _trickle(handler: _Handler, query: dict[str, str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    while not handler.server.closing.wait(0.2):
        handler.wfile.write(b"x")
        handler.wfile.flush()


def _trickle_headers(handler: _Handler, query: dict[str, str]) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
    while not handler.server.closing.wait(0.5):
        handler.wfile.write(b"X-Slow: yes\r\n")
        handler.wfile.flush()


def _redirect(handler: _Handler, query: dict[str, str]) -> None:
    status = int(query.get("status", "302"))
    handler._send(status, b"", headers={"Location": query.get("to", "/article")})


def _loop(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(302, b"", headers={"Location": "/loop"})


def _cookie(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(302, b"", headers={"Location": "/article",
                                     "Set-Cookie": "session=tasty-secret; Path=/"})


def _login(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(401, b"<p>Sign in first</p>",
                  headers={"WWW-Authenticate": 'Basic realm="members"'})


def _pdf(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                  kind="application/pdf")


def _image(handler: _Handler, query: dict[str, str]) -> None:
    handler._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, kind="image/png")


def _flaky(handler: _Handler, query: dict[str, str]) -> None:
    """503 for the first ``fails`` requests with this ``key``, then the article."""
    key = query.get("key", "")
    with handler.server.lock:
        count = handler.server.counts[key] = handler.server.counts.get(key, 0) + 1
    if count <= int(query.get("fails", "1")):
        handler._send(503, b"<p>busy, come back later</p>")
    else:
        _article(handler, query)


def _status(handler: _Handler, query: dict[str, str]) -> None:
    code = int(query.get("code", "500"))
    handler._send(code, f"<p>status {code}</p>".encode(), headers={"Retry-After": "1"})


ROUTES: dict[str, Callable[[_Handler, dict[str, str]], None]] = {
    "/article": _article, "/article-latin1": _latin1, "/article-gzip": _gzipped,
    "/gzip-bomb": _gzip_bomb, "/no-type": _no_type, "/huge": _huge,
    "/huge-unsized": _huge_unsized, "/never": _never, "/trickle": _trickle,
    "/trickle-headers": _trickle_headers, "/redirect": _redirect, "/loop": _loop,
    "/cookie": _cookie, "/login": _login, "/pdf": _pdf, "/image": _image,
    "/status": _status, "/flaky": _flaky,
}


class Site(ThreadingHTTPServer):
    """The running site (see the module's text)."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), _Handler)
        self.seen: list[Seen] = []
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self._bomb: bytes | None = None

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def redirect(self, target: str, status: int = 302) -> str:
        """The address of a page that sends its reader to ``target``."""
        return self.url(f"/redirect?status={status}&to={quote(target, safe='')}")

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if urlsplit(seen.path).path == path]

    def bomb(self) -> bytes:
        """50 MB of HTML in about 50 KB of gzip (made once)."""
        if self._bomb is None:
            self._bomb = gzip.compress(b"<p>" + b" " * BIG + b"</p>", compresslevel=9)
        return self._bomb


@contextmanager
def serve_pages(host: str = "127.0.0.1") -> Iterator[Site]:
    """The site, running on ``host`` at a free port, until the block ends."""
    site = Site(host)
    thread = threading.Thread(target=site.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.closing.set()
        site.shutdown()
        site.server_close()
