"""Web pages for the reader-view tests, on 127.0.0.1: article pages to capture (with a
site's navigation, a cookie banner, share buttons, scripts and a footer around the
article, as Readability meets them), a page with no article, and images; and a
recording server that logs every request it gets, for the hostile copies.

    with serve_articles() as site:
        site.url("/article/harbour")     # an article; its words depend on its name
        site.url("/no-article/form")     # a sign-up form: no article, a link only
        site.requests()                  # every request so far: (method, path, headers)
"""

from __future__ import annotations

import random
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

SENTENCES = (
    "The ferry left the harbour an hour late because the fog would not lift from the narrows.",
    "Nobody on the quay remembered a spring as cold as this one, not even the oldest pilots.",
    "She kept a ledger of every crossing in pencil, in a hand that has not changed in years.",
    "The council voted twice to replace the old clock and twice put the plan back in a drawer.",
    "A screen that is wrong looks exactly like a screen that is right, the harbour master said.",
    "By noon the wind had turned west and the gulls settled on the railing above the slipway.",
    "Researchers borrowed the ledgers to compare her corrections with the gauges offshore.",
    "On stormy days her hand on the dial was more often right than the model in the office.",
    "The café at the foot of the tower opens when the last ferry of the morning is tied up.",
    "Fishermen read the weather from the colour of the water at the mouth of the harbour.",
)


class Story(NamedTuple):
    """An article page's words: what the reader view must show."""

    title: str
    paragraphs: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.paragraphs[0]

    @property
    def last(self) -> str:
        return self.paragraphs[-1]


def story(name: str, paragraphs: int = 7) -> Story:
    """The article of ``/article/NAME``: the same words for the same name."""
    chance = random.Random(name)
    made = []
    for n in range(paragraphs):
        picks = chance.sample(SENTENCES, 4)
        made.append(f"Part {n + 1} of the {name} story. " + " ".join(picks))
    title = f"The {name} tide clock and the people who wind it"
    return Story(title, tuple(made))


def article_page(name: str) -> str:
    """A news site's page around ``story(name)``: what a person sees in the browser."""
    found = story(name)
    body = "".join(f"<p>{text}</p>" for text in found.paragraphs[:3])
    body += "<h2>What the ledgers show</h2><blockquote><p>She is reading the same things the " \
            "model reads, only with fifty years of them in her head.</p></blockquote>"
    body += "".join(f"<p>{text}</p>" for text in found.paragraphs[3:])
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{found.title} | The Coast Courier</title>"
        "<style>body{font-family:sans-serif} .banner{position:fixed;bottom:0}</style>"
        "<script>window.analyticsQueue = [];</script></head><body>"
        "<header><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a> "
        "<a href=\"/sport\">Sport</a> <a href=\"/weather\">Weather</a></nav></header>"
        "<div class=\"banner\">We use cookies. <button>Accept all</button></div>"
        f"<main><article><h1>{found.title}</h1>"
        "<p class=\"byline\">By Ingrid Halvorsen</p>"
        f"<div class=\"share\"><a href=\"/share\">Share</a></div>{body}</article>"
        "<aside><h3>Most read</h3><ul><li><a href=\"/a\">Storm warnings for the weekend</a></li>"
        "<li><a href=\"/b\">New ferry timetable</a></li></ul></aside></main>"
        "<footer><p>© The Coast Courier</p><a href=\"/privacy\">Privacy</a></footer>"
        "</body></html>")


NO_ARTICLE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<title>Sign up</title></head><body><form><label>Email <input name=\"e\">"
              "</label><button>Go</button></form><p>Short.</p></body></html>")


def png(width: int = 4, height: int = 3) -> bytes:
    """A small grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\0" + b"\x88\x88\x88" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                             0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Seen(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: ArticleSite

    def _record(self) -> None:
        with self.server.lock:
            self.server.seen.append(Seen(self.command, self.path, dict(self.headers.items())))

    def do_GET(self) -> None:
        self._record()
        path = self.path.split("?")[0]
        if match := re.fullmatch(r"/article/([\w-]+)", path):
            self._send(200, article_page(match.group(1)).encode())
        elif path.startswith("/no-article/"):
            self._send(200, NO_ARTICLE.encode())
        elif path.endswith(".png"):
            self._send(200, png(), "image/png")
        else:
            self._send(404, b"not here", "text/plain")

    def do_POST(self) -> None:
        self._record()
        self._send(204, b"", "text/plain")

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class ArticleSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def requests(self) -> list[Seen]:
        with self.lock:
            return list(self.seen)


@contextmanager
def serve_articles() -> Iterator[ArticleSite]:
    site = ArticleSite()
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()
