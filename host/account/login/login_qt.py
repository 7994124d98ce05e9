"""The login window's Qt side (Linux): pywebview's Qt window, with a page that obeys
:mod:`.window_policy` and no bridge to Python.

Imported only by the login window's own process, before pywebview creates its window.
:func:`install` changes two things in pywebview's Qt backend:

- the page class: :class:`GuardedPage` decides every navigation and new window before
  it happens (``acceptNavigationRequest``, ``newWindowRequested``; ``createWindow``
  makes nothing, so pywebview's shared pop-up page, which crashed the process, is never
  used), refuses unknown URL schemes inside Chromium, lets no script open windows or
  read the clipboard, and denies every permission (camera, microphone, location...);
- the script bridge: pywebview's ``external`` WebChannel object would let any page call
  into Python. The page gets no WebChannel at all and no ``window.pywebview`` object;
  pywebview's ``before_load`` and ``loaded`` events still fire.

A :class:`Guard` watches the application's input events, so a link counts as clicked
by the person only right after a real mouse button or key press, and runs work on the
GUI thread for the window's other threads (its test script).
"""

from __future__ import annotations

import threading
import time
import webbrowser
from collections.abc import Callable
from typing import Any

from pocket_companion.account.login.window_policy import Policy, Verdict
from pocket_companion.logs import get_logger
from qtpy.QtCore import QEvent, QObject, QPoint, Qt, QUrl, Signal
from qtpy.QtTest import QTest
from qtpy.QtWebEngineCore import (
    QWebEngineNewWindowRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
)
from qtpy.QtWebEngineWidgets import QWebEngineView
from qtpy.QtWidgets import QApplication, QWidget

log = get_logger("pocket_companion.account.login.login_window")
PERSON_WINDOW = 1.0  # seconds after a press in which a navigation is the person's
_NAV = QWebEnginePage.NavigationType
_KINDS = {_NAV.NavigationTypeLinkClicked: "link", _NAV.NavigationTypeTyped: "typed",
          _NAV.NavigationTypeFormSubmitted: "form", _NAV.NavigationTypeBackForward: "history",
          _NAV.NavigationTypeReload: "reload", _NAV.NavigationTypeRedirect: "redirect"}
_PRESSES = {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin}
_ATTR = QWebEngineSettings.WebAttribute
_OFF = (_ATTR.JavascriptCanOpenWindows, _ATTR.JavascriptCanAccessClipboard,
        _ATTR.JavascriptCanPaste, _ATTR.LocalContentCanAccessFileUrls,
        _ATTR.LocalContentCanAccessRemoteUrls, _ATTR.PluginsEnabled, _ATTR.PdfViewerEnabled,
        _ATTR.ScreenCaptureEnabled, _ATTR.FullScreenSupportEnabled,
        _ATTR.AllowWindowActivationFromJavaScript, _ATTR.NavigateOnDropEnabled)
_DROPPED_FLAGS = ("--use-fake-ui-for-media-stream",)  # pywebview's: grants camera and mic


class Guard(QObject):
    """The policy, the person's last press, and the way onto the GUI thread."""

    call = Signal(object)

    def __init__(self, policy: Policy, on_left: Callable[[str], None],
                 on_main_frame: Callable[[str], object]) -> None:
        super().__init__()
        self.policy, self.on_left, self.on_main_frame = policy, on_left, on_main_frame
        self.page: GuardedPage | None = None
        self.last_press = float("-inf")
        self.requests = 0  # navigations of the main frame and new windows asked for
        self.call.connect(self._run)

    def _run(self, work: Callable[[], None]) -> None:
        work()

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() in _PRESSES:
            self.last_press = time.monotonic()
        return False

    def by_person(self) -> bool:
        return time.monotonic() - self.last_press < PERSON_WINDOW

    def carry_out(self, verdict: Verdict, url: str) -> bool:
        """Act on a verdict; True only when the page may load ``url``."""
        if verdict.action != "load":
            log.info("login window: %s (%s): %s", verdict.action, verdict.reason,
                     url.split("?")[0][:200])
        if verdict.action == "browser":
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        elif verdict.action == "left":
            threading.Thread(target=self.on_left, args=(url,), daemon=True).start()
        return verdict.action == "load"

    def evaluate(self, script: str, timeout: float = 5.0) -> Any:
        """Run ``script`` in an isolated world of the page (not the page's own); its value."""
        done, box = threading.Event(), []

        def answer(value: Any) -> None:
            box.append(value)
            done.set()

        def start() -> None:
            assert self.page is not None
            self.page.runJavaScript(script, QWebEngineScript.ScriptWorldId.ApplicationWorld,
                                    answer)

        self.call.emit(start)
        return box[0] if done.wait(timeout) else None

    def click(self, x: int, y: int) -> None:
        """A left click at (x, y) in the page, as the mouse would make it."""

        def press() -> None:
            assert self.page is not None
            view = QWebEngineView.forPage(self.page)
            target: QWidget | None = view.focusProxy() if view is not None else None
            if target is not None:
                QTest.mouseClick(target, Qt.MouseButton.LeftButton,  # type: ignore[call-overload]
                                 Qt.KeyboardModifier.NoModifier, QPoint(x, y))  # (a static)

        self.call.emit(press)


class GuardedPage(QWebEnginePage):
    """The page pywebview's window shows (constructed by pywebview as its ``WebPage``)."""

    guard: Guard

    def __init__(self, parent: Any, profile: QWebEngineProfile | None = None) -> None:
        assert profile is not None  # pywebview always passes its (off-the-record) profile
        super().__init__(profile, parent.webview)
        settings = self.settings()
        assert settings is not None
        for attribute in _OFF:
            settings.setAttribute(attribute, False)
        settings.setUnknownUrlSchemePolicy(
            QWebEngineSettings.UnknownUrlSchemePolicy.DisallowUnknownUrlSchemes)
        self.permissionRequested.connect(lambda permission: permission.deny())
        self.newWindowRequested.connect(self._new_window)
        self.guard.page = self
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.guard)

    def acceptNavigationRequest(self, url: QUrl, kind: QWebEnginePage.NavigationType,
                                main_frame: bool) -> bool:
        text = url.toString()
        self.guard.requests += main_frame
        verdict = self.guard.policy.navigation(text, _KINDS.get(kind, "other"), main_frame,
                                               self.guard.by_person())
        if main_frame and verdict.action == "load":
            self.guard.on_main_frame(text)  # the redirect is known before it is requested
        return self.guard.carry_out(verdict, text)

    def _new_window(self, request: QWebEngineNewWindowRequest) -> None:
        text = request.requestedUrl().toString()
        self.guard.requests += 1
        self.guard.carry_out(self.guard.policy.new_window(text, request.isUserInitiated()),
                             text)  # never openIn(): no window is made here

    def createWindow(self, kind: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:
        return None

    def setWebChannel(self, *args: Any) -> None:
        """pywebview's bridge to Python: refused, so page script finds no ``qt`` object."""


def _events_only(view: Any) -> None:
    """Replaces pywebview's page set-up after a load: no bridge object, no injected
    ``window.pywebview``; only the events the login window waits for."""
    events = view.pywebview_window.events
    events.before_load.set()
    events.loaded.set()


def _without_dropped(key: str, *values: str, sep: str = " ") -> None:
    import os

    kept = [value for value in values if value not in _DROPPED_FLAGS]
    os.environ[key] = sep.join([v for v in (os.environ.get(key, ""), *kept) if v])


def install(policy: Policy, on_left: Callable[[str], None],
            on_main_frame: Callable[[str], object]) -> Guard:
    """Make pywebview's Qt backend build guarded pages; call before ``webview.start``.
    ``on_left(url)``: the sign-in went on elsewhere; ``on_main_frame(url)``: the page is
    about to load ``url`` (on the GUI thread: it must not block)."""
    from webview.platforms import qt as backend

    guard = Guard(policy, on_left, on_main_frame)
    GuardedPage.guard = guard
    # pywebview looks these up when it builds the window: ours are used instead
    backend.BrowserView.WebPage = GuardedPage  # type: ignore[misc,assignment]
    backend.BrowserView._set_js_api = _events_only  # type: ignore[method-assign]
    backend.environ_append = _without_dropped  # type: ignore[attr-defined]
    return guard
