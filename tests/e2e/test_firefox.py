"""The same extension in Firefox ESR (WebDriver BiDi, no geckodriver), through the real host."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.e2e.firefox import Firefox
from tests.e2e.harness import (
    Host,
    firefox_binary,
    have_display,
    press_shortcut,
    wait_until,
)
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Firefox]:
    binary = firefox_binary()
    need(binary is not None, "Firefox ESR is not installed")
    assert binary is not None
    folder = tmp_path_factory.mktemp("firefox")
    browser = Firefox(binary, folder, Host(folder / "host", fake),
                      headless=not os.environ.get("DISPLAY"))
    yield browser
    browser.close()
    browser.host.stop()


def background(firefox: Firefox, call: str) -> object:
    """Call into the background page's app (the functions its listeners run)."""
    return firefox.extension(
        f"browser.runtime.getBackgroundPage().then((page) => page.pocketCompanion.{call})")


def test_toolbar_click_saves_locally_and_to_the_server_once_logged_in(
        firefox: Firefox, site: str, fake: FakePocket) -> None:
    first = f"{site}/fx-first"
    firefox.open(first)
    firefox.click_button()
    item = wait_until(lambda: firefox.host.item(first), "the page in the local list")
    assert item["state"] == "pending" and item["title"] == "Page fx-first"
    button = wait_until(lambda: (b := firefox.button(first))["text"] == "↑" and b, "the badge")
    assert "on this computer" in button["title"]
    assert button["popup"] == f"{firefox.base}/popup/popup.html"

    firefox.host.login()
    second = f"{site}/fx-second"
    firefox.open(second)
    firefox.click_button()
    wait_until(lambda: (i := firefox.host.item(second)) and i["state"] == "synced",
               "the second page synced")
    assert fake.add_count(second) == 1
    wait_until(lambda: fake.add_count(first) == 1, "the first page sent after the login")


def test_the_keyboard_shortcut_saves_the_page(firefox: Firefox, site: str) -> None:
    need(have_display(), "the shortcut needs an X display (Xvfb) and xdotool")
    url = f"{site}/fx-keyboard"
    firefox.open(url)
    press_shortcut()
    item = wait_until(lambda: firefox.host.item(url), "the page saved by the shortcut")
    assert item["title"] == "Page fx-keyboard"


def test_the_link_menu_saves_the_link(firefox: Firefox, site: str) -> None:
    page = f"{site}/fx-links"
    firefox.open(page)
    link = f"{site}/linked/fx-links"
    info = {"menuItemId": "save-link", "linkUrl": link, "linkText": "A link from fx-links"}
    tab = firefox.tab_id(page)
    background(firefox, f"onMenuClicked({json.dumps(info)}, {{id: {tab}, windowId: 1}})")
    item = wait_until(lambda: firefox.host.item(link), "the link in the list")
    assert item["title"] == "A link from fx-links"
    assert firefox.host.item(page) is None


def test_saved_pages_are_marked(firefox: Firefox, site: str) -> None:
    url = f"{site}/fx-known"
    firefox.host.cli("save", url)
    firefox.open(url)
    button = wait_until(lambda: (b := firefox.button(url))["text"] == "≡" and b, "the mark")
    assert "Already in your reading list" in button["title"]


def test_a_missing_host_tells_what_to_run(firefox: Firefox, site: str) -> None:
    manifest = firefox.host_manifest
    hidden = manifest.with_suffix(".off")
    background(firefox, "host.close()")  # as when the port has been idle
    manifest.rename(hidden)
    try:
        url = f"{site}/fx-no-host"
        firefox.open(url)
        firefox.click_button()
        button = wait_until(lambda: (b := firefox.button(url))["text"] == "!" and b, "the error")
        assert "not installed for this browser" in button["title"]
        assert "“pocket-companion install”" in button["title"] and "`" not in button["title"]
    finally:
        hidden.rename(manifest)
    firefox.open(f"{site}/fx-back")
    firefox.click_button()
    wait_until(lambda: firefox.host.item(f"{site}/fx-back"), "a save once the host is back")
