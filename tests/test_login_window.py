"""The login window for real: a pywebview (Qt) window in its own process, offscreen and
under Xvfb, with the authorize page's buttons clicked by a script as a person would (real
mouse events; the script is given by :mod:`tests.support.scripted`, which builds the real
host and CLI with it), driven through the real host and the real CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from pocket_companion import errors
from pocket_companion.account.login.oauth import run_login
from pocket_companion.account.login.openers import LoginTarget
from pocket_companion.account.login.window import EmbeddedWindow
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.conftest import need
from tests.fakepocket import FakePocket
from tests.fakepocket.pages import HELP_URL
from tests.support.browser import BrowserPage, ScriptedBrowser
from tests.support.desktop import have, url_recorder, window_processes, windows_gone, xvfb
from tests.support.frames import CHROME_ORIGIN, REPO, HostProcess, frame, read_message

DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DISPLAY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["offscreen", "xvfb"])
def display(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where windows appear: Qt's offscreen platform, or an X server (Xvfb)."""
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    _no_display(monkeypatch)
    if request.param == "offscreen":
        monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
        yield "offscreen"
        return
    need(have("Xvfb"), "Xvfb is not installed")
    with xvfb() as server:  # a private X server, even when the suite has one
        monkeypatch.setenv("DISPLAY", server)
        yield "xvfb"


@pytest.fixture
def offscreen(monkeypatch: pytest.MonkeyPatch) -> None:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    _no_display(monkeypatch)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def env(tmp_path: Path, fake: FakePocket, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A host or CLI environment for the fake server; tokens go to a test keyring file."""
    values = {
        "POCKET_COMPANION_HOME": str(tmp_path / "home"),
        "POCKET_BASE_URL": fake.base_url, "POCKET_CONSUMER_KEY": fake.CONSUMER_KEY,
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
        "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
        "PYTHONPATH": str(REPO), "POCKET_COMPANION_LOG_LEVEL": "DEBUG",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def stored_tokens(env: dict[str, str]) -> list[str]:
    path = Path(env["TEST_KEYRING_FILE"])
    text = path.read_text() if path.exists() else ""
    return list(json.loads(text).values()) if text else []


def host_log(env: dict[str, str]) -> str:
    return (Path(env["POCKET_COMPANION_HOME"]) / "logs" / "pocket-companion.log").read_text()


def events_until_reply(host: HostProcess) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events = []
    while True:
        message = host.read()
        assert message is not None, "the host ended without a reply"
        if "event" not in message:
            return events, message
        events.append(message)


def cli(*args: str, script: str = "") -> subprocess.CompletedProcess[str]:
    """The real CLI; with ``script``, its login window plays it."""
    program = ["tests.support.scripted", "cli", script] if script else ["pocket_companion"]
    return subprocess.run([sys.executable, "-m", *program, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


# --- the whole login through the host ---------------------------------------------------


def test_a_person_approves_in_the_window(display: str, env: dict[str, str],
                                         fake: FakePocket) -> None:
    host = HostProcess({}, window_script="click:authorize")
    host.send({"id": 1, "action": "login", "params": {"timeout": 60}})
    events, reply = events_until_reply(host)
    assert reply == {"id": 1, "ok": True,
                     "data": {"username": "pocketuser", "server": fake.base_url,
                              "service": "pocket"}}
    [shown] = events
    assert shown["data"]["stage"] == "authorize" and shown["data"]["shown_in"] == "window"
    assert shown["data"]["url"].startswith(f"{fake.base_url}/auth/authorize?")
    assert stored_tokens(env) == fake.issued_tokens
    assert host.close()[0] == 0
    # the window saw the redirect and closed itself (a window the host closes ends "cancelled")
    assert "login window ended (exit code 0, redirected)" in host_log(env)
    assert windows_gone(host.proc.pid)


def test_denying_in_the_window_is_login_rejected(offscreen: None, env: dict[str, str],
                                                 fake: FakePocket) -> None:
    host = HostProcess({}, window_script="click:deny")
    reply = host.request("login", {"timeout": 60})
    assert reply["error"]["code"] == "login_rejected"
    assert stored_tokens(env) == [] and fake.issued_tokens == []
    host.close()


def test_the_cli_logs_in_with_the_window_by_default(offscreen: None, env: dict[str, str],
                                                    fake: FakePocket) -> None:
    result = cli("login", "--timeout", "60", script="click:authorize")
    assert result.returncode == 0, result.stderr
    assert "window that opened" in result.stderr
    assert result.stdout.startswith("Logged in as pocketuser")
    assert stored_tokens(env) == fake.issued_tokens
    assert "login window started" in host_log(env)


def test_system_browser_on_request_and_without_a_display(
        offscreen: None, env: dict[str, str], fake: FakePocket,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", f"{sys.executable} -m tests.support.browser %s")
    chosen = cli("login", "--system-browser", "--timeout", "60")
    assert chosen.returncode == 0, chosen.stderr
    assert "in your browser" in chosen.stderr
    _no_display(monkeypatch)  # no display at all: the window is not even tried
    automatic = cli("login", "--timeout", "60")
    assert automatic.returncode == 0, automatic.stderr
    assert "in your browser" in automatic.stderr
    assert len(fake.issued_tokens) == 2
    log = host_log(env)
    assert "login window started" not in log
    assert "no login window here (no display or no pywebview)" in log


def test_a_window_that_cannot_start_falls_back_to_the_browser(
        offscreen: None, env: dict[str, str], fake: FakePocket,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":9999")  # a display that is not there: Qt gives up
    monkeypatch.setenv("BROWSER", f"{sys.executable} -m tests.support.browser %s")
    host = HostProcess({})
    host.send({"id": 1, "action": "login", "params": {"timeout": 60}})
    events, reply = events_until_reply(host)
    assert reply["ok"], reply
    assert [e["data"]["shown_in"] for e in events] == ["browser"]
    assert "login window started" in host_log(env)
    host.close()


# --- a person who does not approve, and the host closing the window -----------------------


def test_closing_the_window_is_login_cancelled(display: str, env: dict[str, str],
                                               fake: FakePocket) -> None:
    host = HostProcess({}, window_script="close")
    reply = host.request("login", {"timeout": 60})
    assert reply["error"]["code"] == "login_cancelled"
    assert "window was closed" in reply["error"]["message"]
    assert stored_tokens(env) == []
    host.close()
    assert "login window ended (exit code 1, closed)" in host_log(env)


def test_no_answer_is_login_timeout_and_the_window_closes(offscreen: None, env: dict[str, str],
                                                          fake: FakePocket) -> None:
    host = HostProcess({})
    host.send({"id": 1, "action": "login", "params": {"timeout": 2}})
    events, reply = events_until_reply(host)
    assert [e["data"]["stage"] for e in events] == ["authorize"]
    assert reply["error"]["code"] == "login_timeout" and reply["error"]["retryable"]
    assert windows_gone(host.proc.pid, wait=0)  # closed before the reply was sent
    host.close()


def test_login_cancel_and_a_new_login_close_the_window(offscreen: None, env: dict[str, str],
                                                       fake: FakePocket) -> None:
    host = HostProcess({})
    host.send({"id": "first", "action": "login", "params": {"timeout": 120}})
    assert host.read()["data"]["stage"] == "authorize"
    host.send({"id": "second", "action": "login", "params": {"timeout": 120}})
    replaced = host.read()
    assert replaced["id"] == "first" and replaced["error"]["code"] == "login_cancelled"
    assert host.read()["data"]["stage"] == "authorize"
    assert len(window_processes(host.proc.pid)) == 1
    host.send({"id": "stop", "action": "login_cancel"})
    replies = {message["id"]: message for message in (host.read(), host.read())}
    assert replies["stop"]["data"] == {"cancelled": 1}
    assert replies["second"]["error"]["code"] == "login_cancelled"
    assert windows_gone(host.proc.pid, wait=0)
    assert host.close()[0] == 0


def test_closing_the_port_closes_the_window(display: str, env: dict[str, str],
                                            fake: FakePocket) -> None:
    host = HostProcess({})
    host.send({"id": 1, "action": "login", "params": {"timeout": 120}})
    assert host.read()["data"]["stage"] == "authorize"
    assert window_processes(host.proc.pid)
    assert host.proc.stdin is not None
    host.proc.stdin.close()  # the browser closed the port
    assert host.read()["error"]["code"] == "login_cancelled"  # still exactly one reply
    code, _ = host.close()
    assert code == 0
    assert windows_gone(host.proc.pid, wait=0)
    assert "login window ended (exit code 2, cancelled)" in host_log(env)


GUI_PROBE = """
import atexit, runpy, sys
sys.argv = ["host", sys.argv[1]]
atexit.register(lambda: print(sorted(m for m in sys.modules if m.split(".")[0] in
                ("webview", "PyQt6", "PySide6", "qtpy", "gi")), file=sys.stderr))
runpy.run_module("pocket_companion.nativehost.host", run_name="__main__")
"""


def pipe_inode(fd: int) -> str:
    return f"pipe:[{os.fstat(fd).st_ino}]"


def test_the_window_never_sees_the_browser_pipes_and_the_host_never_loads_qt(
        offscreen: None, env: dict[str, str], fake: FakePocket) -> None:
    host = subprocess.Popen([sys.executable, "-c", GUI_PROBE, CHROME_ORIGIN], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert host.stdin is not None and host.stdout is not None and host.stderr is not None
    host.stdin.write(frame({"id": 1, "action": "login", "params": {"timeout": 120}}))
    host.stdin.flush()
    assert read_message(host.stdout)["data"]["stage"] == "authorize"
    [window] = window_processes(host.pid)
    browser_pipes = {pipe_inode(host.stdin.fileno()), pipe_inode(host.stdout.fileno())}
    fds = Path(f"/proc/{window}/fd")
    window_ends = {os.readlink(fd) for fd in fds.iterdir()}
    assert window_ends & browser_pipes == set()
    host.stdin.close()  # the port closes: the window with it, then the host
    assert read_message(host.stdout)["error"]["code"] == "login_cancelled"
    assert host.wait(30) == 0
    assert host.stderr.read().decode().strip().splitlines()[-1] == "[]"
    host.stdout.close()
    host.stderr.close()


# --- the window process on its own ---------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on (a server whose redirect never loads)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_window(fake: FakePocket, redirect: str, stderr: Any,
                 script: str | None = None) -> subprocess.Popen[bytes]:
    """The window process as the host starts it, for a fresh request token."""
    service = PocketService(PocketClient(fake.base_url, fake.CONSUMER_KEY))
    ticket = service.begin_login(redirect, "s")
    proc = subprocess.Popen([sys.executable, "-P", "-m",
                             "pocket_companion.account.login.login_window"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd="/")
    assert proc.stdin is not None
    setup = {"url": ticket.authorize_url, "redirect": redirect, "script": script}
    proc.stdin.write(json.dumps(setup).encode() + b"\n")
    proc.stdin.flush()
    return proc


def run_window(fake: FakePocket, redirect: str, tmp_path: Path, script: str
               ) -> tuple[dict[str, Any], int, str]:
    """Run it until it ends by itself (stdin stays open); return result, exit code, log."""
    with (tmp_path / "window.log").open("w+b") as log:
        proc = start_window(fake, redirect, log, script)
        assert proc.stdout is not None and proc.stdin is not None
        stdout = proc.stdout.read().decode()
        code = proc.wait(30)
        proc.stdin.close()
        proc.stdout.close()
        log.seek(0)
        stderr = log.read().decode("utf-8", "replace")
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout  # one JSON result line, nothing else
    return json.loads(lines[0]), code, stderr


@pytest.mark.parametrize("redirect_mode", ["302", "js"])
def test_the_window_sees_a_redirect_that_never_loads(offscreen: None, fake: FakePocket,
                                                     tmp_path: Path,
                                                     redirect_mode: str) -> None:
    fake.redirect_mode = redirect_mode
    redirect = f"http://127.0.0.1:{free_port()}/callback?state=s"
    result, code, _ = run_window(fake, redirect, tmp_path, "click:authorize")
    assert code == 0
    assert result["status"] == "redirected" and result["url"].startswith(redirect)
    assert result["via"] in ("navigation", "request_sent", "loaded", "poll")


def test_links_to_other_origins_open_in_the_system_browser(offscreen: None, fake: FakePocket,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    opened = tmp_path / "opened.txt"
    monkeypatch.setenv("BROWSER", url_recorder(opened))
    monkeypatch.setenv("POCKET_COMPANION_LOG_LEVEL", "DEBUG")
    redirect = f"http://127.0.0.1:{free_port()}/callback?state=s"
    result, code, stderr = run_window(fake, redirect, tmp_path, "click:help,click:authorize")
    assert opened.read_text().splitlines() == [HELP_URL]
    # the window itself never went there: the page stayed, the link went to the browser
    assert "login window: browser (a link to another site)" in stderr
    assert "went on at another site" not in stderr
    assert (result["status"], code) == ("redirected", 0)  # it was still on the page


@pytest.mark.parametrize("how", [b"close\n", b""])
def test_the_window_closes_when_its_parent_says_so(offscreen: None, fake: FakePocket,
                                                   how: bytes) -> None:
    proc = start_window(fake, f"http://127.0.0.1:{free_port()}/callback", subprocess.PIPE)
    assert proc.stdin is not None and proc.stderr is not None and proc.stdout is not None
    for line in proc.stderr:
        if line.startswith(b"pocket-companion-window: "):
            assert json.loads(line.split(b": ", 1)[1]) == {"status": "shown"}
            break
    proc.stdin.write(how)  # "close", or just the end of input: the parent is gone
    proc.stdin.close()
    assert json.loads(proc.stdout.readline()) == {"status": "cancelled"}
    assert proc.wait(30) == 2
    proc.stderr.close()
    proc.stdout.close()


class _Elsewhere(BaseHTTPRequestHandler):
    """``/start`` sends the browser to another origin (``server.target``), as a sign-in
    that moves to an identity provider would; every other path is a plain page."""

    server: _Site

    def do_GET(self) -> None:
        if self.path == "/start":
            self.send_response(302)
            self.send_header("Location", self.server.target)
            self.end_headers()
            return
        body = b"<!doctype html><title>elsewhere</title><p>another origin"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Site(ThreadingHTTPServer):
    daemon_threads = True
    target = ""

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def two_sites() -> Iterator[tuple[_Site, _Site]]:
    sites = (_Site(("127.0.0.1", 0), _Elsewhere), _Site(("127.0.0.1", 0), _Elsewhere))
    sites[0].target = f"{sites[1].origin}/sign-in"
    for site in sites:
        threading.Thread(target=site.serve_forever, daemon=True).start()
    yield sites
    for site in sites:
        site.shutdown()
        site.server_close()


class RecordingBrowser:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def open(self, target: LoginTarget) -> BrowserPage:
        self.opened.append(target.authorize_url)
        return BrowserPage()


def test_a_sign_in_that_leaves_the_origin_goes_on_in_the_browser(
        offscreen: None, two_sites: tuple[_Site, _Site]) -> None:
    start = f"{two_sites[0].origin}/start"
    browser = RecordingBrowser()
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    page = EmbeddedWindow(browser).open(LoginTarget(start, redirect, lambda url: url))
    try:
        for _ in range(300):
            if page.outcome() is not None or browser.opened:
                break
            threading.Event().wait(0.1)
        assert browser.opened == [f"{two_sites[1].origin}/sign-in"]
        assert page.shown() == "browser" and page.outcome() is None  # still waiting
    finally:
        page.close()


def test_a_long_wait_sends_heartbeats(fake: FakePocket) -> None:
    service = PocketService(PocketClient(fake.base_url, fake.CONSUMER_KEY))
    events: list[tuple[str, dict[str, Any]]] = []
    with pytest.raises(errors.LoginTimeout):
        run_login(service, ScriptedBrowser(None), timeout=1, heartbeat=0.0,  # beat each poll
                  progress=lambda stage, data: events.append((stage, data)))
    stages = [stage for stage, _ in events]
    assert stages[0] == "authorize" and set(stages[1:]) == {"waiting"}
    remaining = [data["remaining"] for stage, data in events[1:]]
    assert remaining == sorted(remaining, reverse=True)
