"""Debian's Chromium with the unpacked extension, driven by Playwright (no downloaded browser).

The toolbar button is clicked with CDP's ``Extensions.triggerAction``; the service
worker is stopped with ``ServiceWorker.stopAllWorkers``; a handle on the live worker
reads the toolbar button's badge, tooltip and popup for a tab. With ``pinned`` the
button is on the toolbar from the start (as a person pins it), where the X display
shows it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page, Playwright, Worker
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.harness import CHROMIUM, EXTENSION, Host, extension_id, wait_until

FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--password-store=basic"]


def loading(extension: Path) -> list[str]:
    """The flags that load this unpacked extension (and no other)."""
    return [f"--disable-extensions-except={extension}", f"--load-extension={extension}"]


FINAL = ("✔", "↑", "!")  # a save's outcome: on the account, kept here for now, failed


class Chromium:
    def __init__(self, playwright: Playwright, folder: Path, host: Host,
                 pinned: bool = False, args: tuple[str, ...] = (),
                 extension: Path = EXTENSION) -> None:
        self.id = extension_id()
        self.host = host
        self.profile = folder / "profile"
        self.host_manifest = host.register_chromium(self.profile)
        if pinned:
            preferences = self.profile / "Default" / "Preferences"
            preferences.parent.mkdir(parents=True, exist_ok=True)
            preferences.write_text(json.dumps({"extensions": {"pinned_extensions": [self.id]}}))
        self.context: BrowserContext = playwright.chromium.launch_persistent_context(
            str(self.profile), executable_path=CHROMIUM, headless=not os.environ.get("DISPLAY"),
            ignore_default_args=["--disable-extensions"],
            args=[*FLAGS, *loading(extension), *args])
        self.console: list[str] = []
        self.context.on("console", lambda message: self.console.append(message.text))
        browser = self.context.browser
        assert browser is not None
        self.cdp: CDPSession = browser.new_browser_cdp_session()
        self.worker()

    def close(self) -> None:
        self.context.close()

    def worker(self) -> Worker:
        """The extension's running service worker (waiting for it to start if needed)."""
        for worker in self.context.service_workers:
            if self.id in worker.url:
                return worker
        return self.context.wait_for_event("serviceworker", timeout=20_000)

    def evaluate(self, script: str, arg: Any = None) -> Any:
        """Run a function in the service worker (where the listeners live)."""
        return self.worker().evaluate(script, arg)

    def open(self, url: str) -> Page:
        page = self.context.new_page()
        page.goto(url)
        return page

    def tab_id(self, page: Page) -> int:
        tab_id: int = self.evaluate(
            "async (url) => (await chrome.tabs.query({})).find((t) => t.url === url).id",
            page.url)
        return tab_id

    def button(self, page: Page) -> dict[str, str]:
        """The toolbar button as the person sees it on this tab (colour: ``#rrggbb``)."""
        button: dict[str, str] = self.evaluate("""async (tabId) => ({
            text: await chrome.action.getBadgeText({tabId}),
            title: await chrome.action.getTitle({tabId}),
            popup: await chrome.action.getPopup({tabId}),
            color: '#' + (await chrome.action.getBadgeBackgroundColor({tabId})).slice(0, 3)
              .map((c) => c.toString(16).padStart(2, '0')).join('')})""", self.tab_id(page))
        return button

    def click_button(self, page: Page) -> None:
        """Click the toolbar button on this tab (a page whose badge is still empty)."""
        target = next(t for t in self.cdp.send("Target.getTargets", {"filter": [{}]})["targetInfos"]
                      if t["type"] == "tab" and t["url"] == page.url)
        for _ in range(5):
            # just after start-up the browser may drop the click silently, and the set-up page
            # (opened on install) may have come to the front: bring the page back, click again
            page.bring_to_front()
            self.cdp.send("Extensions.triggerAction",
                          {"id": self.id, "targetId": target["targetId"]})
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                if self.button(page)["text"]:
                    return
                time.sleep(0.05)
        raise AssertionError("the toolbar button did not react")

    def outcome(self, page: Page) -> dict[str, str]:
        """The button once a save on this tab has finished (saved, kept here, or failed),
        read twice alike (its parts are read one by one: a state may come between)."""
        def final() -> dict[str, str] | None:
            button = self.button(page)
            done = button["text"] in FINAL and "sending it" not in button["title"]
            return button if done and self.button(page) == button else None

        return wait_until(final, "the save's outcome on the button")

    def stop_worker(self) -> None:
        """Stop the service worker as the browser does when it is idle."""
        page = self.open(f"chrome-extension://{self.id}/manifest.json")
        session = self.context.new_cdp_session(page)
        seen: list[str] = []

        def updated(event: dict[str, Any]) -> None:
            seen.extend(v["runningStatus"] for v in event["versions"] if self.id in v["scriptURL"])

        session.on("ServiceWorker.workerVersionUpdated", updated)
        session.send("ServiceWorker.enable")
        session.send("ServiceWorker.stopAllWorkers")
        deadline = time.monotonic() + 20
        # any browser event (a tab loading) may wake it again at once: seeing it stop is enough
        while "stopped" not in seen:
            assert time.monotonic() < deadline, f"the worker did not stop: {seen}"
            page.wait_for_timeout(50)  # lets Playwright deliver the events
        page.close()

    def panel(self, page: Page) -> Page:
        """The panel for this tab, opened as a page (the popup's own document)."""
        return self.open(f"chrome-extension://{self.id}/popup/popup.html?tab={self.tab_id(page)}")

    def expect(self, panel: Page, selector: str, timeout: float = 30_000) -> None:
        """Wait for ``selector`` in the panel; on failure, say what the panel showed instead."""
        try:
            panel.wait_for_selector(selector, timeout=timeout)
        except PlaywrightTimeout:
            shown = panel.inner_text("body")
            raise AssertionError(f"{selector} never showed. The panel shows:\n{shown}\n"
                                 f"Console: {self.console[-20:]}") from None
