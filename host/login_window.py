"""The login window: the server's authorize page in a small window of our own.

Run by the host (:mod:`pocket_companion.window`), one login per process::

    python -m pocket_companion.login_window --url AUTHORIZE_URL --redirect REDIRECT_URI

This is the only module that imports pywebview (and, on Linux, Qt through it);
Qt cannot start a second window loop in one process, so every login gets a
fresh process. Contract with the parent:

- stdout: exactly one JSON line, the result, then the process exits with its code:
  ``{"status": "redirected", "url", "via"}`` (0) the page went to the redirect URI;
  ``{"status": "closed"}`` (1) the person closed the window;
  ``{"status": "cancelled"}`` (2) the parent wrote ``close`` or closed our stdin;
  ``{"status": "failed", "message"}`` (3) no window could be shown;
  ``{"status": "left", "url"}`` (4) the page itself went to another origin: the parent
  continues the login in the system browser from that URL.
- stderr: the log, and status lines ``pocket-companion-window: {"status": "shown"}``.
- stdin: ``close`` (or end of input) closes the window.

The redirect is seen three ways, whichever comes first: a request to it
(``request_sent``), a page load, and polling the current URL, so servers whose
redirect never loads are detected too. The window stays on the server's origin:
links and forms to other origins are opened in the system browser (``$BROWSER``
is honoured), and when the page itself goes elsewhere (a redirect, a script) the
window closes and reports where.

Test hook: ``POCKET_COMPANION_WINDOW_SCRIPT`` lets a script act as the person once
the page is shown, as comma-separated steps: ``click:ID`` presses the element with
that id (as a mouse click would), ``close`` closes the window as its close button does.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import threading
import time
from typing import IO, Any, NoReturn
from urllib.parse import urlsplit

from .logs import level
from .stdio import claim_protocol_pipes
from .window import SCRIPT_ENV, STATUS_PREFIX, display_available

log = logging.getLogger("pocket_companion.login_window")

EXIT_CODES = {"redirected": 0, "closed": 1, "cancelled": 2, "failed": 3, "left": 4}
TITLE = "Sign in - Pocket Companion"
POLL = 0.1
STEP_WAIT = 30.0
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Links and forms to another origin open as a new window, which pywebview hands
# to the system browser on every backend.
_GUARD = """(function (allowed) {
  if (window.__pocketCompanionGuard) { return true; }
  window.__pocketCompanionGuard = true;
  function away(url) {
    try { return allowed.indexOf(new URL(url, location.href).origin) < 0; }
    catch (e) { return false; }
  }
  function onClick(event) {
    var link = event.target && event.target.closest && event.target.closest("a[href], area[href]");
    if (link && away(link.href)) { link.target = "_blank"; }
  }
  document.addEventListener("click", onClick, true);
  document.addEventListener("auxclick", onClick, true);
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && away(form.action)) { form.target = "_blank"; }
  }, true);
  return true;
})(%s)"""


def origin(url: str) -> str:
    """``scheme://host[:port]`` as browsers write it (default ports left out)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""
    host = f"[{host}]" if ":" in host else host
    shown_port = f":{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{host}{shown_port}"


class LoginWindow:
    def __init__(self, url: str, redirect: str) -> None:
        self.url, self.redirect = url, redirect
        self.allowed = [origin(url), origin(redirect)]
        self.result: dict[str, Any] = {}
        self.shown = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self.window: Any = None

    def finish(self, status: str, **data: str) -> None:
        with self._lock:
            if self.result:
                return
            self.result = {"status": status, **data}
        log.info("login window: %s", status)
        self.done.set()
        if self.window is not None and status != "closed":
            self.window.destroy()

    def check(self, url: str | None, via: str) -> bool:
        """Finish when ``url`` is the redirect; True if it was."""
        if url and url.startswith(self.redirect):
            self.finish("redirected", url=url, via=via)
            return True
        return False

    def on_request(self, request: Any) -> None:
        url = str(request.url)
        if not self.check(url, "request_sent") and origin(url) not in self.allowed:
            log.debug("request to another origin: %s", origin(url))

    def on_loaded(self, window: Any) -> None:
        url = window.get_current_url() or ""
        if self.check(url, "loaded") or not url.startswith(("http:", "https:")):
            return
        if origin(url) not in self.allowed:
            log.warning("the page left the server's origin for %s", origin(url))
            self.finish("left", url=url)
            return
        window.run_js(_GUARD % json.dumps(self.allowed))
        if not self.shown.is_set():
            self.shown.set()
            print(STATUS_PREFIX + json.dumps({"status": "shown"}), file=sys.stderr, flush=True)

    def on_closed(self) -> None:
        self.finish("closed")  # unless something else closed it first

    def show(self, control: IO[str]) -> None:
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses root otherwise
            os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
        if not display_available():  # Qt would abort the process
            raise RuntimeError("no display (DISPLAY or WAYLAND_DISPLAY is not set)")
        import webview

        self.window = webview.create_window(TITLE, self.url, width=520, height=680)
        self.window.events.request_sent += self.on_request
        self.window.events.loaded += self.on_loaded
        self.window.events.closed += self.on_closed
        webview.start(self.watch, (control,), private_mode=True,  # native backends elsewhere
                      gui="qt" if sys.platform.startswith("linux") else None)
        self.finish("closed")

    def watch(self, control: IO[str]) -> None:
        """Beside the GUI loop: the parent's pipe, the test script, the redirect poll."""
        threading.Thread(target=self.obey, args=(control,), daemon=True).start()
        script = os.environ.get(SCRIPT_ENV)
        if script:
            threading.Thread(target=self.play, args=(script,), daemon=True).start()
        while not self.done.wait(POLL):
            self.check(self.window.get_current_url(), "poll")

    def obey(self, control: IO[str]) -> None:
        for line in control:
            if line.strip() == "close":
                break
        self.finish("cancelled")

    def play(self, script: str) -> None:
        """The test hook: act as the person once the page is shown."""
        self.shown.wait()
        for step in script.split(","):
            action, _, target = step.strip().partition(":")
            if action == "close":
                self.window.destroy()  # the same path as the window's close button
            elif action == "click":
                self.click(target)
            else:
                log.error("unknown script step %r", step)

    def click(self, element_id: str) -> None:
        element = f"document.getElementById({json.dumps(element_id)})"
        deadline = time.monotonic() + STEP_WAIT
        while not self.window.evaluate_js(f"document.readyState === 'complete' && !!{element}"):
            if self.done.wait(POLL) or time.monotonic() > deadline:
                log.error("script: no element #%s to click", element_id)
                return
        self.window.evaluate_js(f"{element}.click(); true")


def _claim_stdio() -> tuple[IO[str], IO[str]]:
    """The parent's commands and the result travel on private copies of fds 0 and 1, as
    the host's frames do; neither is inherited by what the window starts (a browser for a
    foreign link, Qt's helper processes), and stray output goes to stderr."""
    reader, writer = claim_protocol_pipes()
    return (io.TextIOWrapper(io.BufferedReader(reader), encoding="utf-8"),
            io.TextIOWrapper(io.BufferedWriter(writer), encoding="utf-8"))


def main(argv: list[str] | None = None) -> NoReturn:
    parser = argparse.ArgumentParser(prog="python -m pocket_companion.login_window",
                                     description="Show a login page until it redirects.")
    parser.add_argument("--url", required=True, help="the authorize page")
    parser.add_argument("--redirect", required=True, help="the redirect URI (a prefix)")
    args = parser.parse_args(argv)
    control, out = _claim_stdio()
    logging.basicConfig(stream=sys.stderr, level=level(),
                        format="%(name)s %(levelname)s: %(message)s")
    window = LoginWindow(args.url, args.redirect)
    try:
        window.show(control)
    except Exception as exc:  # pywebview missing, no usable GUI backend
        log.error("the login window could not be shown: %s: %s", type(exc).__name__, exc)
        window.finish("failed", message=f"{type(exc).__name__}: {exc}")
    out.write(json.dumps(window.result) + "\n")
    out.flush()
    sys.stderr.flush()
    os._exit(EXIT_CODES[window.result["status"]])  # Qt/GTK threads can block a normal exit


if __name__ == "__main__":
    main()
