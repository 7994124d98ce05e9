"""The login window: the server's authorize page in a small window of our own.

Run by the host (:mod:`pocket_companion.account.login.window`), one login per process, as
``python -P -m pocket_companion.account.login.login_window`` with no other arguments: every
process's command line is readable by every local user, and the authorize page's address holds the
request token. This is the only module that imports pywebview (and, on Linux, Qt through
it); Qt cannot start a second window loop in one process, so every login gets a fresh
process. Contract with the parent:

- stdin: first a JSON line ``{"url", "redirect", "script"}`` (the authorize page, the
  redirect URI as a prefix, the test script or null); then ``close`` (or the end of
  input) closes the window.
- stdout: exactly one JSON line, the result, then the process exits with its code:
  ``{"status": "redirected", "url", "via"}`` (0) the page went to the redirect URI;
  ``{"status": "closed"}`` (1) the person closed the window;
  ``{"status": "cancelled"}`` (2) the parent wrote ``close`` or closed our stdin;
  ``{"status": "failed", "message"}`` (3) no window could be shown;
  ``{"status": "left", "url"}`` (4) the page itself went to another origin: the parent
  continues the login in the system browser from that URL.
- stderr: the log, and status lines ``pocket-companion-window: {"status": "shown"}``.

The redirect is seen four ways, whichever comes first: the navigation to it (decided
before its request is sent, so the window's result is known before the host's loopback
server sees it), a request to it (``request_sent``), a page load, and polling the current
URL, so servers whose redirect never loads are detected too. What the page may do (stay
on the server's origin, links elsewhere in the web browser, no pop-ups without a click,
no other schemes, no bridge to Python) is :mod:`.window_policy`, enforced on Qt by
:mod:`.login_qt`. Other pywebview backends (macOS, Windows) cannot be held to it here,
so the host does not start this window there and uses the web browser instead.

The test script (for tests only: it comes from the code that built the opener, see
:class:`~pocket_companion.window.EmbeddedWindow`) acts as the person once the page is
shown, as comma-separated steps: ``click:ID`` clicks the middle of the element with that
id with a real (synthesized) mouse click, ``fill:ID=TEXT`` sets an input's value (a sign-in
form), ``close`` closes the window as its close button does.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import time
from typing import IO, Any, NoReturn

from pocket_companion.account.login.window import STATUS_PREFIX, display_available
from pocket_companion.account.login.window_policy import Policy
from pocket_companion.logs import level
from pocket_companion.nativehost.stdio import claim_protocol_pipes

if False:  # for type checkers only: Qt is loaded when the window is shown
    from pocket_companion.account.login.login_qt import Guard

log = logging.getLogger("pocket_companion.account.login.login_window")

EXIT_CODES = {"redirected": 0, "closed": 1, "cancelled": 2, "failed": 3, "left": 4}
TITLE = "Sign in - Pocket Companion"
POLL = 0.1
STEP_WAIT = 30.0
CLICK_AGAIN = 3.0  # seconds after a click that left its element in place
_FILL = """(function () {
  var e = document.getElementById(%s);
  if (!e || document.readyState !== "complete") { return null; }
  e.value = %s;
  return true;
})()"""
_CENTRE = """(function () {
  var e = document.getElementById(%s);
  if (!e || document.readyState !== "complete") { return null; }
  e.scrollIntoView({block: "center"});
  var r = e.getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
})()"""


class LoginWindow:
    def __init__(self, url: str, redirect: str, script: str | None = None) -> None:
        self.url, self.redirect, self.script = url, redirect, script
        self.policy = Policy(url, redirect)
        self.guard: Guard | None = None
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
        if self.window is not None and status != "closed":  # not from the GUI thread itself
            threading.Thread(target=self.window.destroy, name="close", daemon=True).start()

    def check(self, url: str | None, via: str) -> bool:
        """Finish when ``url`` is the redirect; True if it was."""
        if url and url.startswith(self.redirect):
            self.finish("redirected", url=url, via=via)
            return True
        return False

    def on_request(self, request: Any) -> None:
        self.check(str(request.url), "request_sent")

    def on_left(self, url: str) -> None:
        log.warning("the sign-in page went on at another site; continuing in the browser")
        self.finish("left", url=url)

    def on_loaded(self, window: Any) -> None:
        url = window.get_current_url() or ""
        if self.check(url, "loaded") or not url.startswith(("http:", "https:")):
            return
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
        if not sys.platform.startswith("linux"):
            raise RuntimeError("the login window is confined to the server's site only with "
                               "Qt (Linux); the web browser is used here")
        import webview
        from pocket_companion.account.login.login_qt import install

        self.guard = install(self.policy, self.on_left,
                             lambda url: self.check(url, "navigation"))
        self.window = webview.create_window(TITLE, self.url, width=520, height=680)
        self.window.events.request_sent += self.on_request
        self.window.events.loaded += self.on_loaded
        self.window.events.closed += self.on_closed
        webview.start(self.watch, (control,), private_mode=True, gui="qt")
        self.finish("closed")

    def watch(self, control: IO[str]) -> None:
        """Beside the GUI loop: the parent's pipe, the test script, the redirect poll."""
        threading.Thread(target=self.obey, args=(control,), daemon=True).start()
        if self.script:
            threading.Thread(target=self.play, args=(self.script,), daemon=True).start()
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
            elif action == "fill":
                self.fill(*target.partition("=")[::2])
            else:
                log.error("unknown script step %r", step)

    def fill(self, element_id: str, value: str) -> None:
        """Wait for the input, then set its value (as typing would leave it)."""
        guard = self.guard
        assert guard is not None
        deadline = time.monotonic() + STEP_WAIT
        while guard.evaluate(_FILL % (json.dumps(element_id), json.dumps(value))) is not True:
            if self.done.wait(POLL):
                return
            if time.monotonic() > deadline:
                log.error("script: no input #%s to fill", element_id)
                return

    def click(self, element_id: str) -> None:
        """Wait for the element, then click its middle with the (synthesized) mouse; click
        again if the page asked for no navigation or window (it was not ready for input)."""
        guard = self.guard
        assert guard is not None
        deadline = time.monotonic() + STEP_WAIT
        clicked, asked = 0.0, guard.requests
        while guard.requests == asked:  # until the page asks to go somewhere
            point = guard.evaluate(_CENTRE % json.dumps(element_id))
            if time.monotonic() > deadline:
                log.error("script: clicking #%s did nothing", element_id)
                return
            if isinstance(point, list) and time.monotonic() - clicked > CLICK_AGAIN:
                guard.click(int(point[0]), int(point[1]))
                clicked = time.monotonic()
            if self.done.wait(POLL):
                return


def _claim_stdio() -> tuple[IO[str], IO[str]]:
    """The parent's commands and the result travel on private copies of fds 0 and 1, as
    the host's frames do; neither is inherited by what the window starts (a browser for a
    foreign link, Qt's helper processes), and stray output goes to stderr."""
    reader, writer = claim_protocol_pipes()
    return (io.TextIOWrapper(io.BufferedReader(reader), encoding="utf-8"),
            io.TextIOWrapper(io.BufferedWriter(writer), encoding="utf-8"))


def _setup(control: IO[str]) -> LoginWindow:
    """The first line on stdin: what to show (never in the arguments: see above)."""
    try:
        setup = json.loads(control.readline())
        url, redirect, script = setup["url"], setup["redirect"], setup.get("script")
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError("no valid set-up line on stdin") from exc
    if not (isinstance(url, str) and isinstance(redirect, str)
            and isinstance(script, str | None)):
        raise RuntimeError("the set-up line has the wrong types")
    return LoginWindow(url, redirect, script)


def main() -> NoReturn:
    control, out = _claim_stdio()
    logging.basicConfig(stream=sys.stderr, level=level(),
                        format="%(name)s %(levelname)s: %(message)s")
    try:
        window = _setup(control)
    except RuntimeError as exc:
        window = LoginWindow("", "")
        window.finish("failed", message=str(exc))
    if not window.result:
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
