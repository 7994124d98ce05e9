"""What the login window lets the server's page do, decided before it happens.

The page comes from the server, and a compromised server (or a script injected into its
site) is exactly what the window must contain. So every navigation and every new window
the page asks for is decided here, before anything loads, from the URL alone:

- the server's origin (and the redirect URI's) loads in the window; ``about:blank`` and
  ``about:srcdoc`` frames too; nothing else loads, in any frame;
- a link the person clicked (a mouse button or key pressed just before) to another
  http(s) origin opens in their web browser, once a second at most and
  :data:`MAX_OPENS` times per window, and the window stays;
- any other navigation of the page itself to another http(s) origin (a redirect, a form,
  a script, a link "clicked" by a script) means the sign-in goes on elsewhere: the window
  closes and the login continues in the web browser from there;
- a new window opens in the web browser only if it is http(s) and asked for with a
  person's click or key (a script alone gets nothing);
- every other scheme (``file:``, ``data:``, ``javascript:``, custom handlers such as
  ``smb:`` or ``evilscheme:``) is refused and never handed to the system's URL handler.

The Qt side (:mod:`.login_qt`) asks these questions; this module has no Qt in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit

WEB = ("http", "https")
FRAME_PLACEHOLDERS = ("about:blank", "about:srcdoc")
MAX_OPENS = 10
OPEN_INTERVAL = 1.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Verdict(NamedTuple):
    action: str  # "load", "refuse", "browser" (open there, stay) or "left" (go on there)
    reason: str


LOAD = Verdict("load", "the server's own page")


def origin(url: str) -> str:
    """``scheme://host[:port]`` as browsers write it (default ports left out)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    host = f"[{host}]" if ":" in host else host
    shown_port = f":{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{host}{shown_port}"


def is_web(url: str) -> bool:
    return urlsplit(url).scheme.lower() in WEB and bool(origin(url))


class Policy:
    def __init__(self, url: str, redirect: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed = {origin(url), origin(redirect)}
        self.clock = clock
        self.opened = 0
        self._last_open = float("-inf")

    def navigation(self, url: str, kind: str, main_frame: bool, by_person: bool) -> Verdict:
        """``kind``: "link", "typed", "form", "history", "reload", "redirect" or "other";
        ``by_person``: a mouse button or key was pressed in the window just before."""
        if url.split("?")[0].split("#")[0] in FRAME_PLACEHOLDERS and not main_frame:
            return LOAD
        if not is_web(url):
            return Verdict("refuse", "not a web address")
        if origin(url) in self.allowed:
            return LOAD
        if not main_frame:
            return Verdict("refuse", "a frame from another site")
        if kind == "link" and by_person:
            return self._open("a link to another site")
        return Verdict("left", "the sign-in goes on at another site")

    def new_window(self, url: str, user_initiated: bool) -> Verdict:
        if not is_web(url):
            return Verdict("refuse", "a new window for something that is not a web address")
        if not user_initiated:
            return Verdict("refuse", "a new window nobody asked for")
        return self._open("a new window")

    def _open(self, what: str) -> Verdict:
        now = self.clock()
        if self.opened >= MAX_OPENS or now - self._last_open < OPEN_INTERVAL:
            return Verdict("refuse", f"{what}: too many opened in the browser already")
        self.opened += 1
        self._last_open = now
        return Verdict("browser", what)
