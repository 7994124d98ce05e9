"""The reading-list page in Firefox ESR (WebDriver BiDi: real keys and clicks), with the
real host and the fake Pocket server: the same checks as in Chromium, on a list of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.e2e import listpage, seed
from tests.e2e.firefox import Firefox
from tests.e2e.harness import (
    LIST_SHORTCUT,
    Host,
    firefox_binary,
    have_display,
    press_keys,
    wait_until,
)
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow


class FirefoxList:
    """The reading-list page in Firefox, as a ``ListDriver``."""

    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox = firefox
        self.context = context
        self.host = firefox.host

    def eval(self, expression: str) -> Any:
        return self.firefox.evaluate(self.context, expression)

    def press(self, *keys: str) -> None:
        self.firefox.keys(self.context, *keys)

    def click(self, selector: str, shift: bool = False) -> None:
        self.firefox.click(self.context, selector, shift)

    def type(self, selector: str, text: str) -> None:
        self.eval(f"document.querySelector({json.dumps(selector)}).focus()")
        self.firefox.keys(self.context, *text)

    def tab_urls(self) -> list[str]:
        urls: list[str] = self.firefox.extension(
            "browser.tabs.query({}).then((tabs) => tabs.map((t) => t.url))")
        return urls

    def close_tab(self, url: str) -> None:
        self.firefox.extension(f"""browser.tabs.query({{}}).then((tabs) => browser.tabs.remove(
            tabs.filter((t) => t.url === {json.dumps(url)}).map((t) => t.id))).then(() => true)""")
        self.firefox.activate(self.context)


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Firefox]:
    binary = firefox_binary()
    need(binary is not None, "Firefox ESR is not installed")
    assert binary is not None
    folder = tmp_path_factory.mktemp("firefox-list")
    host = Host(folder / "host", fake)
    seed.reading_list(host.home, host.env, 40)
    browser = Firefox(binary, folder, host, headless=not os.environ.get("DISPLAY"))
    yield browser
    browser.close()
    host.stop()


def list_contexts(firefox: Firefox) -> list[str]:
    page = f"{firefox.base}/{listpage.LIST_PATH}"
    return [c["context"] for c in firefox.top_contexts() if c["url"].startswith(page)]


def list_tabs(firefox: Firefox) -> list[dict[str, Any]]:
    page = json.dumps(listpage.LIST_PATH)
    tabs: list[dict[str, Any]] = firefox.extension(f"""browser.tabs.query({{}}).then((tabs) =>
        tabs.filter((t) => t.url.startsWith(browser.runtime.getURL({page})))
            .map((t) => ({{id: t.id, active: t.active}})))""")
    return tabs


def background(firefox: Firefox, call: str) -> Any:
    return firefox.extension(
        f"browser.runtime.getBackgroundPage().then((page) => page.pocketCompanion.{call})")


@pytest.fixture
def listing(firefox: Firefox) -> FirefoxList:
    if not list_contexts(firefox):
        background(firefox, "listTab.open().then(() => true)")
    context = wait_until(lambda: list_contexts(firefox), "the reading list's tab")[0]
    firefox.activate(context)
    driver = FirefoxList(firefox, context)
    wait_until(lambda: driver.eval("document.querySelectorAll('#results .item').length"),
               "the list's rows")
    return driver


def test_the_list_opens_from_the_panel_the_menu_and_the_command_in_one_tab(
        firefox: Firefox, site: str) -> None:
    url = f"{site}/fx-list-opener"
    firefox.open(url)
    panel = firefox.send("browsingContext.create", {"type": "tab"})["context"]
    firefox.navigate(panel, f"{firefox.base}/popup/popup.html?tab={firefox.tab_id(url)}")
    account = "document.getElementById('account-text').textContent"
    # once the panel shows the account, its layout has settled: the link stays put
    wait_until(lambda: firefox.evaluate(panel, account), "the panel showing the account")
    firefox.click(panel, "#open-list")
    wait_until(lambda: [tab["active"] for tab in list_tabs(firefox)] == [True],
               "the list opened from the panel, in front")
    if panel in [c["context"] for c in firefox.top_contexts()]:
        firefox.send("browsingContext.close", {"context": panel})

    firefox.open(url)
    tab = firefox.tab_id(url)
    background(firefox, f'onMenuClicked({{menuItemId: "open-list"}}, {{id: {tab}, windowId: 1}})'
               ".then(() => true)")
    wait_until(lambda: [t["active"] for t in list_tabs(firefox)] == [True],
               "the menu brought the same tab to the front")

    firefox.send("browsingContext.close", {"context": list_contexts(firefox)[0]})
    need(have_display(), "the shortcut needs an X display (Xvfb) and xdotool")
    firefox.open(url)
    press_keys(LIST_SHORTCUT)
    wait_until(lambda: len(list_tabs(firefox)) == 1, "the list opened by Alt+Shift+U")
    firefox.open(url)
    press_keys(LIST_SHORTCUT)
    wait_until(lambda: list_tabs(firefox)[0]["active"], "the same tab in front again")
    assert len(list_tabs(firefox)) == 1


def test_search_narrows_to_the_right_rows(listing: FirefoxList) -> None:
    listpage.search_narrows_to_the_right_rows(listing)


def test_each_filter_shows_its_pages(listing: FirefoxList) -> None:
    listpage.each_filter_shows_its_pages(listing)


def test_the_keyboard_moves_archives_favourites_deletes_and_undoes(listing: FirefoxList) -> None:
    listpage.keyboard_moves_archives_favourites_and_deletes(listing)


def test_a_bulk_tag_on_a_shift_click_selection(listing: FirefoxList) -> None:
    listpage.bulk_tag_on_a_selection(listing)


def test_the_controls_follow_the_services_capabilities(listing: FirefoxList) -> None:
    listpage.controls_follow_the_service(listing)


def test_log_in_from_the_page_then_a_change_reaches_the_server_once(
        listing: FirefoxList, fake: FakePocket) -> None:
    listpage.log_in_from_the_page(listing)
    listpage.a_change_reaches_the_server_once(listing, fake)


def test_delete_then_undo_never_reaches_the_server(listing: FirefoxList, fake: FakePocket) -> None:
    listpage.delete_then_undo_with_the_mouse(listing, fake)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_and_contrast_on_the_list_and_the_panel(firefox: Firefox, listing: FirefoxList,
                                                    site: str, scheme: str) -> None:
    firefox.set_dark(scheme == "dark")
    url = f"{site}/fx-quality"
    firefox.host.cli("save", url, "--tag", "checked")
    firefox.open(url)
    panel = firefox.send("browsingContext.create", {"type": "tab", "background": True})["context"]
    firefox.navigate(panel, f"{firefox.base}/popup/popup.html?tab={firefox.tab_id(url)}")
    wait_until(lambda: firefox.evaluate(panel, "Boolean(document.querySelector('#tags li'))"),
               "the panel with the page's tags")
    found = {}
    for name, context in (("the list", listing.context), ("the panel", panel)):
        found[name] = listpage.axe_violations(
            lambda source, context=context: firefox.run_script(context, source),
            lambda expression, context=context: firefox.evaluate(context, expression))
    firefox.send("browsingContext.close", {"context": panel})
    assert found == {"the list": [], "the panel": []}
    report = listing.eval(listpage.CONTRAST)
    print(f"Firefox, {scheme}: lowest contrast {report['lowest']['ratio']:.2f} "
          f"({report['lowest']['what']}), {report['checked']} texts checked")
    assert report["failing"] == []
