"""The fetcher's loop and its extraction child, for real: pages from the test site,
trafilatura in ``python -P -m pocket_companion.articles.extract_child``, a queue in
memory that backs off as the host's does. Also: a child that hangs is killed, one that
needs too much memory ends cleanly, and the host process never loads trafilatura."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pocket_companion.articles.extract_child import count_words, decode, extract_article
from pocket_companion.articles.fetch import FetchFailed, Limits, Page, fetch_page
from pocket_companion.articles.fetcher import Extractor, Fetcher
from pocket_companion.articles.model import Article, FetchJob, FetchOutcome

from tests.support.clock import Clock
from tests.support.frames import REPO
from tests.support.pages import (
    BOILERPLATE,
    DESCRIPTION,
    FIRST,
    LAST,
    TITLE,
    Site,
    article_html,
    serve_pages,
)

QUICK = Limits(connect=2.0, read=1.0, total=3.0)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_pages() as running:
        yield running


@dataclass
class Row:
    url: str
    state: str = "pending"
    attempts: int = 0
    next_try: float = 0.0
    outcome: FetchOutcome | None = None


@dataclass
class Queue:
    """The fetch queue as the host keeps it (library/articles.py), in memory: due jobs are
    leased when claimed; an error worth retrying waits 1 min, 10 min, 1 h, then fails."""

    clock: Clock
    rows: dict[int, Row] = field(default_factory=dict)
    threads: set[int] = field(default_factory=set)
    BACKOFF = (60.0, 600.0, 3600.0)
    LEASE = 900.0

    def add(self, *urls: str) -> None:
        for url in urls:
            self.rows[len(self.rows) + 1] = Row(url)

    def claim(self, limit: int) -> list[FetchJob]:
        self.threads.add(threading.get_ident())
        due = [(item_id, row) for item_id, row in self.rows.items()
               if row.state == "pending" and row.next_try <= self.clock()][:limit]
        for _item_id, row in due:
            row.next_try = self.clock() + self.LEASE
        return [FetchJob(item_id, row.url, row.attempts) for item_id, row in due]

    def finish(self, job: FetchJob, outcome: FetchOutcome) -> None:
        self.threads.add(threading.get_ident())
        row = self.rows[job.item_id]
        row.outcome = outcome
        if outcome.article is not None:
            row.state = "stored"
        elif outcome.error is None:
            row.state = "none"
        elif outcome.retry and row.attempts < len(self.BACKOFF):
            row.next_try = self.clock() + self.BACKOFF[row.attempts]
            row.attempts += 1
        else:
            row.state = "failed"

    def due(self) -> float | None:
        times = [row.next_try for row in self.rows.values() if row.state == "pending"]
        return min(times) if times else None


def quick_fetcher(queue: Queue, **kwargs: object) -> Fetcher:
    fetch = functools.partial(fetch_page, limits=QUICK)
    return Fetcher(queue.claim, queue.finish, fetch=fetch, clock=queue.clock,
                   due=queue.due, **kwargs)  # type: ignore[arg-type]


# --- extraction ---------------------------------------------------------------------

def test_the_article_and_only_the_article_is_extracted() -> None:
    article = extract_article(article_html().encode(), "https://gazette.example/news/clock")
    assert article is not None
    assert (article.title, article.byline, article.site) == (
        TITLE, "Jonas Berg", "The Harbour Gazette")
    assert (article.lang, article.dir, article.excerpt) == ("en", "ltr", DESCRIPTION)
    assert article.text.startswith(FIRST) and article.text.endswith(LAST)
    assert not [text for text in BOILERPLATE if text in article.text or text in article.html]
    assert article.words == count_words(article.text) > 500
    assert "<p>Every morning" in article.html and "<script" not in article.html
    assert '<img src="https://gazette.example/images/tide-clock.jpg"' in article.html
    assert TITLE not in article.text  # shown apart, not twice


def test_charsets_from_the_header_the_meta_a_bom_or_a_guess() -> None:
    latin = article_html("iso-8859-1").encode("iso-8859-1", errors="xmlcharrefreplace")
    assert "open the café" in decode(latin, None)
    assert "open the café" in decode(latin, "windows-1252")
    assert "café" in decode("\ufeff<p>café</p>".encode(), "iso-8859-1")
    french = "<p>Au café de la place, la crème brûlée est servie à côté du thé glacé.</p>" * 3
    assert decode(french.encode("cp1252"), None) == french
    assert decode("<p>日本語</p>".encode(), "no-such-charset") == "<p>日本語</p>"


def test_right_to_left_pages_and_words_without_spaces() -> None:
    page = ("<html lang='ar' dir='rtl'><head><title>ساعة المد</title></head><body><article>"
            + "<p>" + "تدور الساعة النحاسية فوق الرصيف منذ عام ١٩١١ وتعرفها المدينة كلها. " * 12
            + "</p>" * 1 + "</article></body></html>")
    article = extract_article(page.encode(), "https://news.example/ar")
    assert article is not None
    assert (article.lang, article.dir) == ("ar", "rtl")
    assert count_words("港の時計は手で巻かれる") == 11
    assert count_words("one two  three\nfour") == 4


def test_the_child_extracts_a_fetched_page(site: Site) -> None:
    page = fetch_page(site.url("/article-latin1"))
    started = time.monotonic()
    article = Extractor()(page)
    assert time.monotonic() - started < 10
    assert article is not None and article.text.endswith(LAST)


def test_a_page_without_an_article_gives_none() -> None:
    page = Page("https://example.org/", b"<html><body><nav><a href='/'>Home</a></nav>"
                b"</body></html>", "utf-8")
    assert Extractor()(page) is None


def test_a_hanging_child_is_killed_at_its_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    hang = [sys.executable, "-c", "import os, sys, time; "
            f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
            "sys.stdin.buffer.read(); time.sleep(600)"]
    started = time.monotonic()
    with pytest.raises(FetchFailed) as caught:
        Extractor(timeout=1.0, command=hang)(Page("https://x.example/", b"<p>x</p>" * 10**5,
                                                   None))
    assert 1.0 <= time.monotonic() - started < 3.0
    assert caught.value.message == "extracting the article took longer than 1 s"
    assert not caught.value.retry
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed and reaped


def test_a_child_that_needs_too_much_memory_ends_cleanly() -> None:
    """4.5 MB of distinct paragraphs needs about 200 MB in trafilatura: with 150 MiB of
    address space the child runs out and says so."""
    words = ["harbour", "clock", "tide", "ledger", "ferry", "gull", "water", "brass", "chain",
             "pencil", "storm", "quay"]
    paragraphs = ["<p>" + " ".join(f"{words[(n * 7 + k) % 12]}{n * 131 + k}" for k in range(120))
                  + ".</p>" for n in range(5000)]
    body = ("<html><body><article>" + "".join(paragraphs) + "</article></body></html>").encode()
    assert len(body) > 4_000_000
    with pytest.raises(FetchFailed) as caught:
        Extractor(timeout=30.0, memory=150 * 1024 * 1024)(Page("https://x.example/", body, None))
    assert caught.value.message == "the page needs too much memory to extract"
    assert not caught.value.retry


def test_a_crashed_child_may_be_tried_again() -> None:
    crash = [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); sys.exit(3)"]
    with pytest.raises(FetchFailed) as caught:
        Extractor(command=crash)(Page("https://x.example/", b"<p>x</p>", None))
    assert caught.value.message == "the extraction failed (exit status 3)"
    assert caught.value.retry


@pytest.mark.parametrize(("script", "message"), [
    ('print(\'{"article": {"title": 1}}\')', "the extraction gave an article of the wrong shape"),
    ('print(\'{"article": [1, 2]}\')', "the extraction gave an article of the wrong shape"),
    ('print(\'{"error": "the page is nested too deeply to extract"}\')',
     "the page is nested too deeply to extract"),
    ("print('[]')", "the extraction gave no answer")])
def test_what_a_child_says_is_checked(script: str, message: str) -> None:
    child = [sys.executable, "-c", f"import sys; sys.stdin.buffer.read(); {script}"]
    with pytest.raises(FetchFailed) as caught:
        Extractor(command=child)(Page("https://x.example/", b"<p>x</p>", None))
    assert (caught.value.message, caught.value.retry) == (message, False)


def test_a_child_that_cannot_start_may_be_tried_again(tmp_path: Path) -> None:
    with pytest.raises(FetchFailed) as caught:
        Extractor(command=[str(tmp_path / "missing")])(Page("https://x.example/", b"", None))
    assert caught.value.message.startswith("the extraction could not start")
    assert caught.value.retry


# --- the loop -----------------------------------------------------------------------

def test_every_kind_of_page_ends_with_its_outcome(site: Site) -> None:
    queue = Queue(Clock())
    queue.add(site.url("/article"), site.url("/huge"), site.url("/never"),
              site.redirect("file:///etc/passwd"), site.url("/pdf"), site.url("/cookie"),
              site.url("/status?code=503"), site.url("/login"),
              "data:text/html,<p>hello</p>")
    started = time.monotonic()
    assert quick_fetcher(queue, batch=8).run_once() == 8
    assert quick_fetcher(queue, batch=8).run_once() == 1
    assert time.monotonic() - started < 15
    states = {row.url.replace(site.origin + "/", ""):
              (row.state, row.attempts, row.outcome and row.outcome.error)
              for row in queue.rows.values()}
    assert states == {
        "article": ("stored", 0, None),
        "huge": ("failed", 0, "the page is larger than 5 MiB"),
        "never": ("pending", 1, "127.0.0.1 timed out"),
        "redirect?status=302&to=file%3A%2F%2F%2Fetc%2Fpasswd": (
            "failed", 0, "the page's redirect is a file: address, not an http or https one"),
        "pdf": ("failed", 0, "the address is not a web page (application/pdf)"),
        "cookie": ("stored", 0, None),
        "status?code=503": ("pending", 1, "the server answered 503 Service Unavailable"),
        "login": ("failed", 0, "the server answered 401 Unauthorized"),
        "data:text/html,<p>hello</p>": (
            "failed", 0, "the saved address is a data: address, not an http or https one"),
    }
    stored = queue.rows[1].outcome
    assert stored is not None and stored.article is not None
    assert stored.article.title == TITLE and stored.article.text.startswith(FIRST)
    assert queue.threads == {threading.get_ident()}  # claim and finish: the caller's thread


def test_retries_back_off_and_then_the_copy_is_stored(site: Site) -> None:
    clock = Clock()
    queue = Queue(clock)
    queue.add(site.url("/flaky?fails=2&key=a"), site.url("/flaky?fails=9&key=b"))
    fetcher = quick_fetcher(queue)
    assert fetcher.run_once() == 2
    assert fetcher.run_once() == 0  # nothing due before the first back-off
    clock.advance(60)
    assert fetcher.run_once() == 2
    clock.advance(599)
    assert fetcher.run_once() == 0
    clock.advance(1)
    assert fetcher.run_once() == 2
    first, second = queue.rows[1], queue.rows[2]
    assert (first.state, first.attempts) == ("stored", 2)
    assert (second.state, second.attempts) == ("pending", 3)
    clock.advance(3600)
    assert fetcher.run_once() == 1
    assert second.state == "failed"
    assert second.outcome == FetchOutcome(None, "the server answered 503 Service Unavailable",
                                          True)
    assert site.counts == {"a": 3, "b": 4}


def test_two_fetches_at_once_and_one_extraction_at_a_time() -> None:
    lock = threading.Lock()
    now = {"fetch": 0, "extract": 0}
    most = {"fetch": 0, "extract": 0}

    def busy(kind: str) -> None:
        with lock:
            now[kind] += 1
            most[kind] = max(most[kind], now[kind])
        time.sleep(0.05)
        with lock:
            now[kind] -= 1

    def fetch(url: str) -> Page:
        busy("fetch")
        return Page(url, b"<p>page</p>", None)

    def extract(page: Page) -> Article:
        busy("extract")
        return Article("t", "", "", "", "", "", "<p>page</p>", "page", 1)

    queue = Queue(Clock())
    queue.add(*(f"https://example.org/{n}" for n in range(10)))
    fetcher = Fetcher(queue.claim, queue.finish, fetch=fetch, extract=extract, batch=10)
    assert fetcher.run_once() == 10
    assert most == {"fetch": 2, "extract": 1}
    assert {row.state for row in queue.rows.values()} == {"stored"}


def test_a_bug_fails_one_page_and_the_rest_go_on() -> None:
    def fetch(url: str) -> Page:
        if url.endswith("/bad"):
            raise KeyError("a bug")
        return Page(url, b"", None)

    queue = Queue(Clock())
    queue.add("https://example.org/bad", "https://example.org/good")
    Fetcher(queue.claim, queue.finish, fetch=fetch, extract=lambda page: None).run_once()
    assert [(row.state, row.outcome) for row in queue.rows.values()] == [
        ("failed", FetchOutcome(None, "an internal error (see the log)", False)),
        ("none", FetchOutcome(None))]


def test_run_sleeps_until_woken_and_stops(site: Site) -> None:
    queue = Queue(Clock())
    fetcher = quick_fetcher(queue, poll=30.0)
    stop = threading.Event()
    thread = threading.Thread(target=fetcher.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(0.2)
    queue.add(site.url("/article"))
    fetcher.wake()
    deadline = time.monotonic() + 10
    while queue.rows[1].state == "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queue.rows[1].state == "stored"
    started = time.monotonic()
    stop.set()
    fetcher.wake()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 1.0


def test_a_page_due_after_the_next_look_does_not_wake_the_fetcher() -> None:
    """A save that waits 30 s for its capture leaves a fetcher that sleeps less alone (each
    wake would cost the save a look at the queue)."""
    queue, looks = Queue(Clock()), []

    def claim(limit: int) -> list[FetchJob]:
        looks.append(limit)
        return queue.claim(limit)

    fetcher = Fetcher(claim, queue.finish, clock=queue.clock, due=queue.due, poll=20.0)
    stop = threading.Event()
    thread = threading.Thread(target=fetcher.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while fetcher._planned is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert looks == [4] and fetcher._planned == queue.clock() + 20.0
    fetcher.wake(queue.clock() + 30.0)  # it looks again sooner anyway
    time.sleep(0.3)
    assert looks == [4]
    fetcher.wake(queue.clock() + 5.0)  # sooner than it would look: it looks now
    deadline = time.monotonic() + 5
    while len(looks) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert looks == [4, 4]
    stop.set()
    fetcher.wake()
    thread.join(5)
    assert not thread.is_alive()


PROBE = """
import json, sys
from pocket_companion.articles.fetcher import Fetcher
from pocket_companion.articles.model import FetchJob

loaded = lambda: sorted(m for m in ("requests", "urllib3", "trafilatura", "lxml")
                        if m in sys.modules)
jobs, outcomes = [FetchJob(1, sys.argv[1], 0)], []
fetcher = Fetcher(lambda n: [], outcomes.append)
fetcher.run_once()
idle = loaded()
fetcher = Fetcher(lambda n: [jobs.pop()] if jobs else [],
                  lambda job, outcome: outcomes.append(outcome))
fetcher.run_once()
print(json.dumps({"idle": idle, "after": loaded(),
                  "title": outcomes[0].article.title if outcomes[0].article else None}))
"""


def test_the_host_process_never_loads_trafilatura(site: Site) -> None:
    """Idle, not even requests; after a fetch, requests but never trafilatura or lxml."""
    result = subprocess.run([sys.executable, "-c", PROBE, site.url("/article")],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report == {"idle": [], "after": ["requests", "urllib3"], "title": TITLE}
