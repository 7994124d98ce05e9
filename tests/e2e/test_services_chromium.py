"""Connecting an account of each service from the extension's login form, in real Chromium,
with the real host and that service's fake server (tests/fakes/).

Each test starts a fresh browser and host (no account), opens the panel of a test page,
chooses the service, fills in its fields as a person would (the fake's credentials, its
address on 127.0.0.1), logs in, then saves the page with the toolbar button. It checks
that the page reached the fake exactly once, that the secrets were kept nowhere but in the
keychain, and that the panel shows the controls of what the service can do and hides the
others (linkding has no favourites). Readeck is connected with a code approved on
"another device" (the fake's test-side approval), linkding after a refused token. The login
form of every service, and the device code, are screenshot into docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Page, Playwright, sync_playwright

from tests.conftest import need
from tests.e2e import listpage
from tests.e2e.chromium import Chromium
from tests.e2e.harness import CHROMIUM, Host, wait_until
from tests.e2e.panelpage import PANEL
from tests.fakepocket import FakePocket
from tests.fakes.base import FakeService
from tests.fakes.instapaper import FakeInstapaper
from tests.fakes.karakeep import FakeKarakeep
from tests.fakes.linkding import FakeLinkding
from tests.fakes.readeck import FakeReadeck
from tests.fakes.wallabag import FakeWallabag
from tests.support.frames import REPO

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "docs" / "screenshots"
SERVICES = ["pocket", "wallabag", "readeck", "instapaper", "karakeep", "linkding"]
# the panel's control of each capability
CONTROLS = {"archive": "archive", "favorite": "favorite", "tags": "tag-form", "delete": "remove"}
# where each fake takes a new page (POST), below its prefix
ADDS = {"wallabag": r"/api/entries(\.json)?", "readeck": "/api/bookmarks",
        "instapaper": "/api/2/bookmarks", "karakeep": "/api/v1/bookmarks",
        "linkding": "/api/bookmarks"}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    with sync_playwright() as driver:
        yield driver


FONTS_LOADED = "document.fonts.status === 'loaded'"


@contextmanager
def fresh_browser(playwright: Playwright, folder: Path, pocket: FakePocket
                  ) -> Iterator[Chromium]:
    """A browser freshly installed, with a host of its own that has no account."""
    host = Host(folder / "host", pocket, consumer_key=False)
    chromium = Chromium(playwright, folder, host)
    try:
        yield chromium
    finally:
        chromium.close()
        chromium.host.stop()


def panel_of(chromium: Chromium, tab: Page, scheme: Literal["light", "dark"] = "light") -> Page:
    page = chromium.context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 380, "height": 700})
    page.goto(f"chrome-extension://{chromium.id}/popup/popup.html?tab={chromium.tab_id(tab)}")
    return page


def login_form(chromium: Chromium, panel: Page, service: str) -> None:
    """The panel's login form, for this service."""
    chromium.expect(panel, "#service:visible")
    panel.select_option("#service", service)
    wait_until(lambda: panel.evaluate(
        "document.querySelector('.login-fields').dataset.service") == service, "its form")


def shown(panel: Page) -> dict[str, Any]:
    state: dict[str, Any] = panel.evaluate(PANEL)
    return state


def connected(chromium: Chromium, panel: Page) -> None:
    chromium.expect(panel, "#account-text:has-text('Connected as')", timeout=60_000)


def save_with_the_button(chromium: Chromium, tab: Page) -> None:
    chromium.click_button(tab)
    button = chromium.outcome(tab)
    assert button["text"] == "✔", (button, chromium.host.cli("status"))
    assert chromium.host.saved(tab.url)["state"] == "synced"


def reached_once(fake: FakeService, service: str, url: str,
                 stored: Callable[[], list[str]]) -> None:
    """The page reached the fake exactly once: one accepted add, one item of that URL."""
    adds = [call for call in fake.requests("POST", ADDS[service])
            if call.request.param("url") == url and call.status < 300]
    assert len(adds) == 1, [(call.path, call.status) for call in adds]
    assert stored().count(url) == 1, stored()


def controls_follow(chromium: Chromium, tab: Page, service: str) -> dict[str, bool]:
    """A panel opened now on the saved page: the controls of what the service can do show,
    the others do not. Returns what showed."""
    hello = chromium.host.request("hello", {})
    assert hello["service"]["name"] == service and hello["account"]["service"] == service
    can = set(hello["service"]["capabilities"])
    panel = panel_of(chromium, tab)
    chromium.expect(panel, "#item:visible")
    wait_until(lambda: panel.evaluate("document.documentElement.dataset.lacks") is not None,
               "the service's capabilities")
    seen = {name: panel.is_visible(f"#{control}") for name, control in CONTROLS.items()}
    panel.close()
    assert seen == {name: name in can for name in CONTROLS}, (seen, can)
    return seen


def nothing_secret_kept(chromium: Chromium, panel: Page, *secrets: str) -> None:
    """The form forgot the secrets once sent; the host's config never had them."""
    assert panel.evaluate("[...document.querySelectorAll('input[type=password]')]"
                          ".every((input) => input.value === '')")
    config = (chromium.host.home / "config.json").read_text()
    for secret in secrets:
        assert secret not in config
        assert secret not in panel.url and secret not in panel.evaluate("document.body.innerText")


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tall = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 380, "height": max(600, tall)})  # no scroll bar
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 380, "height": 700})
    return path


# --- the form of each service ---------------------------------------------------------------


def test_every_services_form_is_legible_and_labelled(playwright: Playwright, fake: FakePocket,
                                                      site: str, tmp_path: Path) -> None:
    """Each service's form in light and dark: every text at least 4.5:1, no serious axe
    problem (labels among them); the light one is screenshot."""
    with fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/forms")
        for scheme in ("light", "dark"):
            panel = panel_of(chromium, tab, scheme)
            for service in SERVICES:
                login_form(chromium, panel, service)
                if service == "readeck":  # its token's field shows with its choice
                    panel.check("#sign-in-token input")
                if service == "pocket":  # its settings, unfolded
                    panel.evaluate("document.getElementById('login-details').open = true")
                wait_until(lambda page=panel: page.evaluate(FONTS_LOADED), "fonts")
                report = panel.evaluate(listpage.CONTRAST)
                violations = listpage.axe_violations(panel.evaluate, panel.evaluate)
                assert report["failing"] == [] and violations == [], (service, scheme, report[
                    "failing"], violations)
                unlabelled = panel.evaluate("""[...document.querySelectorAll(
                    '#login-form input, #login-form select')].filter((input) =>
                    !input.labels?.length).map((input) => input.id)""")
                assert unlabelled == [], (service, unlabelled)
                if scheme == "light":
                    if service == "readeck":
                        panel.check("#sign-in-window input")
                    assert shoot(panel, f"login-{service}").stat().st_size > 10_000
            panel.close()


# --- one account of each service ------------------------------------------------------------


def test_wallabag(playwright: Playwright, fake: FakePocket, site: str, tmp_path: Path) -> None:
    with FakeWallabag() as wallabag, fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/wallabag-page")
        panel = panel_of(chromium, tab)
        login_form(chromium, panel, "wallabag")
        panel.fill("#server", wallabag.base_url)
        panel.fill("#client-id", wallabag.CLIENT_ID)
        panel.fill("#username", wallabag.USERNAME)
        panel.fill("#client-secret", wallabag.CLIENT_SECRET)
        panel.fill("#password", wallabag.PASSWORD)
        panel.check("#stay-connected")
        panel.click("#login")
        connected(chromium, panel)
        assert shown(panel)["message"] == f"Logged in as {wallabag.USERNAME}."
        nothing_secret_kept(chromium, panel, wallabag.CLIENT_SECRET, wallabag.PASSWORD)
        options = json.loads((chromium.host.home / "config.json").read_text())["options"]
        assert options == {"client_id": wallabag.CLIENT_ID, "username": wallabag.USERNAME,
                           "stay_connected": "1"}, "the fields, the flag as \"1\""
        panel.close()
        save_with_the_button(chromium, tab)
        reached_once(wallabag, "wallabag", tab.url,
                     lambda: [entry.given_url for entry in wallabag.entries.values()])
        controls_follow(chromium, tab, "wallabag")
        panel = panel_of(chromium, tab)  # the panel's favourite reaches the account
        chromium.expect(panel, "#favorite:visible")
        assert panel.get_attribute("#favorite", "aria-pressed") == "false"
        panel.click("#favorite")
        wait_until(lambda: panel.get_attribute("#favorite", "aria-pressed") == "true",
                   "the favourite pressed")
        assert chromium.host.saved(tab.url)["favorite"] is True
        wait_until(lambda: [entry.starred for entry in wallabag.entries.values()] == [True],
                   "the entry starred on the server")
        panel.close()


def test_readeck_with_a_code_approved_on_another_device(
        playwright: Playwright, fake: FakePocket, site: str, tmp_path: Path) -> None:
    with FakeReadeck(device_interval=1.0) as readeck, \
            fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/readeck-page")
        panel = panel_of(chromium, tab)
        login_form(chromium, panel, "readeck")
        panel.fill("#server", readeck.base_url)
        panel.check("#sign-in-device input")
        panel.click("#login")
        chromium.expect(panel, "#device-code:visible")
        code = panel.inner_text("#device-code-value").strip()
        assert re.fullmatch(r"[A-Z0-9-]{6,12}", code), code
        link = panel.get_attribute("#device-code-link", "href")
        assert link is not None and link.startswith(readeck.base_url) and code in link
        assert panel.inner_text("#login-wait-text") == \
            "Waiting for you to approve the code on Readeck."
        how = " ".join(panel.inner_text("#device-code-how").split())
        assert how == f"Open {panel.inner_text('#device-code-link')} on any device and " \
            "enter the code", how
        assert panel.is_visible("#device-code-copy") and panel.is_visible("#login-cancel")
        assert panel.evaluate("getComputedStyle(document.getElementById('device-code-value'))"
                              ".fontFamily").startswith("ui-monospace")
        assert shoot(panel, "login-device-code").stat().st_size > 10_000
        again = panel_of(chromium, tab)  # a panel opened later shows the same code
        chromium.expect(again, "#device-code:visible")
        assert again.inner_text("#device-code-value").strip() == code
        again.close()
        readeck.approve_device(code)
        connected(chromium, panel)
        assert shown(panel)["message"] == f"Logged in as {readeck.USER}."
        panel.close()
        save_with_the_button(chromium, tab)
        reached_once(readeck, "readeck", tab.url,
                     lambda: [tab.url] * len(readeck.copies(tab.url)))
        controls_follow(chromium, tab, "readeck")


def token_login(chromium: Chromium, tab: Page, service: str, server: str, token: str) -> Page:
    panel = panel_of(chromium, tab)
    login_form(chromium, panel, service)
    panel.fill("#server", server)
    panel.fill("#token", token)
    panel.click("#login")
    connected(chromium, panel)
    nothing_secret_kept(chromium, panel, token)
    return panel


def test_instapaper(playwright: Playwright, fake: FakePocket, site: str, tmp_path: Path) -> None:
    with FakeInstapaper() as instapaper, fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/instapaper-page")
        token_login(chromium, tab, "instapaper", instapaper.base_url,
                    instapaper.issue_token()).close()
        save_with_the_button(chromium, tab)
        reached_once(instapaper, "instapaper", tab.url,
                     lambda: [b.url for b in instapaper.bookmarks.values()])
        controls_follow(chromium, tab, "instapaper")


def test_karakeep(playwright: Playwright, fake: FakePocket, site: str, tmp_path: Path) -> None:
    with FakeKarakeep() as karakeep, fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/karakeep-page")
        token_login(chromium, tab, "karakeep", karakeep.base_url, karakeep.issue_key()).close()
        save_with_the_button(chromium, tab)
        reached_once(karakeep, "karakeep", tab.url,
                     lambda: [b.url for b in karakeep.bookmarks.values()])
        controls_follow(chromium, tab, "karakeep")


def test_linkding_after_a_refused_token_and_without_favourites(
        playwright: Playwright, fake: FakePocket, site: str, tmp_path: Path) -> None:
    with FakeLinkding() as linkding, fresh_browser(playwright, tmp_path, fake) as chromium:
        tab = chromium.open(f"{site}/linkding-page")
        panel = panel_of(chromium, tab)
        login_form(chromium, panel, "linkding")
        panel.click("#login")  # no server, no token: the server is named first
        wait_until(lambda: panel.get_attribute("#server", "aria-invalid") == "true",
                   "the server marked")
        assert panel.evaluate("document.activeElement.id") == "server"
        panel.fill("#server", linkding.base_url)
        panel.fill("#token", "not-a-token-it-knows")
        panel.click("#login")
        wait_until(lambda: panel.get_attribute("#token", "aria-invalid") == "true",
                   "the refused token marked")
        described = panel.get_attribute("#token", "aria-describedby") or ""
        assert described.split() == ["token-error", "token-hint"], described
        assert panel.inner_text("#token-error") == "linkding refused this API token."
        assert panel.evaluate("document.activeElement.id") == "token"
        assert panel.input_value("#server") == linkding.base_url, "what is not secret stays"
        assert panel.input_value("#token") == "", "the secret was forgotten once sent"
        assert not shown(panel)["message"], "said beside the field only"
        panel.close()
        token = linkding.issue_token()
        token_login(chromium, tab, "linkding", linkding.base_url, token).close()
        save_with_the_button(chromium, tab)
        reached_once(linkding, "linkding", tab.url,
                     lambda: [b.url for b in linkding.bookmarks.values()])
        seen = controls_follow(chromium, tab, "linkding")
        assert seen == {"archive": True, "favorite": False, "tags": True, "delete": True}
        listing = chromium.open(f"chrome-extension://{chromium.id}/list/list.html")
        wait_until(lambda: listing.evaluate("document.documentElement.dataset.lacks")
                   == "favorite", "the reading list hides favourites too")
        wait_until(lambda: listing.locator("#results .item").count() > 0, "the list's rows")
        controls = listing.evaluate(listpage.CONTROLS)
        assert controls["favorite"] == 0 and controls["archive"] > 0, controls
