"""The reading-list page in real Chromium, with the real host and the fake Pocket server.

One browser serves the module; its tests run in order on one list of 40 pages: opened
from the panel, the menu and the shortcut, searched, filtered, driven by the keyboard,
tagged in bulk, then (once logged in from the page) changed and deleted with an undo.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import need
from tests.e2e import listpage, seed
from tests.e2e.chromium import Chromium
from tests.e2e.harness import (
    CHROMIUM,
    LIST_SHORTCUT,
    REPO,
    Host,
    have_display,
    press_keys,
    wait_until,
)
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow


class ChromiumList:
    """The reading-list page in Chromium, as a ``ListDriver``."""

    def __init__(self, browser: Chromium, page: Page) -> None:
        self.browser = browser
        self.page = page
        self.host = browser.host

    def eval(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def click(self, selector: str, shift: bool = False) -> None:
        self.page.click(selector, modifiers=["Shift"] if shift else None)

    def type(self, selector: str, text: str) -> None:
        self.page.focus(selector)
        self.page.keyboard.type(text)

    def tab_urls(self) -> list[str]:
        urls: list[str] = self.browser.evaluate(
            "async () => (await chrome.tabs.query({})).map((t) => t.pendingUrl || t.url)")
        return urls

    def close_tab(self, url: str) -> None:
        self.browser.evaluate("""async (url) => chrome.tabs.remove((await chrome.tabs.query({}))
            .filter((t) => (t.pendingUrl || t.url) === url).map((t) => t.id))""", url)
        self.page.bring_to_front()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Chromium]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    folder = tmp_path_factory.mktemp("chromium-list")
    host = Host(folder / "host", fake)
    seed.reading_list(host.home, host.env, 40)
    with sync_playwright() as playwright:
        browser = Chromium(playwright, folder, host)
        yield browser
        browser.close()
        host.stop()


def list_pages(chromium: Chromium) -> list[Page]:
    chromium.evaluate("() => 0")  # a round trip: Playwright takes in tabs opened meanwhile
    return [page for page in chromium.context.pages if listpage.LIST_PATH in page.url]


def list_tabs(chromium: Chromium) -> list[dict[str, Any]]:
    """The browser's tabs showing the reading list, and whether each is the active one."""
    tabs: list[dict[str, Any]] = chromium.evaluate("""async (path) => {
        const page = chrome.runtime.getURL(path);
        return (await chrome.tabs.query({})).filter((t) => t.url.startsWith(page))
            .map((t) => ({id: t.id, active: t.active}));
    }""", listpage.LIST_PATH)
    return tabs


@pytest.fixture
def listing(chromium: Chromium) -> ChromiumList:
    """The reading list's page (opened through the background when it is not open)."""
    if not list_pages(chromium):
        chromium.evaluate("() => pocketCompanion.listTab.open()")
    page = wait_until(lambda: list_pages(chromium), "the reading list's tab")[0]
    page.bring_to_front()
    page.wait_for_selector("#results .item")
    return ChromiumList(chromium, page)


def test_the_list_opens_from_the_panel_the_menu_and_the_command_in_one_tab(
        chromium: Chromium, site: str) -> None:
    page = chromium.open(f"{site}/list-opener")
    panel = chromium.panel(page)
    panel.click("#open-list")
    opened = wait_until(lambda: list_pages(chromium), "the list opened from the panel")[0]
    opened.wait_for_selector("#results .item")
    assert [tab["active"] for tab in list_tabs(chromium)] == [True]

    page.bring_to_front()
    chromium.evaluate("""async () => {
        const [tab] = await chrome.tabs.query({active: true, lastFocusedWindow: true});
        return pocketCompanion.onMenuClicked({menuItemId: "open-list"}, tab); }""")
    first = list_tabs(chromium)[0]["id"]
    wait_until(lambda: list_tabs(chromium) == [{"id": first, "active": True}],
               "the menu brought the same tab to the front")

    opened.close()
    if have_display():
        page.bring_to_front()
        page.click("h1")
        press_keys(LIST_SHORTCUT)
        wait_until(lambda: len(list_tabs(chromium)) == 1, "the list opened by Alt+Shift+U")
        page.bring_to_front()
        page.click("h1")
        press_keys(LIST_SHORTCUT)
        wait_until(lambda: list_tabs(chromium)[0]["active"], "the same tab in front again")
        assert len(list_tabs(chromium)) == 1
    else:
        need(False, "the shortcut needs an X display (Xvfb) and xdotool")


def test_search_narrows_to_the_right_rows(listing: ChromiumList) -> None:
    listpage.search_narrows_to_the_right_rows(listing)


def test_each_filter_shows_its_pages(listing: ChromiumList) -> None:
    listpage.each_filter_shows_its_pages(listing)


def test_the_keyboard_moves_archives_favourites_deletes_and_undoes(listing: ChromiumList) -> None:
    listpage.keyboard_moves_archives_favourites_and_deletes(listing)


def test_a_bulk_tag_on_a_shift_click_selection(listing: ChromiumList) -> None:
    listpage.bulk_tag_on_a_selection(listing)


def test_the_controls_follow_the_services_capabilities(listing: ChromiumList) -> None:
    listpage.controls_follow_the_service(listing)


def test_log_in_from_the_page_then_a_change_reaches_the_server_once(
        listing: ChromiumList, fake: FakePocket) -> None:
    listpage.log_in_from_the_page(listing)
    listpage.a_change_reaches_the_server_once(listing, fake)


def test_delete_then_undo_never_reaches_the_server(listing: ChromiumList, fake: FakePocket) -> None:
    listpage.delete_then_undo_with_the_mouse(listing, fake)


def test_a_missing_host_says_what_to_run_and_try_again_recovers(listing: ChromiumList) -> None:
    chromium = listing.browser
    manifest = chromium.host_manifest
    hidden = manifest.with_suffix(".off")
    chromium.evaluate("() => pocketCompanion.host.close()")
    manifest.rename(hidden)
    try:
        listing.page.reload()
        listing.page.wait_for_selector("#problem:not([hidden])")
        shown = listpage.state(listing)
        assert "not installed for this browser" in shown["problem"]
        assert "pocket-companion install" in shown["problem"]
        assert shown["count"] == "Could not load your reading list."
    finally:
        hidden.rename(manifest)
    listing.click("#retry")
    listpage.settled(listing, "the rows after Try again",
                     lambda s: s["problem"] is None and len(s["rows"]) > 0)


def pocket_zip(folder: Path) -> Path:
    """Pocket's export as people download it: a zip of ``part_*.csv`` files."""
    path = folder / "pocket.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted((REPO / "tests" / "fixtures" / "imports" / "pocket").iterdir()):
            archive.write(part, f"pocket/{part.name}")
    return path


def comparable(items: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {url: (item["title"], item["status"], item["favorite"], sorted(item["tags"]),
                  item["saved_at"]) for url, item in items.items()}


def test_import_a_pocket_zip_then_export_a_file_that_imports_back(
        listing: ChromiumList, fake: FakePocket, tmp_path: Path) -> None:
    page = listing.page
    before = len(listing.host.items())
    with page.expect_file_chooser() as chooser:
        listing.click("#import")
    chooser.value.set_files(str(pocket_zip(tmp_path)))
    page.wait_for_selector("#transfer-status:text-matches('^Imported')", timeout=30_000)
    status = page.text_content("#transfer-status") or ""
    problems = page.eval_on_selector_all("#transfer-problems li",
                                         "(lines) => lines.map((line) => line.textContent)")
    assert status.startswith("Imported: 6 added"), status
    assert "2 rows could not be imported" in status, status
    assert any("part_000000.csv:10" in line and "http" in line for line in problems), problems
    section = page.locator("#transfer")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(REPO / "docs" / "screenshots" / "list-import.png"))
    assert len(listing.host.items()) == before + 6
    shown = listpage.show(listing, "all")
    assert "https://example.org/#test" in listpage.urls(shown)
    assert "Example.net" in [row["title"] for row in shown["rows"]]

    listing.page.select_option("#export-format", "json")
    with page.expect_download() as download:
        listing.click("#export")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("reading-list-") and saved.suffix == ".json"
    page.wait_for_selector("#transfer-status:text-matches('^Exported')")
    fresh = Host(tmp_path / "fresh", fake)
    assert fresh.cli("import", str(saved))["added"] == before + 6
    assert comparable(fresh.items()) == comparable(listing.host.items())
