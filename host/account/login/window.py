"""The login window, seen from the host: a child process the host starts and watches.

The window itself (pywebview, and through it Qt on Linux) lives in
:mod:`pocket_companion.account.login.login_window`, run as ``python -m`` in a process of its
own; this module never imports it. The child gets fresh pipes for stdin, stdout
and stderr, so it can never touch the browser's channel (the host's own fds 0
and 1). Its stdout carries one JSON result line; its stderr carries its log and
status lines (``STATUS_PREFIX`` + JSON), which are read here; writing ``close``
to its stdin, or closing it, closes the window.

Where no window can be shown (no display on Linux, pywebview not installed, or
the child fails before the page appears), the page is shown in the system
browser instead, and so is a sign-in that leaves the server's origin: the
loopback flow works the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading

from pocket_companion.account.login.openers import SystemBrowser
from pocket_companion.children import spawn
from pocket_companion.logs import get_logger

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    import subprocess
    from typing import IO, Any

    from pocket_companion.account.login.openers import LoginPage, LoginTarget, Opener

log = get_logger(__name__)

MODULE = "pocket_companion.account.login.login_window"
STATUS_PREFIX = "pocket-companion-window: "
CLOSE_WAIT = 10.0


def display_available() -> bool:
    """Whether a window can appear: always on macOS and Windows; on Linux with a display."""
    if sys.platform in ("darwin", "win32"):
        return True
    env = os.environ
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
                or env.get("QT_QPA_PLATFORM") == "offscreen")


def window_available() -> bool:
    """A display, and pywebview installed (the ``qt`` extra); pywebview is not imported."""
    from importlib.util import find_spec

    return display_available() and find_spec("webview") is not None


class WindowPage:
    """The running child; falls back to the system browser if it never showed the page."""

    def __init__(self, proc: subprocess.Popen[bytes], target: LoginTarget,
                 browser: Opener) -> None:
        self._proc = proc
        self._target = target
        self._browser = browser
        self._fallback: LoginPage | None = None
        self._result: dict[str, Any] = {}
        self._shown = threading.Event()
        self._exited = threading.Event()
        self._reader = threading.Thread(target=self._read_result, name="window-result",
                                        daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_log, name="window-log", daemon=True).start()

    def _read_result(self) -> None:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        try:
            result = json.loads(line) if line.strip() else {}
        except ValueError:
            log.warning("the login window wrote something that is not its result")
            result = {}
        self._result = result if isinstance(result, dict) else {}
        code = self._proc.wait()
        log.info("login window ended (exit code %s, %s)", code,
                 self._result.get("status", "no result"))
        self._exited.set()

    def _read_log(self) -> None:
        assert self._proc.stderr is not None
        for raw in self._proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if not line.startswith(STATUS_PREFIX):
                log.debug("login window: %s", line)
                continue
            try:
                status = json.loads(line[len(STATUS_PREFIX):])
            except ValueError:
                continue
            if isinstance(status, dict) and status.get("status") == "shown":
                log.info("the login window shows the authorize page")
                self._shown.set()

    def shown(self) -> str | None:
        if self._fallback is not None:
            return self._fallback.shown()
        return "window" if self._shown.is_set() else None

    def outcome(self) -> str | None:
        if self._fallback is not None:
            return self._fallback.outcome()
        if not self._exited.is_set():
            return None
        status = self._result.get("status")
        if status == "redirected":
            return "redirected"
        if status == "left":  # the sign-in goes on elsewhere: follow it in the browser
            log.info("the sign-in page left the server's origin; continuing in the browser")
            self._fallback = self._browser.open(self._target.elsewhere(self._result["url"]))
        elif self._shown.is_set() or status == "closed":
            return "closed"
        else:
            log.warning("the login window could not be shown (%s); using the system browser",
                        self._result.get("message", "it exited early"))
            self._fallback = self._browser.open(self._target)
        return self._fallback.outcome()

    def redirected_to(self) -> str | None:
        if self._fallback is not None:
            return self._fallback.redirected_to()
        url = self._result.get("url") if self._result.get("status") == "redirected" else None
        return url if isinstance(url, str) else None

    def close(self) -> None:
        """Close the window; returns once the process has ended and its result is read."""
        if self._fallback is not None:
            self._fallback.close()
        _close(self._proc)
        self._reader.join(CLOSE_WAIT)


def _close(proc: subprocess.Popen[bytes]) -> None:
    """Ask the child to close its window; stop it if it does not."""
    import subprocess

    stdin: IO[bytes] | None = proc.stdin
    if stdin is not None:
        with contextlib.suppress(OSError):  # it may be gone already
            stdin.write(b"close\n")
            stdin.flush()
        with contextlib.suppress(OSError):
            stdin.close()
    try:
        proc.wait(CLOSE_WAIT)
    except subprocess.TimeoutExpired:
        log.warning("the login window did not close; stopping it")
        proc.kill()
        proc.wait()


class EmbeddedWindow:
    """Opener: the authorize page in a small window of our own (its own process).

    ``script`` is for tests only (see :mod:`.login_window`): steps the window plays as a
    person would once the page is shown. Nothing but code that builds this opener can set
    it; no environment variable or argument of the host or the CLI does.
    """

    def __init__(self, browser: Opener | None = None, script: str | None = None) -> None:
        self.browser: Opener = browser or SystemBrowser()
        self.script = script

    def open(self, target: LoginTarget) -> LoginPage:
        import subprocess

        if not window_available():
            log.info("no login window here (no display or no pywebview): using the browser")
            return self.browser.open(target)
        proc = spawn(MODULE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, start_new_session=True)  # no terminal signals
        setup = {"url": target.authorize_url, "redirect": target.redirect_uri,
                 "script": self.script}
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(setup).encode() + b"\n")
            proc.stdin.flush()
        except OSError:
            pass  # it failed at once: WindowPage reads why and falls back to the browser
        log.info("login window started (pid %d)", proc.pid)
        return WindowPage(proc, target, self.browser)
