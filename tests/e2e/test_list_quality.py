"""The reading list with 1,003 pages in real Chromium: accessibility (axe-core) and text
contrast in light and dark mode, the screenshots in docs/screenshots/, and "select all
matching", which reaches pages that were never loaded.

The list is connected to the fake Pocket server and synced, except three pages saved
once the server started failing (it fails till the end): they show as waiting, and the
account says why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import need
from tests.e2e import listpage, seed
from tests.e2e.chromium import Chromium
from tests.e2e.harness import CHROMIUM, REPO, Host, wait_until
from tests.fakepocket import FakePocket
from tests.fakepocket.faults import Fault

pytestmark = pytest.mark.slow

SCREENSHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 860}


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket,
             site: str) -> Iterator[Chromium]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    folder = tmp_path_factory.mktemp("chromium-quality")
    host = Host(folder / "host", fake)
    seed.reading_list(host.home, host.env, 1000)
    host.login()
    host.run("sync")
    fake.inject(Fault(kind="status", status=503), times=10**6)  # down from now on
    for name in ("a-page-saved-offline", "another-one", "and-a-third"):
        host.cli("save", f"{site}/{name}", "--title", f"Saved while the server was down: {name}",
                 "--tag", "offline")
    with sync_playwright() as playwright:
        browser = Chromium(playwright, folder, host)
        yield browser
        browser.close()
        host.stop()
    fake.clear_faults()


@pytest.fixture(scope="module")
def page(chromium: Chromium) -> Page:
    shown = chromium.context.new_page()
    shown.set_viewport_size(VIEWPORT)
    shown.goto(f"chrome-extension://{chromium.id}/{listpage.LIST_PATH}?show=all")
    shown.wait_for_selector("#results .item")
    wait_until(lambda: "waiting" in shown.inner_text("#account-pending"), "the account's status")
    return shown


def reset(page: Page, scheme: str, address: str = "?show=all") -> None:
    """The page afresh at this address, in this colour scheme, its rows and account shown."""
    page.emulate_media(color_scheme=scheme)
    page.goto(f"{page.url.split('?')[0]}{address}")
    page.wait_for_selector("#results .item")
    wait_until(lambda: "waiting" in page.inner_text("#account-pending"), "the account's status")
    wait_until(lambda: page.evaluate("document.fonts.status === 'loaded'"), "the fonts")


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover on a row
    page.screenshot(path=str(path))
    return path


def select_rows(page: Page) -> None:
    """Three rows selected with the keyboard (x, j, x, j, x), the third one current."""
    page.click("#count")
    for key in ("j", "x", "j", "x", "j", "x"):
        page.keyboard.press(key)
    wait_until(lambda: page.inner_text("#picked") == "3 selected", "three rows selected")


def test_screenshots_light_dark_search_and_selection(page: Page) -> None:
    reset(page, "light")
    assert page.inner_text("#count") == "1,003 pages"
    shots = [shoot(page, "list-light")]
    reset(page, "dark")
    shots.append(shoot(page, "list-dark"))
    reset(page, "light", "?show=all&q=climate")
    wait_until(lambda: "match “climate”" in page.inner_text("#count"), "the search's count")
    shots.append(shoot(page, "list-search"))
    reset(page, "light", "")
    select_rows(page)
    shots.append(shoot(page, "list-selection"))
    assert all(shot.stat().st_size > 20_000 for shot in shots)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_list(page: Page, scheme: str) -> None:
    reset(page, scheme)
    found = {"the list": listpage.axe_violations(page.evaluate, page.evaluate)}
    select_rows(page)
    page.click('[data-bulk="tags"]')
    page.wait_for_selector("#tag-editor[open]")
    found["the tag editor on a selection"] = listpage.axe_violations(page.evaluate, page.evaluate)
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    found["the keys' help"] = listpage.axe_violations(page.evaluate, page.evaluate)
    page.keyboard.press("Escape")
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_panel(chromium: Chromium, site: str, scheme: str) -> None:
    shown = chromium.open(f"{site}/a-page-saved-offline")
    panel = chromium.panel(shown)
    panel.emulate_media(color_scheme=scheme)
    chromium.expect(panel, "#tags li")
    assert listpage.axe_violations(panel.evaluate, panel.evaluate) == []
    panel.close()
    shown.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_has_a_contrast_of_at_least_4_5(page: Page, scheme: str) -> None:
    reset(page, scheme)
    select_rows(page)  # the selected, current and focused rows' colours too
    page.click("[data-bulk='clear']")  # and the toast
    page.wait_for_selector("#toast:not([hidden])")
    report = page.evaluate(listpage.CONTRAST)
    print(f"{scheme}: lowest contrast {report['lowest']['ratio']:.2f} ({report['lowest']['what']}),"
          f" {report['checked']} texts checked")
    assert report["failing"] == []
    page.keyboard.press("?")
    dialog = page.evaluate(listpage.CONTRAST)
    page.keyboard.press("Escape")
    assert dialog["failing"] == []


def test_select_all_matching_reaches_pages_never_loaded(chromium: Chromium, page: Page) -> None:
    reset(page, "light", "?show=all&tag=food")
    total = chromium.host.request("list", {"tag": "food", "limit": 1})["total"]
    assert total > 100, "more pages match than the first page shows"
    page.check("#pick-loaded")
    page.click("#pick-everything")
    wait_until(lambda: page.inner_text("#picked") == f"All {total} pages selected", "every match")
    page.click('[data-bulk="favorite"]')
    wait_until(lambda: f"Added to favourites {total} pages." in page.inner_text("#toast-text"),
               "the bulk change's result", timeout=60)
    favourites = chromium.host.request("list", {"tag": "food", "favorite": True, "limit": 1})
    assert favourites["total"] == total
