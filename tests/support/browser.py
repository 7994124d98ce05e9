"""A scripted stand-in for a person in a web browser on the authorize page.

It loads the page over real HTTP, finds the approve (or deny) button's form
the way a browser would, submits it and follows the redirects, which end at the
host's loopback callback. Used as the login opener in tests and, through
``$BROWSER``, as the "system browser" of a host subprocess.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin

import requests
from pocket_companion.account.login.openers import LoginTarget


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": attr.get("action", ""), "method": attr.get("method",
                               "get").lower(), "fields": {}, "buttons": {}})
        elif self.forms and tag == "input" and attr.get("name"):
            fields = self.forms[-1]["fields"]
            assert isinstance(fields, dict)
            fields[attr["name"]] = attr.get("value", "")
        elif self.forms and tag == "button" and attr.get("id"):
            buttons = self.forms[-1]["buttons"]
            assert isinstance(buttons, dict)
            buttons[attr["id"]] = (attr.get("name", ""), attr.get("value", ""))


_JS_REDIRECT = re.compile(r'location\.href\s*=\s*("(?:[^"\\]|\\.)*")')


def _follow_script(session: requests.Session, page: requests.Response) -> requests.Response:
    """Run the one kind of script the pages use: ``location.href = "..."``."""
    match = _JS_REDIRECT.search(page.text)
    if match is None:
        return page
    return session.get(urljoin(page.url, json.loads(match.group(1))), timeout=10)


def press(url: str, button: str = "authorize") -> requests.Response:
    """Open the page, press the button with this id, follow redirects; return the last page."""
    session = requests.Session()
    page = session.get(url, timeout=10)
    page.raise_for_status()
    parser = _Forms()
    parser.feed(page.text)
    for form in parser.forms:
        buttons = form["buttons"]
        assert isinstance(buttons, dict)
        if button in buttons:
            fields = dict(form["fields"])  # type: ignore[call-overload]
            name, value = buttons[button]
            if name:
                fields[name] = value
            target = urljoin(page.url, str(form["action"]))
            if form["method"] == "post":
                answer = session.post(target, data=fields, timeout=10)
            else:
                answer = session.get(f"{target}?{urlencode(fields)}", timeout=10)
            return _follow_script(session, answer)
    raise AssertionError(f"no button #{button} on {url}")


class BrowserPage:
    def __init__(self) -> None:
        self.closed = False

    def shown(self) -> str | None:
        return "browser"

    def outcome(self) -> str | None:
        return None

    def redirected_to(self) -> str | None:
        return None

    def close(self) -> None:
        self.closed = True


class ScriptedBrowser:
    """A login opener that approves (or denies, or ignores) in a background thread."""

    def __init__(self, button: str | None = "authorize") -> None:
        self.button = button
        self.opened: list[str] = []
        self.pages: list[BrowserPage] = []

    def open(self, target: LoginTarget) -> BrowserPage:
        """Like the system browser: started with the one-time loopback link."""
        self.opened.append(target.authorize_url)
        page = BrowserPage()
        self.pages.append(page)
        if self.button:
            link = target.relay(target.authorize_url)
            threading.Thread(target=press, args=(link, self.button), daemon=True).start()
        return page


if __name__ == "__main__":
    # Used as $BROWSER by host subprocess tests: it also misbehaves on purpose,
    # writing to stdout and reading stdin, which must not reach the protocol.
    print("stray output from the browser launcher")
    sys.stdout.flush()
    sys.stdin.read()
    press(sys.argv[1])
