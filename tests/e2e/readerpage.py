"""The reader view's checks, shared by the Chromium and the Firefox modules.

Each browser gives a ``ReaderDriver``: a web page in front and its toolbar button, the
reader view of a saved page in a tab of its own, JavaScript evaluated there, real clicks,
and the text the article's sandboxed frame shows. The checks compare what the reader
shows with what the host stored (its own protocol or CLI); tests/e2e/hostilepage.py holds
the checks with hostile copies.
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol
from urllib.parse import quote

from tests.e2e.articles import ArticleSite, story
from tests.e2e.harness import Host, wait_until
from tests.support.frames import HostProcess

READER_PATH = "reader/reader.html"
SANDBOX = "allow-popups allow-popups-to-escape-sandbox"

STATE = """(() => {
  const text = (id) => {
    const element = document.getElementById(id);
    return element && !element.closest('[hidden]') ? element.textContent.trim() : null;
  };
  const frame = document.getElementById('frame');
  return {
    title: text('title'), site: text('site-line'), byline: text('byline'),
    source: text('source'), state: text('state'), problem: text('problem-text'),
    said: text('said'), archive: text('archive'), endText: text('end-text'),
    markRead: text('mark-read'),
    favorite: document.getElementById('favorite').getAttribute('aria-pressed'),
    images: text('images-text'), tags: [...document.querySelectorAll('#tags a')]
      .map((a) => a.textContent),
    original: document.getElementById('original').href,
    loaded: Boolean(frame.srcdoc), frameHeight: frame.getBoundingClientRect().height,
    sandbox: frame.getAttribute('sandbox'), dark: document.documentElement.classList
      .contains('dark'), documentTitle: document.title, href: location.href,
    ran: document.body.dataset.ran ?? null, scrollY: window.scrollY,
    pwned: /pwned|ran /.test(document.body.innerText + document.title + document.cookie +
      JSON.stringify({ ...localStorage })) || 'pwned' in window,
    pageHeight: document.documentElement.scrollHeight, viewport: window.innerHeight,
  };
})()"""

class ReaderDriver(Protocol):
    host: Host

    def show(self, url: str) -> None:
        """Show this web page in the browser's tab, in front."""

    def toolbar(self, url: str) -> None:
        """Click the toolbar button on the tab showing ``url``."""

    def reader(self, url: str) -> None:
        """Open the reader view of the saved page ``url`` in a tab of its own, in front."""

    def eval(self, expression: str) -> Any:
        """Evaluate in the reader view."""

    def call(self, function: str, arg: Any) -> Any:
        """Call a JavaScript function (its source) with ``arg`` in the reader view."""

    def click(self, selector: str) -> None:
        """A real mouse click on the reader view's element."""

    def frame_text(self) -> str:
        """The text the article's frame shows ("" while it shows none)."""

    def frame_title(self, frame_id: str = "frame") -> str:
        """The title of the document in the frame ``frame_id`` (what a script would change)."""

    def content_height(self) -> float:
        """The height of the article as the frame lays it out (0 while it shows none)."""

    def save_link(self, url: str) -> None:
        """Save a link to ``url`` as the link's own menu item does (from the page in front)."""

    def ask(self, action: str, params: dict[str, Any]) -> Any:
        """A request on the extension's own connection to its host (the browser's host: a
        host started for the test would claim the pages waiting to be fetched)."""

    def close_reader(self) -> None: ...


def reader_address(base: str, url: str) -> str:
    return f"{base}/{READER_PATH}?url={quote(url, safe='')}"


def request(host: Host, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """One request to a host of its own on the browser's data; the whole reply."""
    process = HostProcess(host.env)
    try:
        reply: dict[str, Any] = process.request(action, params)
    finally:
        process.close()
    return reply


def state(d: ReaderDriver) -> dict[str, Any]:
    shown: dict[str, Any] = d.eval(STATE)
    return shown


def listed(host: Host, url: str) -> dict[str, Any] | None:
    """The page as ``list`` describes it (through the CLI, which fetches nothing)."""
    return host.items().get(url)


def stored_copy(d: ReaderDriver, url: str, timeout: float = 20.0) -> dict[str, Any]:
    """The host's copy of ``url`` once it has one (its first part)."""
    wait_until(lambda: (listed(d.host, url) or {}).get("article") == "stored",
               f"a readable copy of {url}", timeout)
    copy: dict[str, Any] = d.ask("article", {"url": url})
    return copy


def opened(d: ReaderDriver, what: str) -> dict[str, Any]:
    """The reader's state once its copy (or its problem) shows."""
    return wait_until(lambda: (s := state(d)) and (s["problem"] or (s["loaded"] and s["title"]))
                      and s, f"the reader view of {what}")


# --- capture from the browser -------------------------------------------------------------


def toolbar_save_shows_the_copy(d: ReaderDriver, site: ArticleSite, base: str) -> None:
    """A click on the toolbar button keeps a copy taken in the browser: the reader view
    shows the article's words (and none of the site's menus, banners or lists)."""
    url = site.url("/article/toolbar")
    words = story("toolbar")
    d.show(url)
    d.toolbar(url)
    copy = stored_copy(d, url)
    assert copy["source"] == "capture" and copy["words"] > 300, copy
    assert copy["title"] == words.title
    assert words.first in copy["html"] and words.last in copy["html"]
    for noise in ("We use cookies", "Most read", "© The Coast Courier", "<script", "Share"):
        assert noise not in copy["html"], noise
    d.reader(reader_address(base, url))
    shown = opened(d, url)
    assert shown["title"] == words.title
    assert shown["byline"] == "By Ingrid Halvorsen"
    assert shown["original"] == url
    assert shown["documentTitle"] == f"{words.title} · Pocket Companion"
    assert re.fullmatch(r"127\.0\.0\.1 · Saved today · \d+ words · \d+ min read", shown["site"])
    text = wait_until(lambda: d.frame_text(), "the article's text in its frame")
    assert words.first in text and words.last in text
    assert "What the ledgers show" in text
    assert "Most read" not in text and "We use cookies" not in text
    assert shown["sandbox"] == SANDBOX
    d.close_reader()


def gesture_captures(d: ReaderDriver, site: ArticleSite, name: str, gesture: Any) -> None:
    """A save by ``gesture`` (the shortcut, the page's menu item) keeps a copy too."""
    url = site.url(f"/article/{name}")
    d.show(url)
    gesture(url)
    copy = stored_copy(d, url)
    assert copy["source"] == "capture"
    assert story(name).first in copy["html"]


def a_page_without_an_article_is_a_link_only(d: ReaderDriver, site: ArticleSite,
                                             base: str) -> None:
    url = site.url("/no-article/sign-up")
    d.show(url)
    d.toolbar(url)
    wait_until(lambda: (item := listed(d.host, url)) and item.get("article") == "none",
               "the page kept as a link only")
    d.reader(reader_address(base, url))
    shown = opened(d, url)
    assert shown["problem"] == "No readable copy of this page is kept."
    d.close_reader()


def a_link_save_gets_a_fetched_copy(d: ReaderDriver, base: str) -> None:
    """A saved link is fetched by the host: the reader view shows the article's words; a
    50 MB page, a page that never answers and a redirect to file: end as links only
    (nothing kept, nothing shown), and the browser goes on as before."""
    from tests.support import pages  # the fetcher's own test site

    with pages.serve_pages() as site:
        links = {"article": site.url("/article"), "huge": site.url("/huge"),
                 "never": site.url("/never"), "file": site.redirect("file:///etc/passwd")}
        for url in links.values():
            d.save_link(url)
        started = time.monotonic()
        copy = stored_copy(d, links["article"], timeout=60)
        assert time.monotonic() - started < 25, "a link is fetched at once, not after 30 s"
        assert copy["source"] == "fetch"
        assert pages.FIRST in copy["html"] and pages.LAST in copy["html"]
        for noise in pages.BOILERPLATE:
            assert noise not in copy["html"], noise
        d.reader(reader_address(base, links["article"]))
        shown = opened(d, "the fetched article")
        assert shown["title"] == pages.TITLE
        assert shown["source"].startswith("· Copy fetched by Pocket Companion")
        text = wait_until(lambda: d.frame_text(), "the fetched article's text")
        assert pages.FIRST in text
        for name in ("huge", "file"):
            wait_until(lambda name=name: (listed(d.host, links[name]) or {}).get("article")
                       == "failed", f"the {name} page given up", timeout=60)
        never = listed(d.host, links["never"]) or {}
        assert never.get("article") in ("pending", "failed"), never
        for name in ("huge", "never", "file"):
            d.reader(reader_address(base, links[name]))
            assert opened(d, name)["problem"] == "No readable copy of this page is kept."
    d.close_reader()


# --- the reader's controls ------------------------------------------------------------------


def reading_is_remembered_and_ends_with_mark_as_read(d: ReaderDriver, site: ArticleSite,
                                                      base: str) -> None:
    """Text size and theme change the layout; the position read is kept by the host and
    restored; the end offers "Mark as read", which archives the page."""
    url = site.url("/article/long-read")
    d.host.request("save", {"url": url})
    body = "".join(f"<h2>Chapter {n}</h2>" + "".join(f"<p>{p}</p>" for p in story(f"c{n}")
                                                     .paragraphs) for n in range(1, 7))
    stored = request(d.host, "capture", {"url": url, "article": article(
        "A very long read", body)})
    assert stored["ok"] and stored["data"]["stored"], stored
    d.reader(reader_address(base, url))
    shown = opened(d, url)
    assert shown["frameHeight"] > 3 * shown["viewport"], "the frame is as tall as the article"
    assert shown["pageHeight"] > shown["frameHeight"], "the page scrolls, not the frame"
    fits(d)
    height = shown["frameHeight"]
    d.click("#larger")
    wait_until(lambda: state(d)["frameHeight"] > height * 1.05, "larger text, a taller article")
    fits(d)
    d.click("#smaller")
    wait_until(lambda: abs(state(d)["frameHeight"] - height) < 2, "the size back")
    d.eval("window.scrollTo(0, document.documentElement.scrollHeight * 0.4)")
    time.sleep(2.6)  # the position is sent at most every 2 s
    progress = d.ask("article", {"url": url})["progress"]
    assert 0.3 < progress < 0.7, progress
    d.reader(reader_address(base, url))
    opened(d, url)
    wait_until(lambda: state(d)["scrollY"] > 0.25 * state(d)["pageHeight"],
               "the reader back where the person left off")
    d.eval("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert state(d)["endText"] == "You reached the end."
    d.click("#mark-read")
    wait_until(lambda: state(d)["said"] == "Marked as read.", "the page marked as read")
    assert (listed(d.host, url) or {}).get("status") == "archived"
    after = state(d)
    assert after["markRead"] is None and after["archive"] == "Move back to unread"
    d.click("#favorite")
    wait_until(lambda: state(d)["favorite"] == "true", "a favourite")
    assert (listed(d.host, url) or {}).get("favorite") is True
    d.close_reader()


def keep(host: Host, url: str, title: str, html: str, byline: str = "") -> None:
    """Save ``url`` (with its title) and store ``html`` as its copy, as a capture would."""
    host.request("save", {"url": url, "title": title})
    reply = request(host, "capture", {"url": url, "article": {
        **article(title, html), "byline": byline}})
    assert reply["ok"] and reply["data"]["stored"], reply


def sample(host: Host, url: str, name: str) -> Any:
    """A copy with what articles hold (headings, a quote, a list, a link, code) for ``url``;
    its story."""
    words = story(name)
    html = (f"<p>{words.paragraphs[0]}</p><p>{words.paragraphs[1]}</p>"
            "<h2>What the ledgers show</h2><blockquote><p>She is reading the same things the "
            "model reads, only with fifty years of them in her head.</p></blockquote>"
            f"<p>{words.paragraphs[2]} The readings are on <a href=\"https://example.org/"
            "tides\">the institute's site</a>.</p><ul><li>Eleven volumes of ledgers</li>"
            "<li>Thirty years of corrections</li><li>One key</li></ul>"
            f"<h2>Why it stays</h2><p>{words.paragraphs[3]}</p><p>{words.paragraphs[4]} The "
            "hand is set with <code>wind(turns=19)</code> each morning.</p>"
            + "".join(f"<p>{text}</p>" for text in words.paragraphs[5:]))
    keep(host, url, words.title, html, byline="By Ingrid Halvorsen")
    return words


def fits(d: ReaderDriver) -> None:
    """The frame is as tall as the article it shows (measured on a copy outside it): none of
    it is cut off and no blank follows it."""
    def measured() -> tuple[float, float] | None:
        content, frame = d.content_height(), state(d)["frameHeight"]
        return (content, frame) if content and 0 <= frame - content <= 8 else None

    wait_until(measured, "the frame's height fitting its article")


def article(title: str, html: str, text: str | None = None) -> dict[str, Any]:
    """A capture's article for ``html`` (its text: the HTML without tags)."""
    plain = text if text is not None else re.sub(r"<[^>]+>", " ", html)
    return {"title": title, "byline": "", "site": "", "lang": "en", "dir": "ltr",
            "excerpt": "", "html": html, "text": plain, "words": len(plain.split())}


