"""Readable copies in Firefox ESR (WebDriver BiDi, no geckodriver), through the real host:
the same checks as in Chromium (tests/e2e/readerpage.py), on a browser of their own."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.e2e import hostilepage, readerpage
from tests.e2e.articles import ArticleSite, serve_articles
from tests.e2e.firefox import BidiError, Firefox
from tests.e2e.harness import Host, firefox_binary, have_display, press_shortcut, wait_until
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow

FRAME_TEXT = "document.querySelector('main')?.innerText ?? ''"


class FirefoxReader:
    """The reader view in Firefox, as a ``ReaderDriver``."""

    def __init__(self, firefox: Firefox) -> None:
        self.firefox = firefox
        self.host = firefox.host
        self.base = firefox.base
        self.context: str | None = None

    def show(self, url: str) -> None:
        self.firefox.open(url)

    def toolbar(self, url: str) -> None:
        self.firefox.click_button()

    def reader(self, url: str) -> None:
        if self.context is None:
            self.context = self.firefox.send("browsingContext.create", {"type": "tab"})["context"]
        self.firefox.activate(self.context)
        self.firefox.navigate(self.context, url)

    def eval(self, expression: str) -> Any:
        assert self.context is not None
        return self.firefox.evaluate(self.context, expression)

    def call(self, function: str, arg: Any) -> Any:
        return self.eval(f"({function})({json.dumps(arg)})")

    def click(self, selector: str) -> None:
        assert self.context is not None
        self.firefox.click(self.context, selector)

    def frame_context(self, frame_id: str) -> str | None:
        """The browsing context of the reader's frame ``frame_id`` (found by its place among
        the page's frames)."""
        assert self.context is not None
        index = self.eval(f"[...document.querySelectorAll('iframe')].findIndex((f) => "
                          f"f.id === {json.dumps(frame_id)})")
        tree = self.firefox.send("browsingContext.getTree", {"root": self.context})["contexts"]
        children = tree[0].get("children") or []
        return children[index]["context"] if 0 <= index < len(children) else None

    def in_frame(self, frame_id: str, expression: str) -> Any:
        """Read the frame's document from a realm of the test's own (the frame runs none)."""
        context = self.frame_context(frame_id)
        if context is None:
            return None
        result = self.firefox.send("script.evaluate", {
            "expression": expression, "awaitPromise": False,
            "target": {"context": context, "sandbox": "reader-test"}})
        if result["type"] == "exception":
            raise BidiError(result["exceptionDetails"]["text"])
        return result["result"].get("value")

    def frame_text(self) -> str:
        try:
            return str(self.in_frame("frame", FRAME_TEXT) or "")
        except BidiError:  # the frame is being made again
            return ""

    def frame_title(self, frame_id: str = "frame") -> str:
        try:
            return str(self.in_frame(frame_id, "document.title") or "")
        except BidiError:  # the frame is being made again
            return ""

    def content_height(self) -> float:
        try:
            height = self.in_frame("frame", "document.querySelector('main')"
                                   "?.getBoundingClientRect().height ?? 0")
        except BidiError:
            return 0.0
        return float(height or 0)

    def ask(self, action: str, params: dict[str, Any]) -> Any:
        return self.firefox.extension(
            "browser.runtime.getBackgroundPage().then((page) => page.pocketCompanion.host"
            f".request({json.dumps(action)}, {json.dumps(params)}))")

    def save_link(self, url: str) -> None:
        tab = self.firefox.tab_id(self.firefox.evaluate(self.firefox.tab, "location.href"))
        info = json.dumps({"menuItemId": "save-link", "linkUrl": url})
        self.firefox.extension(f"""browser.runtime.getBackgroundPage().then((page) =>
            page.pocketCompanion.onMenuClicked({info}, {{id: {tab}, windowId: 1}}))
            .then((outcome) => outcome.ok)""")

    def close_reader(self) -> None:
        if self.context is not None:
            self.firefox.send("browsingContext.close", {"context": self.context})
        self.context = None


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Firefox]:
    binary = firefox_binary()
    need(binary is not None, "Firefox ESR is not installed")
    assert binary is not None
    folder = tmp_path_factory.mktemp("firefox-reader")
    browser = Firefox(binary, folder, Host(folder / "host", fake),
                      headless=not os.environ.get("DISPLAY"))
    yield browser
    browser.close()
    browser.host.stop()


@pytest.fixture(scope="module")
def pages() -> Iterator[ArticleSite]:
    with serve_articles() as site:
        yield site


@pytest.fixture
def recorder() -> Iterator[ArticleSite]:
    """A server nothing should ever reach: every hostile trick aims at it."""
    with serve_articles() as site:
        yield site


@pytest.fixture
def reader(firefox: Firefox) -> Iterator[FirefoxReader]:
    driver = FirefoxReader(firefox)
    yield driver
    driver.close_reader()


def test_a_toolbar_save_keeps_a_copy_the_reader_view_shows(reader: FirefoxReader,
                                                          pages: ArticleSite) -> None:
    readerpage.toolbar_save_shows_the_copy(reader, pages, reader.base)


def test_the_shortcut_keeps_a_copy(reader: FirefoxReader, pages: ArticleSite) -> None:
    need(have_display(), "the shortcut needs an X display (Xvfb) and xdotool")
    readerpage.gesture_captures(reader, pages, "fx-by-shortcut", lambda url: press_shortcut())


def test_the_pages_menu_item_keeps_a_copy(reader: FirefoxReader, pages: ArticleSite) -> None:
    need(have_display(), "the context menu needs an X display (Xvfb) and xdotool")
    firefox = reader.firefox

    def menu(url: str) -> None:
        # Firefox's own menu for the page, opened by a right click; our item is chosen with
        # its access key from the extension's entry (the first letter of its title)
        firefox.send("input.performActions", {"context": firefox.tab, "actions": [
            {"type": "pointer", "id": "mouse", "actions": [
                {"type": "pointerMove", "x": 200, "y": 150},
                {"type": "pointerDown", "button": 2}, {"type": "pointerUp", "button": 2}]}]})
        open_menu = """(() => document.getElementById('contentAreaContextMenu').state)()"""
        wait_until(lambda: firefox.evaluate(firefox.window, open_menu) == "open",
                   "the page's context menu")
        firefox.evaluate(firefox.window, """(() => {
            const menu = document.getElementById('contentAreaContextMenu');
            const item = [...menu.querySelectorAll('menuitem')].find((m) =>
              m.label === 'Save page to Pocket' && !m.hidden);
            menu.activateItem(item);
            return true;
        })()""")

    readerpage.gesture_captures(reader, pages, "fx-by-menu", menu)


def test_a_page_without_an_article_is_kept_as_a_link(reader: FirefoxReader,
                                                     pages: ArticleSite) -> None:
    readerpage.a_page_without_an_article_is_a_link_only(reader, pages, reader.base)


def test_a_saved_link_gets_a_fetched_copy_and_bad_pages_end_cleanly(
        reader: FirefoxReader, pages: ArticleSite) -> None:
    reader.show(pages.url("/article/fx-links-from-here"))
    readerpage.a_link_save_gets_a_fetched_copy(reader, reader.base)


def test_the_reader_remembers_the_position_and_marks_as_read(reader: FirefoxReader,
                                                             pages: ArticleSite) -> None:
    readerpage.reading_is_remembered_and_ends_with_mark_as_read(reader, pages, reader.base)


def test_hostile_copies_run_nothing_and_load_nothing(reader: FirefoxReader, pages: ArticleSite,
                                                     recorder: ArticleSite) -> None:
    hostilepage.hostile_copies_run_nothing_and_load_nothing(reader, recorder, reader.base, pages)


def test_the_sandboxed_frame_alone_holds_every_trick(reader: FirefoxReader, pages: ArticleSite,
                                                     recorder: ArticleSite) -> None:
    url = pages.url("/article/fx-sandboxed")
    readerpage.sample(reader.host, url, "fx-sandboxed")
    hostilepage.the_sandbox_alone_holds(reader, recorder, reader.base, url)


def test_images_load_only_once_allowed(reader: FirefoxReader, pages: ArticleSite,
                                       recorder: ArticleSite) -> None:
    hostilepage.images_load_only_when_allowed(reader, recorder, reader.base, pages)
