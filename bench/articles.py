"""The readable copies' benchmarks (rows of ``python -m bench``): what a capture adds to a
click on the toolbar button in real Chromium, search with the articles' text among
10,000 copies, their disk space, and the host's memory with the fetcher idle.

The copies are made the way the extension makes them: ``save_many`` of the pages, then a
``capture`` of each on an open port, with texts of realistic length (lognormal, median
700 words) of English sentences drawn from the corpus in ``tests/fixtures/articles``, in
which one name in five is replaced by a name from a pool of 6,000 with Zipf weights, as
articles name people and places: words from very common to very rare.
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

from tests.fakepocket import FakePocket

from . import procs
from .cases import Row, _interleaved, median_ms
from .extraction import CORPUS, corpus


class Sizes(NamedTuple):
    items: int  # saved pages, each with a captured copy
    searches: int  # list requests of each kind
    clicks: int  # toolbar clicks with and without the capture


FULL = Sizes(items=10_000, searches=200, clicks=20)
TINY = Sizes(items=200, searches=10, clicks=2)
EVERYWHERE = "the"  # a word in every article
_SENTENCE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d\u2019]))\s+(?=[A-Z\"\u201c\u2018])")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{3,}\b")


def _sentences() -> list[str]:
    """The prose sentences of the corpus's English pages (no code, tables or lists)."""
    found = []
    for page in corpus():
        if page.lang != "en":
            continue
        for block in page.expected.split("\n\n"):
            if len(block.split()) >= 12 and "\n" not in block and not re.search(r"[{}=$<>]",
                                                                                  block):
                found += _SENTENCE.split(block)
    return found


def _names(rng: random.Random, count: int) -> list[str]:
    onsets = ["B", "Br", "C", "D", "Dr", "F", "G", "Gr", "H", "K", "L", "M", "N", "P", "R",
              "S", "St", "T", "Tr", "V", "W", "Th", "Ch", "Bl"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "ae"]
    ends = ["ton", "ford", "well", "by", "ham", "wick", "dale", "more", "field", "stead",
            "ley", "worth", "son", "mere", "gate", "holm", "ridge", "shaw", "croft", "burn"]
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(onsets) + rng.choice(vowels) + rng.choice("nrlmstk")
                  + rng.choice(ends))
    return sorted(names)


class Texts:
    """Article texts, titles and the words a reader would search for in them."""

    def __init__(self, seed: int = 17) -> None:
        self.rng = random.Random(seed)
        self.sentences = _sentences()
        self.names = _names(self.rng, 6000)
        self.weights = [1 / (rank + 1) for rank in range(len(self.names))]

    def article(self) -> tuple[str, str]:
        """A title and a text (paragraphs of 2 to 6 sentences)."""
        goal = min(4000, max(150, int(self.rng.lognormvariate(math.log(700), 0.6))))
        paragraphs: list[str] = []
        words = 0
        while words < goal:
            sentences = [self._named(self.rng.choice(self.sentences))
                         for _ in range(self.rng.randint(2, 6))]
            paragraphs.append(" ".join(sentences))
            words += sum(len(s.split()) for s in sentences)
        title = " ".join(paragraphs[0].split()[:self.rng.randint(5, 10)]).rstrip(",.;:")
        return title, "\n\n".join(paragraphs)

    def _named(self, sentence: str) -> str:
        if self.rng.random() >= 0.2:
            return sentence
        name = self.rng.choices(self.names, self.weights)[0]
        return _NAME.sub(name, sentence, count=1)


class Filled(NamedTuple):
    typical: list[str]  # names found in about 1 % of the articles
    raw_bytes: int  # the copies' text and HTML, uncompressed
    bytes_without: int  # the database with the pages only
    bytes_with: int  # and with their copies


def _database_bytes(home: Path) -> int:
    return sum(path.stat().st_size for path in home.glob("reading-list.sqlite3*"))


def _article(title: str, text: str) -> dict[str, Any]:
    html = "".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n"))
    return {"title": title, "byline": "", "site": "", "lang": "en", "dir": "ltr",
            "excerpt": text.split("\n\n", 1)[0][:200], "html": f"<h1>{title}</h1>{html}",
            "text": text, "words": len(text.split())}


def fill(home: Path, count: int) -> Filled:
    """``count`` pages saved with ``save_many``, then each given a copy with ``capture``
    (fetching off, as it is for pages whose copy the browser sends)."""
    home.mkdir(parents=True, exist_ok=True)
    texts = Texts()
    pages = [texts.article() for _ in range(count)]
    urls = [f"https://news{n % 97}.example/{n}/{'-'.join(t.lower().split()[:5])}"
            for n, (t, _) in enumerate(pages)]
    env = procs.clean_env(POCKET_COMPANION_HOME=str(home), POCKET_COMPANION_FETCH_ARTICLES="0")
    port = procs.Port(procs.host_command(), env)
    for start in range(0, count, 1000):
        reply = port.call("save_many", {"items": [{"url": url, "title": title} for url, (
            title, _) in zip(urls[start:start + 1000], pages[start:start + 1000],
                             strict=True)]})
        assert reply["ok"], reply
    port.close()
    without = _database_bytes(home)
    port = procs.Port(procs.host_command(), env)
    raw = 0
    for url, (title, text) in zip(urls, pages, strict=True):
        article = _article(title, text)
        raw += len(article["html"].encode()) + len(text.encode())
        reply = port.call("capture", {"url": url, "article": article})
        assert reply["ok"] and reply["data"]["stored"], reply
    port.close()
    seen = Counter(word for _, text in pages for word in set(re.findall(r"\w+", text)))
    found = [name for name in texts.names if seen[name]]
    texts.rng.shuffle(found)  # names as often found, in no particular order
    typical = sorted(found, key=lambda name: abs(seen[name] - count / 100))[:10]
    return Filled(typical, raw, without, _database_bytes(home))


def searches(home: Path, filled: Filled, sizes: Sizes) -> list[Row]:
    """``list`` with a query among the copies (titles, URLs, tags and article text), against
    ``list`` without one, interleaved on one open port; then the host's memory there."""
    env = procs.clean_env(POCKET_COMPANION_HOME=str(home), POCKET_COMPANION_FETCH_ARTICLES="1")
    port = procs.Port(procs.host_command(), env)

    def timed(params: dict[str, object]) -> float:
        elapsed, reply = port.timed("list", params)
        assert reply["ok"] and reply["data"]["items"], reply
        return elapsed

    def typical(i: int) -> float:
        return timed({"query": filled.typical[i % len(filled.typical)]})

    def everywhere(i: int) -> float:
        return timed({"query": EVERYWHERE})

    def plain(i: int) -> float:
        return timed({})

    timed({"query": EVERYWHERE})  # opens the store, and starts the (idle) fetcher
    ours, common, base = _interleaved(sizes.searches, typical, everywhere, plain)
    time.sleep(1.0)  # the fetcher has found nothing to do and waits
    rss = port.rss_mb()
    port.close()
    echo = procs.Port(procs.echo_command(), procs.clean_env())
    echo.call("hello")
    echo_rss = echo.rss_mb()
    echo.close()
    per_thousand = 1000 / sizes.items / 2**20
    value, worst, baseline = median_ms(ours), median_ms(common), median_ms(base)
    return [
        Row(f"list, search article text: a typical word ({sizes.items})", value, baseline,
            "ms", "<= 30 ms", value <= 30.0),
        Row(f"list, search article text: a word in all ({sizes.items})", worst, baseline,
            "ms", "<= 100 ms", worst <= 100.0),
        Row("disk per 1,000 copies (baseline: their text)",
            (filled.bytes_with - filled.bytes_without) * per_thousand,
            filled.raw_bytes * per_thousand, "MB", "(information)", None),
        Row("host RSS, fetcher idle, after the searches", rss, echo_rss, "MB", "<= 40 MB",
            rss <= 40),
    ]


class _Article(BaseHTTPRequestHandler):
    """Every path is the corpus's regional news story (38 KB, 765 words)."""

    body = (CORPUS / "01-news-tram-extension.html").read_bytes()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def article_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Article)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


# Also notes each scripting.executeScript (the capture's libraries, then its readPage).
_NOTES = """const execute = ext.scripting?.executeScript?.bind(ext.scripting);
if (execute) {
  ext.scripting.executeScript = async (details) => {
    const start = Date.now();
    try {
      return await execute(details);
    } finally {
      log.push(["script", start, Date.now(), details.files ? "files" : "func"]);
    }
  };
}
"""
_START = "const app = createApp(ext);"


def _extension(folder: Path, capture: bool) -> Path:
    """bench.badge's noted extension; without ``capture``, also without the ``scripting``
    permission (no capture is tried then, as in a browser that refuses it)."""
    from .badge import noted_copy

    noted = noted_copy(folder)
    background = noted / "background.js"
    background.write_text(background.read_text().replace(_START, _NOTES + _START))
    if not capture:
        manifest = json.loads((noted / "manifest.json").read_text())
        manifest["permissions"].remove("scripting")
        (noted / "manifest.json").write_text(json.dumps(manifest))
    return noted


def _click(browser: Any, url: str, capture: bool) -> dict[str, float]:
    """One warm click on the button (the host runs, the page was looked up): ms from the
    click to kept and to the outcome, and for a capture, its work in the page and the time
    from kept until the host has stored the copy."""
    from tests.e2e.harness import wait_until

    from .badge import click

    page = browser.open(url)
    tab = browser.tab_id(page)
    browser.evaluate("(tab) => pocketCompanion.indicator.refresh(tab)", tab)
    before = time.time() * 1000
    found = click(browser, url, wait_outcome=True)
    ended = ("([tab, url]) => { const o = pocketCompanion.capturer.outcome(tab, url);"
             " return o && o.state !== 'capturing' ? o.state : null; }")
    state = wait_until(lambda: browser.evaluate(ended, [tab, url]), "the capture's end",
                       timeout=30) if capture else browser.evaluate(ended, [tab, url])
    page.close()
    assert state == ("stored" if capture else None), f"the capture ended {state}"
    times = {"kept": float(found["result"] or math.nan),
             "outcome": float(found["outcome"] or math.nan)}
    if capture:
        log = [entry for entry in browser.evaluate("() => globalThis.benchLog")
               if entry[1] >= before]
        kept = next(e[1] for e in log if e[0] == "received" and e[3] == "kept")
        sent = next(e for e in log if e[0] == "sent" and e[3] == "capture")
        stored = next(e[1] for e in log if e[0] == "received" and e[2] == sent[2])
        script = next(e for e in log if e[0] == "script" and e[3] == "func")
        times.update(page=script[2] - script[1], stored=stored - kept)
    return times


def capture_clicks(tmp: Path, fake: FakePocket, sizes: Sizes) -> list[Row]:
    """Clicks on the toolbar button on a news story in Chromium, each time with the shipped
    extension (which captures the page once it is kept) and with the same extension without
    the ``scripting`` permission (no capture), interleaved; the same host and account."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.e2e.chromium import Chromium
    from tests.e2e.harness import CHROMIUM

    from .badge import fresh_host

    names = ("click -> kept, with capture (baseline: without)",
             "click -> saved on the account, with capture",
             "  capture after kept: in page (baseline: to stored)")
    if not os.access(CHROMIUM, os.X_OK):
        return [Row(name, math.nan, math.nan, "ms", "(no Chromium)", None) for name in names]
    host = fresh_host(tmp / "capture-host", fake, {"POCKET_COMPANION_FETCH_ARTICLES": "0"})
    found: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    try:
        with article_site() as site, sync_playwright() as playwright:
            browsers = {capture: Chromium(playwright, tmp / f"capture-{capture}", host,
                                          extension=_extension(tmp / f"ext-{capture}", capture))
                        for capture in (True, False)}
            try:
                for run in range(sizes.clicks):
                    for capture, browser in browsers.items():
                        found[capture].append(
                            _click(browser, f"{site}/story/{capture}/{run}", capture))
            finally:
                for browser in browsers.values():
                    browser.close()
    finally:
        host.stop()

    def median(capture: bool, key: str) -> float:
        return statistics.median(sample[key] for sample in found[capture])

    kept, outcome = (median(True, key) - median(False, key) for key in ("kept", "outcome"))
    return [Row(names[0], median(True, "kept"), median(False, "kept"), "ms", "<= +50 ms",
                kept <= 50),
            Row(names[1], median(True, "outcome"), median(False, "outcome"), "ms",
                "<= +50 ms", outcome <= 50),
            Row(names[2], median(True, "page"), median(True, "stored"), "ms", "(information)",
                None)]
