"""The set-up page, the panel and the toolbar button in real Chromium, with the real host
and the fake Pocket server.

One browser, freshly installed, serves the module; its tests run in order. The host the
browser starts knows no consumer key, so the panel's login must be given one. Before the
login: the set-up page (with the program missing, broken, then fixed), the panel's text
size, pages that cannot be saved, a missing host, links, "Save all tabs", tags, remove
and undo, dark mode; then the login, the badges, failed syncs and log outs, and the host
coming back. The set-up page's screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import need
from tests.e2e import listpage, panelpage
from tests.e2e.chromium import Chromium
from tests.e2e.harness import CHROMIUM, Host, wait_until
from tests.fakepocket import FakePocket
from tests.support.frames import REPO

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "docs" / "screenshots"


class ChromiumPage:
    """An extension page in Chromium, as a ``panelpage.Page``."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def eval(self, expression: str) -> Any:
        return self.page.evaluate(f"(async () => ({expression}))()")

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def type(self, selector: str, text: str) -> None:
        self.page.focus(selector)
        self.page.keyboard.type(text)

    def close(self) -> None:
        self.page.close()


class ChromiumBrowser:
    """Chromium as a ``panelpage.Browser``: tabs are Playwright pages."""

    name = "chromium"

    def __init__(self, chromium: Chromium) -> None:
        self.chromium = chromium
        self.host = chromium.host
        self.host_manifest = chromium.host_manifest
        self.extension_base = f"chrome-extension://{chromium.id}/"
        self.scheme: Literal["light", "dark"] = "light"

    def new_page(self, url: str) -> Page:
        page = self.chromium.context.new_page()
        page.emulate_media(color_scheme=self.scheme)
        page.goto(url)
        page.bring_to_front()
        return page

    def show(self, url: str) -> Page:
        return self.new_page(url)

    def tab_id(self, tab: Page) -> int:
        return self.chromium.tab_id(tab)

    def button(self, tab: Page) -> dict[str, str]:
        return self.chromium.button(tab)

    def click_button(self, tab: Page) -> None:
        self.chromium.click_button(tab)

    def background(self, expression: str) -> Any:
        return self.chromium.evaluate("async () => { const app = globalThis.pocketCompanion; "
                                      f"return await ({expression}); }}")

    def panel(self, tab: Page) -> ChromiumPage:
        return self.page(f"popup/popup.html?tab={self.tab_id(tab)}")

    def page(self, path: str) -> ChromiumPage:
        return ChromiumPage(self.new_page(f"{self.extension_base}{path}"))

    def dark(self, on: bool) -> None:
        self.scheme = "dark" if on else "light"

    def tab_urls(self) -> list[str]:
        urls: list[str] = self.chromium.evaluate(
            "async () => (await chrome.tabs.query({})).map((t) => t.pendingUrl || t.url)")
        return urls

    def close_tab(self, tab: Page) -> None:
        tab.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket
            ) -> Iterator[ChromiumBrowser]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    folder = tmp_path_factory.mktemp("chromium-panel")
    with sync_playwright() as playwright:
        chromium = Chromium(playwright, folder, Host(folder / "host", fake, consumer_key=False))
        yield ChromiumBrowser(chromium)
        chromium.close()
        chromium.host.stop()


@pytest.fixture(scope="module")
def welcome(browser: ChromiumBrowser) -> ChromiumPage:
    page = panelpage.welcome_follows_the_host(
        browser, lambda missing: shoot(missing.page, "welcome-missing"))  # type: ignore[attr-defined]
    assert isinstance(page, ChromiumPage)
    return page


def test_the_set_up_page_opens_once_on_install(browser: ChromiumBrowser) -> None:
    panelpage.opened_once_on_install(browser)
    for page in browser.chromium.context.pages:
        if page.url.startswith(browser.extension_base):
            page.close()


def test_the_set_up_page_says_what_to_run_until_the_program_works(
        welcome: ChromiumPage) -> None:
    assert welcome.eval("document.getElementById('program-mark').textContent") == "✓"


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.set_viewport_size({"width": 900, "height": 1000})
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_set_up_page_in_light_and_dark_axe_contrast_and_screenshots(
        welcome: ChromiumPage, scheme: Literal["light", "dark"]) -> None:
    welcome.page.emulate_media(color_scheme=scheme)
    wait_until(lambda: welcome.eval("document.fonts.status === 'loaded'"), "the fonts")
    violations = listpage.axe_violations(welcome.page.evaluate, welcome.page.evaluate)
    report = welcome.eval(listpage.CONTRAST)
    print(f"set-up page, {scheme}: lowest contrast {report['lowest']['ratio']:.2f} "
          f"({report['lowest']['what']}), {report['checked']} texts checked")
    assert violations == [] and report["failing"] == []
    assert shoot(welcome.page, f"welcome-{scheme}").stat().st_size > 20_000


def test_the_set_up_page_says_how_in_chromiums_words(browser: ChromiumBrowser,
                                                      welcome: ChromiumPage) -> None:
    welcome.page.emulate_media(color_scheme="light")
    panelpage.welcome_says_how_in_this_browser(browser, welcome)


def test_the_panels_text_is_14px(browser: ChromiumBrowser, site: str) -> None:
    panelpage.panel_text_is_14px(browser, site)


def test_pages_that_cannot_be_saved_say_so_once(browser: ChromiumBrowser) -> None:
    panelpage.unsaveable_pages_say_so_once(browser, ["about:blank#new", "chrome://version/"])


def test_a_missing_host_is_said_once_and_try_again_recovers(browser: ChromiumBrowser,
                                                            site: str) -> None:
    panelpage.missing_host_in_the_panel(browser, site)


def test_a_page_that_cannot_be_saved_without_the_host(browser: ChromiumBrowser) -> None:
    panelpage.unsaveable_page_without_host(browser, "about:blank#no-host")


def test_a_link_keeps_a_title_chromium_gives_no_link_text(browser: ChromiumBrowser,
                                                          site: str) -> None:
    panelpage.link_saves_keep_titles(browser, site, link_text=None)


def test_save_all_tabs_leaves_archived_pages_archived(browser: ChromiumBrowser,
                                                      site: str) -> None:
    panelpage.save_all_tabs_leaves_archived_pages(browser, site)


def test_remove_asks_nothing_and_undo_brings_it_back(browser: ChromiumBrowser,
                                                     site: str) -> None:
    def refuse(dialog: Any) -> None:
        raise AssertionError(f"a dialog was shown: {dialog.message}")

    browser.chromium.context.on("dialog", refuse)
    panelpage.remove_then_undo(browser, site)


def test_an_invalid_tag_keeps_the_valid_ones_and_the_text(browser: ChromiumBrowser,
                                                          site: str) -> None:
    panelpage.tags_keep_the_valid_ones_and_the_text(browser, site)


def test_error_text_in_dark_mode_has_4_5_to_1(browser: ChromiumBrowser, site: str) -> None:
    report = panelpage.dark_errors_are_readable(browser, site)
    print(f"panel, dark, with a problem: lowest contrast {report['lowest']['ratio']:.2f} "
          f"({report['lowest']['what']})")


def test_the_login_asks_for_the_key_in_the_panel_and_is_said_once(
        browser: ChromiumBrowser, fake: FakePocket, site: str) -> None:
    panelpage.consumer_key_then_login_said_once(browser, fake, site)


def test_the_badge_states_differ(browser: ChromiumBrowser, fake: FakePocket,
                                 site: str) -> None:
    panelpage.badge_states_differ(browser, fake, site)


def test_a_failed_sync_and_log_out_show_their_errors(browser: ChromiumBrowser,
                                                     fake: FakePocket, site: str) -> None:
    panelpage.sync_and_logout_errors_stay(browser, fake, site)


def test_log_out_asks_once_and_the_panel_forgets_the_account(browser: ChromiumBrowser,
                                                              site: str) -> None:
    panelpage.log_out_asks_once(browser, site)


def test_badges_clear_once_the_host_is_back(browser: ChromiumBrowser, site: str) -> None:
    panelpage.badges_clear_once_the_host_is_back(browser, site)
