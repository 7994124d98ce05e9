"""Finding 5 of the security review: the login window stays on the server's site.

A hostile "Pocket server" (:mod:`tests.support.hostile`) serves an authorize page that
tries each trick from the review; the real host starts the real login window for it
(under a private Xvfb, so a real X click can be made where a person's click is the
point) with recorders in place of the system browser and of the system's URL opener
(``xdg-open``, ``gio``). What the page tried and what it saw come back to the server.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.account.login.window_policy import MAX_OPENS, Policy

from tests.conftest import need
from tests.support.desktop import have, url_recorder, xvfb
from tests.support.frames import HostProcess
from tests.support.hostile import Site, hostile
from tests.support.hostio import host_env


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    need(have("Xvfb", "xdotool"), "Xvfb and xdotool are not installed")
    with xvfb() as server:
        yield server


class Run:
    """One login against the hostile server, until its page says it is done."""

    def __init__(self, tmp_path: Path, site: Site, display: str) -> None:
        self.opened = tmp_path / "opened.txt"
        self.env = host_env(tmp_path)
        tools = tmp_path / "bin"
        tools.mkdir()
        for opener in ("xdg-open", "gio", "kde-open", "gnome-open"):  # the OS URL handlers
            script = tools / opener
            script.write_text(f'#!/bin/sh\necho "{opener} $*" >> "{self.opened}"\n')
            script.chmod(0o755)
        self.env.update({
            "POCKET_BASE_URL": site.origin, "POCKET_CONSUMER_KEY": "1234-hostile",
            "BROWSER": url_recorder(self.opened), "DISPLAY": display,
            "PATH": f"{tools}:{os.environ['PATH']}", "POCKET_COMPANION_LOG_LEVEL": "DEBUG",
        })
        self.home = Path(self.env["POCKET_COMPANION_HOME"])
        self.host = HostProcess(self.env)
        self.host.send({"id": 1, "action": "login", "params": {"timeout": 60}})
        self.shown = self.host.read()
        assert self.shown.get("event") == "progress", self.shown

    def until(self, check: Callable[[], object], wait: float = 20.0) -> None:
        deadline = time.monotonic() + wait
        while not check():
            assert time.monotonic() < deadline, "the hostile page never got that far"
            time.sleep(0.1)

    def finish(self) -> dict[str, Any]:
        """Cancel the login (if still waiting); the login's reply."""
        self.host.send({"id": 2, "action": "login_cancel"})
        replies = {}
        while len(replies) < 2:
            message = self.host.read()
            assert message is not None
            if "event" not in message:
                replies[message["id"]] = message
        self.host.close()
        return replies[1]

    def handed_out(self) -> list[str]:
        return self.opened.read_text().splitlines() if self.opened.exists() else []

    def log(self) -> str:
        return (self.home / "logs" / "pocket-companion.log").read_text()


def click_window(display: str) -> None:
    """A real X click in the middle of the login window."""
    env = {**os.environ, "DISPLAY": display}
    found = subprocess.run(["xdotool", "search", "--sync", "--name", "Sign in - Pocket"],
                           capture_output=True, text=True, env=env, timeout=30)
    window = found.stdout.split()[0]
    subprocess.run(["xdotool", "windowactivate", "--sync", window], env=env, timeout=30,
                   capture_output=True)
    subprocess.run(["xdotool", "mousemove", "--window", window, "200", "200", "click", "1"],
                   env=env, timeout=30, check=True)


def test_no_url_scheme_reaches_the_system_opener(display: str, tmp_path: Path) -> None:
    with hostile("schemes") as (site, _):
        run = Run(tmp_path, site, display)
        run.until(lambda: site.report("done"))
        click_window(display)  # a person's click on a page-wide evilscheme: link
        time.sleep(2)
        reply = run.finish()
    assert run.handed_out() == []  # neither the browser nor xdg-open/gio saw anything
    assert reply["error"]["code"] == "login_cancelled"  # the window stayed until cancelled
    assert "login window ended (exit code 2, cancelled)" in run.log()


def test_no_window_opens_without_a_click(display: str, tmp_path: Path) -> None:
    with hostile("popups") as (site, other):
        run = Run(tmp_path, site, display)
        run.until(lambda: site.report("done"))
        time.sleep(1)
        run.finish()
    assert run.handed_out() == []
    assert other.seen == []


def test_a_page_that_goes_elsewhere_never_runs_there(display: str, tmp_path: Path) -> None:
    with hostile("foreign") as (site, other):
        run = Run(tmp_path, site, display)
        run.until(run.handed_out)  # the sign-in goes on in the browser
        reply = run.finish()
    assert other.seen == [] and site.report("foreign-ran") == []  # never loaded in the window
    [handed] = run.handed_out()
    # the browser gets a one-time loopback address, not the other site's (nor any token)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/go/[\w-]+", handed), handed
    assert "login window ended (exit code 4, left)" in run.log()
    assert reply["error"]["code"] == "login_cancelled"


def test_frames_from_other_sites_never_load(display: str, tmp_path: Path) -> None:
    with hostile("iframe") as (site, other):
        run = Run(tmp_path, site, display)
        run.until(lambda: site.report("done"))
        run.finish()
    assert other.seen == [] and site.report("foreign-ran") == []


def test_page_script_cannot_reach_the_bridge_to_python(display: str, tmp_path: Path) -> None:
    with hostile("bridge") as (site, _):
        run = Run(tmp_path, site, display)
        run.until(lambda: site.report("done"))
        run.finish()
    assert site.report("qt") == ["undefined"]
    assert site.report("pywebview") == ["undefined"]
    assert site.report("external") == []
    assert "bridge" not in run.log() and "Traceback" not in run.log()


def test_pop_up_tricks_do_not_crash_the_window(display: str, tmp_path: Path) -> None:
    for attempt in range(3):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        with hostile("crash") as (site, other):
            run = Run(folder, site, display)
            run.until(lambda run=run, site=site: (site.report("done")
                                                  or "login window ended" in run.log()),
                      wait=40)
            time.sleep(0.5)
            run.finish()
        ended = re.findall(r"login window ended \(exit code (-?\d+)", run.log())
        assert ended == ["2"], run.log()  # ended when cancelled, not by a signal
        assert run.handed_out() == [] and other.seen == []


AUTH, REDIRECT = "https://pocket.example/auth/authorize?x=1", "http://127.0.0.1:5000/callback"


@pytest.mark.parametrize(("url", "kind", "main", "person", "action"), [
    ("https://pocket.example/auth/approve", "form", True, False, "load"),
    ("http://127.0.0.1:5000/callback?state=s", "redirect", True, False, "load"),
    ("https://pocket.example:443/x", "other", False, False, "load"),
    ("about:blank", "other", False, False, "load"),
    ("about:srcdoc", "other", False, False, "load"),
    ("about:blank", "other", True, False, "refuse"),
    ("https://help.example/", "link", True, True, "browser"),
    ("https://help.example/", "link", True, False, "left"),
    ("https://idp.example/sign-in", "redirect", True, False, "left"),
    ("https://idp.example/sign-in", "form", True, True, "left"),
    ("https://other.example/frame", "other", False, True, "refuse"),
    ("http://pocket.example/", "link", True, True, "browser"),  # another origin (scheme)
    ("evilscheme://x", "link", True, True, "refuse"),
    ("smb://192.0.2.1/share", "link", True, True, "refuse"),
    ("file:///etc/passwd", "other", True, False, "refuse"),
    ("javascript:alert(1)", "link", True, True, "refuse"),
    ("data:text/html,<p>", "other", False, False, "refuse"),
])
def test_the_policy_decides_from_the_address(url: str, kind: str, main: bool, person: bool,
                                             action: str) -> None:
    assert Policy(AUTH, REDIRECT).navigation(url, kind, main, person).action == action


def test_new_windows_need_a_click_and_the_browser_is_not_flooded() -> None:
    now = [0.0]
    policy = Policy(AUTH, REDIRECT, clock=lambda: now[0])
    assert policy.new_window("https://help.example/", False).action == "refuse"
    assert policy.new_window("mailto:x@example.org", True).action == "refuse"
    assert policy.new_window("https://help.example/", True).action == "browser"
    assert policy.new_window("https://help.example/", True).action == "refuse"  # too soon
    opened = 1
    for _ in range(20):
        now[0] += 2
        opened += policy.new_window("https://help.example/", True).action == "browser"
    assert opened == MAX_OPENS
