"""Where the authorize page is shown during a login.

An opener shows the page and returns a handle the login flow watches: the
embedded window (its own process, :mod:`pocket_companion.account.login.window`), the system
browser here, a scripted person in tests.
"""

from __future__ import annotations

import threading

from pocket_companion.logs import get_logger
from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    class LoginPage(Protocol):
        def shown(self) -> str | None:
            """Where the page is on screen (``"window"``, ``"browser"``); None while it
            starts."""

        def outcome(self) -> str | None:
            """``"closed"`` if the user closed it, ``"redirected"`` if it saw the redirect."""

        def redirected_to(self) -> str | None:
            """The redirect's address, when the page saw it (and the loopback may not)."""

        def close(self) -> None: ...

    class Opener(Protocol):
        def open(self, target: LoginTarget) -> LoginPage: ...


class LoginTarget(Record):
    """What an opener shows: the authorize page, the redirect that ends the login, and
    ``relay(url)``, a one-time loopback address that redirects to ``url`` (for programs
    whose command line other users can read)."""

    authorize_url: str
    redirect_uri: str
    relay: Callable[[str], str]

    def elsewhere(self, url: str) -> LoginTarget:
        """The same login, going on at ``url``."""
        return LoginTarget(url, self.redirect_uri, self.relay)


log = get_logger(__name__)


class _BrowserTab:
    """A page in the user's browser: nothing to watch, nothing to close."""

    def shown(self) -> str | None:
        return "browser"

    def outcome(self) -> str | None:
        return None

    def redirected_to(self) -> str | None:
        return None

    def close(self) -> None:
        return None


def _launch(url: str) -> None:
    import webbrowser

    if not webbrowser.open(url):
        log.warning("no web browser could be started for the login page")


class SystemBrowser:
    """Opens the authorize page with :mod:`webbrowser` (``$BROWSER`` is honoured).

    The browser is given a one-time loopback address that redirects to the page: its
    command line (readable by every local user for as long as it runs) holds nothing
    that is still usable. The launch runs beside the login: some launchers return only
    when the browser they started exits, and the login must not wait for that.
    """

    def open(self, target: LoginTarget) -> LoginPage:
        threading.Thread(target=_launch, args=(target.relay(target.authorize_url),),
                         name="browser-launch", daemon=True).start()
        return _BrowserTab()
