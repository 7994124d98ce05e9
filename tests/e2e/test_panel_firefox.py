"""The set-up page, the panel and the toolbar button in Firefox ESR (WebDriver BiDi: real
clicks and keys), with the real host and the fake Pocket server: the checks the Chromium
module runs, in the same order, on a browser and a list of their own."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.e2e import listpage, panelpage
from tests.e2e.firefox import Firefox
from tests.e2e.harness import Host, firefox_binary
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow


class FirefoxPage:
    """An extension page in a Firefox tab, as a ``panelpage.Page``."""

    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox = firefox
        self.context = context

    def eval(self, expression: str) -> Any:
        return self.firefox.evaluate(self.context, expression)

    def click(self, selector: str) -> None:
        self.firefox.click(self.context, selector)

    def type(self, selector: str, text: str) -> None:
        self.eval(f"document.querySelector({json.dumps(selector)}).focus()")
        self.firefox.keys(self.context, *text)

    def close(self) -> None:
        self.firefox.send("browsingContext.close", {"context": self.context})


class FirefoxBrowser:
    """Firefox as a ``panelpage.Browser``: tabs are browsing contexts."""

    name = "firefox"

    def __init__(self, firefox: Firefox) -> None:
        self.firefox = firefox
        self.host = firefox.host
        self.host_manifest = firefox.host_manifest
        self.extension_base = f"{firefox.base}/"
        self.inspector = f"{firefox.base}/popup/popup.html"  # the harness's own page

    def show(self, url: str) -> str:
        context: str = self.firefox.send("browsingContext.create", {"type": "tab"})["context"]
        self.firefox.navigate(context, url)
        self.firefox.activate(context)
        return context

    def url_of(self, context: str) -> str:
        tree = self.firefox.send("browsingContext.getTree", {"root": context, "maxDepth": 0})
        url: str = tree["contexts"][0]["url"]
        return url

    def tab_id(self, tab: str) -> int:
        return self.firefox.tab_id(self.url_of(tab))

    def button(self, tab: str) -> dict[str, str]:
        button: dict[str, str] = self.firefox.extension(f"""(async (tabId) => ({{
            text: await browser.action.getBadgeText({{tabId}}),
            title: await browser.action.getTitle({{tabId}}),
            popup: await browser.action.getPopup({{tabId}}),
            color: '#' + (await browser.action.getBadgeBackgroundColor({{tabId}})).slice(0, 3)
              .map((c) => c.toString(16).padStart(2, '0')).join('')}}))({self.tab_id(tab)})""")
        return button

    def click_button(self, tab: str) -> None:
        self.firefox.activate(tab)
        self.firefox.click_button()

    def background(self, expression: str) -> Any:
        return self.firefox.extension(
            "browser.runtime.getBackgroundPage().then(async (page) => { "
            f"const app = page.pocketCompanion; return await ({expression}); }})")

    def panel(self, tab: str) -> FirefoxPage:
        return self.page(f"popup/popup.html?tab={self.tab_id(tab)}")

    def page(self, path: str) -> FirefoxPage:
        return FirefoxPage(self.firefox, self.show(f"{self.extension_base}{path}"))

    def dark(self, on: bool) -> None:
        self.firefox.set_dark(on)

    def tab_urls(self) -> list[str]:
        urls: list[str] = self.firefox.extension(
            "browser.tabs.query({}).then((tabs) => tabs.map((t) => t.url))")
        return [url for url in urls if url != self.inspector]

    def close_tab(self, tab: str) -> None:
        self.firefox.send("browsingContext.close", {"context": tab})


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket
            ) -> Iterator[FirefoxBrowser]:
    binary = firefox_binary()
    need(binary is not None, "Firefox ESR is not installed")
    assert binary is not None
    folder = tmp_path_factory.mktemp("firefox-panel")
    host = Host(folder / "host", fake, consumer_key=False)
    firefox = Firefox(binary, folder, host, headless=not os.environ.get("DISPLAY"))
    yield FirefoxBrowser(firefox)
    firefox.close()
    host.stop()


@pytest.fixture(scope="module")
def welcome(browser: FirefoxBrowser) -> FirefoxPage:
    page = panelpage.welcome_follows_the_host(browser)
    assert isinstance(page, FirefoxPage)
    return page


def test_the_set_up_page_opens_once_on_install(browser: FirefoxBrowser) -> None:
    panelpage.opened_once_on_install(browser)
    for context in browser.firefox.top_contexts():
        if context["url"].startswith(browser.extension_base) and \
                context["url"] != browser.inspector:
            browser.close_tab(context["context"])


def test_the_set_up_page_says_what_to_run_until_the_program_works(welcome: FirefoxPage) -> None:
    assert welcome.eval("document.getElementById('program-mark').textContent") == "✓"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_set_up_page_in_light_and_dark_axe_and_contrast(
        browser: FirefoxBrowser, welcome: FirefoxPage, scheme: str) -> None:
    browser.dark(scheme == "dark")
    try:
        violations = listpage.axe_violations(
            lambda source: browser.firefox.run_script(welcome.context, source), welcome.eval)
        report = welcome.eval(listpage.CONTRAST)
    finally:
        browser.dark(False)
    print(f"Firefox, set-up page, {scheme}: lowest contrast {report['lowest']['ratio']:.2f} "
          f"({report['lowest']['what']}), {report['checked']} texts checked")
    assert violations == [] and report["failing"] == []


def test_the_set_up_page_says_how_in_firefoxs_words(browser: FirefoxBrowser,
                                                     welcome: FirefoxPage) -> None:
    panelpage.welcome_says_how_in_this_browser(browser, welcome)


def test_the_panels_text_is_14px(browser: FirefoxBrowser, site: str) -> None:
    panelpage.panel_text_is_14px(browser, site)


def test_pages_that_cannot_be_saved_say_so_once(browser: FirefoxBrowser) -> None:
    panelpage.unsaveable_pages_say_so_once(browser, ["about:blank#new", "about:robots"])


def test_a_missing_host_is_said_once_and_try_again_recovers(browser: FirefoxBrowser,
                                                            site: str) -> None:
    panelpage.missing_host_in_the_panel(browser, site)


def test_a_page_that_cannot_be_saved_without_the_host(browser: FirefoxBrowser) -> None:
    panelpage.unsaveable_page_without_host(browser, "about:blank#no-host")


def test_a_link_keeps_a_title_firefox_gives_its_text(browser: FirefoxBrowser,
                                                     site: str) -> None:
    panelpage.link_saves_keep_titles(browser, site, link_text="A link's own words")


def test_save_all_tabs_leaves_archived_pages_archived(browser: FirefoxBrowser,
                                                      site: str) -> None:
    panelpage.save_all_tabs_leaves_archived_pages(browser, site)


def test_remove_asks_nothing_and_undo_brings_it_back(browser: FirefoxBrowser,
                                                     site: str) -> None:
    panelpage.remove_then_undo(browser, site)


def test_an_invalid_tag_keeps_the_valid_ones_and_the_text(browser: FirefoxBrowser,
                                                          site: str) -> None:
    panelpage.tags_keep_the_valid_ones_and_the_text(browser, site)


def test_error_text_in_dark_mode_has_4_5_to_1(browser: FirefoxBrowser, site: str) -> None:
    report = panelpage.dark_errors_are_readable(browser, site)
    print(f"Firefox panel, dark, with a problem: lowest contrast {report['lowest']['ratio']:.2f}"
          f" ({report['lowest']['what']})")


def test_the_login_asks_for_the_key_in_the_panel_and_is_said_once(
        browser: FirefoxBrowser, fake: FakePocket, site: str) -> None:
    panelpage.consumer_key_then_login_said_once(browser, fake, site)


def test_the_badge_states_differ(browser: FirefoxBrowser, fake: FakePocket, site: str) -> None:
    panelpage.badge_states_differ(browser, fake, site)


def test_a_failed_sync_and_log_out_show_their_errors(browser: FirefoxBrowser,
                                                     fake: FakePocket, site: str) -> None:
    panelpage.sync_and_logout_errors_stay(browser, fake, site)


def test_log_out_asks_once_and_the_panel_forgets_the_account(browser: FirefoxBrowser,
                                                              site: str) -> None:
    panelpage.log_out_asks_once(browser, site)


def test_badges_clear_once_the_host_is_back(browser: FirefoxBrowser, site: str) -> None:
    panelpage.badges_clear_once_the_host_is_back(browser, site)
