"""Each state of the toolbar button as it looks in real Chromium, pinned to the toolbar:
the X display's own pixels around the button, enlarged, into docs/screenshots/ (with a
labelled sheet of all of them for the README). Needs the X display (Xvfb) that
``scripts/with-services`` gives; the button's states themselves are checked in both
browsers by the panel modules."""

from __future__ import annotations

import base64
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.conftest import need
from tests.e2e import panelpage, screen
from tests.e2e.chromium import Chromium
from tests.e2e.harness import CHROMIUM, Host, wait_until
from tests.fakepocket import FakePocket
from tests.support.frames import REPO

pytestmark = pytest.mark.slow
SCREENSHOTS = REPO / "docs" / "screenshots"
WINDOW = ("--window-position=0,0", "--window-size=1000,500")
TOOLBAR = (0, 0, 1280, 110)  # the tab strip and the toolbar, where the button is
STATES = [  # name, badge colour, what the README says
    ("working", "#4b5563", "saving (here the program is slow to start)"),
    ("saved", "#15803d", "just saved, and on your account"),
    ("waiting", "#b45309", "kept on this computer, not on your account yet"),
    ("known", "#1d4ed8", "already in your reading list"),
    ("archived", "#6d28d9", "archived in your reading list"),
    ("failed", "#b91c1c", "not saved"),
]


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, fake: FakePocket) -> Iterator[Chromium]:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    need(bool(os.environ.get("DISPLAY")), "the toolbar is only drawn on an X display (Xvfb)")
    folder = tmp_path_factory.mktemp("chromium-badges")
    host = Host(folder / "host", fake)
    host.login()
    with sync_playwright() as playwright:
        browser = Chromium(playwright, folder, host, pinned=True, args=WINDOW)
        yield browser
        browser.close()
        host.stop()


def button_picture(colour: str) -> screen.Rows:
    """The pinned button and its badge, found on screen by the badge's colour, four times larger."""
    strip = wait_until(lambda: (rows := screen.grab(*TOOLBAR)) and screen.find(rows, colour)
                       and rows, f"a badge of {colour} on the toolbar")
    found = screen.find(strip, colour)
    assert found is not None
    x, y = found
    button = screen.trim(screen.crop(strip, x - 26, y - 22, 40, 34), pad=3)
    return screen.enlarge(button, 4)


@contextlib.contextmanager
def slow_start(chromium: Chromium) -> Iterator[None]:
    """The program takes three seconds to start (a busy computer), so "…" stays a while."""
    chromium.evaluate("() => pocketCompanion.host.close()")
    launcher = chromium.host.launcher
    working = launcher.read_text()
    launcher.write_text(working.replace("cd /\n", "cd /\nsleep 3\n", 1))
    try:
        yield
    finally:
        launcher.write_text(working)


def show(chromium: Chromium, page: Page, text: str) -> None:
    page.bring_to_front()
    wait_until(lambda: chromium.button(page)["text"] == text, f"the badge {text}")
    time.sleep(0.3)  # painted


def test_every_state_of_the_button(chromium: Chromium, fake: FakePocket, site: str) -> None:
    pictures: dict[str, screen.Rows] = {}
    colours = {name: colour for name, colour, _ in STATES}

    with slow_start(chromium):
        page = chromium.open(f"{site}/shot-working")
        chromium.click_button(page)
        show(chromium, page, "…")
        pictures["working"] = button_picture(colours["working"])
        chromium.outcome(page)

    page = chromium.open(f"{site}/shot-saved")
    chromium.click_button(page)
    assert chromium.outcome(page)["text"] == "✔"
    show(chromium, page, "✔")
    pictures["saved"] = button_picture(colours["saved"])

    with panelpage.server_down(fake):
        page = chromium.open(f"{site}/shot-waiting")
        chromium.click_button(page)
        assert chromium.outcome(page)["text"] == "↑"
    show(chromium, page, "↑")
    pictures["waiting"] = button_picture(colours["waiting"])

    chromium.host.cli("save", f"{site}/shot-known")
    chromium.host.cli("save", f"{site}/shot-archived")
    chromium.host.run("archive", f"{site}/shot-archived")
    chromium.host.run("sync")  # now, whatever pause the failed server left
    for name, text in (("known", "≡"), ("archived", "▣")):
        page = chromium.open(f"{site}/shot-{name}")
        show(chromium, page, text)
        pictures[name] = button_picture(colours[name])

    page = chromium.open("about:blank#shot-failed")
    chromium.click_button(page)
    show(chromium, page, "!")
    pictures["failed"] = button_picture(colours["failed"])

    for name, rows in pictures.items():
        screen.write_png(rows, SCREENSHOTS / f"badge-{name}.png")
    sheet = labelled_sheet(chromium, pictures)
    assert sheet.stat().st_size > 10_000


def labelled_sheet(chromium: Chromium, pictures: dict[str, screen.Rows]) -> Path:
    """The pictures in a row, each with its meaning under it (a page made for it)."""
    cells = "".join(
        f'<figure><img alt="" src="data:image/png;base64,{encoded(pictures[name])}">'
        f"<figcaption>{meaning}</figcaption></figure>" for name, _, meaning in STATES)
    page = chromium.context.new_page()
    page.set_content(
        "<!doctype html><style>body{margin:0;font:14px/1.3 system-ui,sans-serif;color:#1d2127}"
        "main{display:flex;gap:8px;padding:12px;background:#fff;width:max-content}"
        "figure{margin:0;width:180px;text-align:center}img{display:block;margin:0 auto 6px}"
        f"</style><main>{cells}</main>")
    path = SCREENSHOTS / "badges.png"
    page.locator("main").screenshot(path=str(path))
    page.close()
    return path


def encoded(rows: screen.Rows) -> str:
    return base64.b64encode(screen.png(rows)).decode()
