"""The extension in real Chromium, talking to the real host, syncing to the fake Pocket server.

One browser serves the whole module (its tests run in order: saved locally, then logged
in from the panel, then synced saves); every test uses pages of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import need
from tests.e2e.chromium import Chromium
from tests.e2e.harness import (
    CHROMIUM,
    Host,
    have_display,
    press_keys,
    press_shortcut,
    wait_until,
)
from tests.fakepocket import FakePocket

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Chromium]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    folder = tmp_path_factory.mktemp("chromium")
    with sync_playwright() as playwright:
        browser = Chromium(playwright, folder, Host(folder / "host", fake))
        yield browser
        browser.close()
        browser.host.stop()


def test_toolbar_click_saves_locally_then_the_panel_logs_in_and_it_syncs(
        chromium: Chromium, site: str, fake: FakePocket) -> None:
    host = chromium.host
    page = chromium.open(f"{site}/first")
    chromium.click_button(page)
    button = chromium.outcome(page)
    assert button["text"] == "↑"
    item = host.saved(page.url)
    assert item["state"] == "pending" and item["title"] == "Page first"
    assert "on this computer" in button["title"] and "No account" in button["title"]
    assert button["popup"].endswith("/popup/popup.html")
    assert fake.add_count(page.url) == 0

    panel = chromium.panel(page)
    chromium.expect(panel, "text=In your reading list on this computer")
    chromium.expect(panel, "text=1 page is kept on this computer only.")
    chromium.expect(panel, "text=Shortcut: Alt+Shift+Y saves the page.")
    assert panel.inner_text("#versions") == "Extension 0.1.0 · program 0.1.0"
    assert "No account connected" in panel.inner_text("#account-text")
    panel.click("#login")
    chromium.expect(panel, "#account-text:has-text('Connected as')", timeout=60_000)
    assert host.cli("status")["account"]["server"] == fake.base_url
    wait_until(lambda: fake.add_count(page.url) == 1, "the pending page to reach the server")
    panel.close()

    # the service worker is stopped (its port closes, the host exits); a click wakes it
    chromium.evaluate("() => { globalThis.beforeTheStop = true; }")
    chromium.stop_worker()
    second = chromium.open(f"{site}/second")
    chromium.click_button(second)
    assert chromium.evaluate("() => globalThis.beforeTheStop ?? 'a new worker'") == "a new worker"
    item = wait_until(lambda: (i := host.item(second.url)) and i["state"] == "synced" and i,
                      "the second page synced")
    assert fake.add_count(second.url) == 1
    button = wait_until(lambda: (b := chromium.button(second))["text"] == "✔" and b, "badge")
    assert "Saved this page to your account" in button["title"]


def test_the_panel_adds_tags_archives_and_removes(chromium: Chromium, site: str) -> None:
    page = chromium.open(f"{site}/tagged")
    chromium.click_button(page)
    assert chromium.outcome(page)["text"] == "✔"
    panel = chromium.panel(page)
    chromium.expect(panel, "text=Saved and synced to your account")
    panel.fill("#tag-input", "Reading, later ")
    panel.click("#tag-form button")
    chromium.expect(panel, "#tags li:has-text('reading')")
    wait_until(lambda: sorted(chromium.host.saved(page.url)["tags"]) == ["later", "reading"],
               "the tags stored")
    panel.click("#tags li:has-text('later') button")
    wait_until(lambda: chromium.host.saved(page.url)["tags"] == ["reading"], "a tag removed")
    panel.click("#archive")
    chromium.expect(panel, "text=(archived)")
    assert chromium.host.saved(page.url)["status"] == "archived"
    panel.click("#remove")
    chromium.expect(panel, "text=Removed from your reading list.")
    assert chromium.host.item(page.url) is None
    panel.close()


def test_the_link_menu_saves_the_link_not_the_page(chromium: Chromium, site: str,
                                                   fake: FakePocket) -> None:
    need(have_display(), "the context menu needs an X display (Xvfb) and xdotool")
    page = chromium.open(f"{site}/with-link")
    page.bring_to_front()
    link = page.eval_on_selector("#link", "a => a.href")
    page.click("#link", button="right")  # the browser's own context menu opens
    page.wait_for_timeout(500)
    press_keys("Up", "Up", "Return")  # our item is the one above the last ("Inspect")
    item = wait_until(lambda: chromium.host.item(link), "the link in the list")
    assert item["url"] == link == f"{site}/linked/with-link"
    assert chromium.host.item(page.url) is None
    assert page.url == f"{site}/with-link"
    wait_until(lambda: fake.add_count(link) == 1, "the link on the server")


def test_save_all_tabs_of_a_window_is_one_batch(chromium: Chromium, site: str,
                                                fake: FakePocket) -> None:
    urls = [f"{site}/batch-{n}" for n in range(20)]
    window = chromium.evaluate("async (url) => (await chrome.windows.create({url})).id", urls)
    wait_until(lambda: chromium.evaluate(
        "async (windowId) => (await chrome.tabs.query({windowId}))"
        ".every((t) => t.status === 'complete' && t.url.startsWith('http'))", window),
        "20 tabs loaded")
    wait_until(lambda: chromium.host.cli("status")["pending"] == 0, "nothing waiting")
    sends_before = fake.call_count("/v3/send")
    adds_before = fake.call_count("/v3/add")
    chromium.evaluate("""async (windowId) => {
        const [tab] = await chrome.tabs.query({windowId, active: true});
        return pocketCompanion.onMenuClicked({menuItemId: "save-all-tabs"}, tab); }""", window)
    saved = wait_until(lambda: (items := chromium.host.items()) and
                       all(url in items for url in urls) and items, "all 20 tabs saved")
    assert all(saved[url]["state"] == "synced" for url in urls)
    sends = [call for call in fake.calls if call.path == "/v3/send"][sends_before:]
    assert len(sends) == 1, "one batch"
    actions = sends[0].params["actions"]
    actions = json.loads(actions) if isinstance(actions, str) else actions
    assert sorted(a["url"] for a in actions if a["action"] == "add") == sorted(urls)
    assert fake.call_count("/v3/add") == adds_before
    badges = chromium.evaluate("""async (windowId) => Promise.all((await chrome.tabs.query(
        {windowId})).map((t) => chrome.action.getBadgeText({tabId: t.id})))""", window)
    assert badges == ["✔"] * 20, "each on the account (the active tab: all of them)"
    chromium.evaluate("async (windowId) => chrome.windows.remove(windowId)", window)


def test_the_keyboard_shortcut_saves_the_page(chromium: Chromium, site: str) -> None:
    need(have_display(), "the shortcut needs an X display (Xvfb) and xdotool")
    page = chromium.open(f"{site}/by-keyboard")
    page.bring_to_front()
    page.click("h1")
    press_shortcut()
    item = wait_until(lambda: chromium.host.item(page.url), "the page saved by the shortcut")
    assert item["title"] == "Page by-keyboard"


def test_pages_already_in_the_list_are_marked(chromium: Chromium, site: str) -> None:
    url = f"{site}/known"
    chromium.host.cli("save", url)
    page = chromium.open(url)
    button = wait_until(lambda: (b := chromium.button(page))["text"] == "≡" and b, "the mark")
    assert "Already in your reading list" in button["title"]
    page.goto(f"{site}/unknown")
    wait_until(lambda: chromium.button(page)["text"] == "", "no mark on an unsaved page")
    assert chromium.button(page)["popup"] == "", "a click saves again"


def test_a_missing_host_tells_what_to_run_and_recovers(chromium: Chromium, site: str) -> None:
    manifest = chromium.host_manifest
    hidden = manifest.with_suffix(".off")
    manifest.rename(hidden)
    try:
        chromium.stop_worker()
        page = chromium.open(f"{site}/no-host")
        chromium.click_button(page)
        button = chromium.outcome(page)
        assert button["text"] == "!"
        assert "not installed for this browser" in button["title"]
        assert "“pocket-companion install”" in button["title"] and "`" not in button["title"]
        panel = chromium.panel(page)
        chromium.expect(panel, "#problem:has-text('not installed for this browser')")
        assert "pocket-companion install" in panel.inner_text("#problem-fix")
        assert "pocket-companion doctor" in panel.inner_text("#problem-fix")
    finally:
        hidden.rename(manifest)
    panel.click("#retry")
    chromium.expect(panel, "#save:visible")
    panel.click("#save")
    chromium.expect(panel, "text=Saved and synced to your account")
    assert chromium.host.saved(page.url)["state"] == "synced"
    assert Path(manifest).exists()


def test_a_broken_host_points_to_the_doctor(chromium: Chromium, site: str) -> None:
    launcher = chromium.host.launcher
    working = launcher.read_text()
    # what a launcher whose Python environment was removed does
    launcher.write_text("#!/bin/sh\necho 'No module named pocket_companion' >&2\nexit 1\n")
    try:
        chromium.stop_worker()
        page = chromium.open(f"{site}/broken-host")
        chromium.click_button(page)
        button = chromium.outcome(page)
        assert button["text"] == "!"
        assert "stopped unexpectedly" in button["title"]
        assert "“pocket-companion doctor”" in button["title"]
    finally:
        launcher.write_text(working)


def test_the_panel_logs_out(chromium: Chromium, site: str) -> None:
    page = chromium.open(f"{site}/before-logout")
    chromium.click_button(page)
    assert chromium.outcome(page)["text"] == "✔"
    other = chromium.panel(page)  # a second panel gets the messages meant for the first too
    chromium.expect(other, "#account-text:has-text('Connected as')")
    panel = chromium.panel(page)
    chromium.expect(panel, "#account-text:has-text('Connected as')")
    panel.click("#logout")
    panel.click("#logout-yes")  # asked once
    chromium.expect(panel, "text=Logged out. Your pages stay on this computer.")
    chromium.expect(panel, "#login:visible")
    assert chromium.host.cli("status")["account"] is None
    assert chromium.host.saved(page.url)["state"] == "synced"
