"""What the real-browser tests share: the extension's ids, a web server with pages to
save, and the real host registered for a browser with a data folder of its own.

The browser starts the host through a launcher script in the test's folder, exactly
as it would start an installed host; the launcher sets the host's environment (its
data folder, the fake Pocket server, a test keyring file). Tests look at what the
host stored through the CLI and at what the fake server received.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, TypeVar

from tests.fakepocket import FakePocket
from tests.support import runtime
from tests.support.frames import REPO, HostProcess

EXTENSION = REPO / "extension"
HOST_NAME = "pocket_companion"
FIREFOX_ID = "pocket-companion@pocket-companion.dev"
CHROMIUM = "/usr/lib/chromium/chromium"
SHORTCUT = "alt+shift+y"  # the manifest's Alt+Shift+Y, as xdotool names it
LIST_SHORTCUT = "alt+shift+u"  # the manifest's Alt+Shift+U: open the reading list
T = TypeVar("T")


def extension_id() -> str:
    """Chromium's id for the extension: from the manifest's key, as the browser derives it."""
    key = json.loads((EXTENSION / "manifest.json").read_text())["key"]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    return digest.translate(str.maketrans("0123456789abcdef", "abcdefghijklmnop"))


def firefox_binary() -> str | None:
    return shutil.which("firefox-esr") or shutil.which("firefox")


def have_display() -> bool:
    return bool(os.environ.get("DISPLAY")) and shutil.which("xdotool") is not None


def wait_until(probe: Callable[[], T | Literal[False] | None], what: str,
               timeout: float = 20.0) -> T:
    """Poll until ``probe`` returns something truthy; fail with ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {value!r})")
        time.sleep(0.1)


def press_keys(*keys: str) -> None:
    """Keys typed on the X display as a person would (xdotool's key names)."""
    subprocess.run(["xdotool", "key", "--clearmodifiers", *keys], check=True, timeout=10)


def press_shortcut() -> None:
    press_keys(SHORTCUT)


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = self.path.strip("/") or "index"
        body = (f"<!doctype html><title>Page {name}</title><h1>Page {name}</h1>"
                f'<p><a id="link" href="/linked/{name}">A link from {name}</a></p>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def web_pages() -> Iterator[str]:
    """A web server on 127.0.0.1 whose every path is a small page; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Host:
    """The real host, as a browser will start it, with its own data folder. Without
    ``consumer_key`` the browser's host knows none (a login must be given one); ``env``
    adds to its environment."""

    def __init__(self, folder: Path, fake: FakePocket, consumer_key: bool = True,
                 env: dict[str, str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.home = folder / "data"
        self.runtime = runtime.make()  # for the token cache of the browser's hosts
        self.env = {
            "XDG_RUNTIME_DIR": self.runtime,
            "POCKET_COMPANION_HOME": str(self.home),
            "POCKET_BASE_URL": fake.base_url,
            "POCKET_CONSUMER_KEY": fake.CONSUMER_KEY,
            "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
            "TEST_KEYRING_FILE": str(folder / "keyring.json"),
            "PYTHONPATH": str(REPO),
            # without a display, a login's page shows in the "system browser": a person
            "BROWSER": f"{sys.executable} -m tests.support.browser %s",
            **(env or {}),
        }
        self.launcher = folder / "pocket-companion-host"
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items()
                          if consumer_key or k != "POCKET_CONSUMER_KEY")
        # as the installed launcher, but the login window's script clicks "authorize"
        self.launcher.write_text(f"#!/bin/sh\ncd /\n{exports}exec {shlex.quote(sys.executable)} "
                                 f"-P -m tests.support.scripted host click:authorize \"$@\"\n")
        self.launcher.chmod(0o755)

    def stop(self) -> None:
        """Stop the token cache the browser's hosts started, and remove its folder."""
        runtime.remove(self.runtime)

    def manifest(self, **allowed: list[str]) -> str:
        return json.dumps({"name": HOST_NAME, "description": "Pocket Companion (test)",
                           "path": str(self.launcher), "type": "stdio", **allowed})

    def register_chromium(self, user_data_dir: Path) -> Path:
        path = user_data_dir / "NativeMessagingHosts" / f"{HOST_NAME}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.manifest(allowed_origins=[f"chrome-extension://{extension_id()}/"]))
        return path

    def register_firefox(self, home: Path) -> Path:
        path = home / ".mozilla" / "native-messaging-hosts" / f"{HOST_NAME}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.manifest(allowed_extensions=[FIREFOX_ID]))
        return path

    def run(self, *args: str) -> str:
        """Run ``pocket-companion ARGS`` on the host's data; return what it printed."""
        result = subprocess.run([sys.executable, "-m", "pocket_companion", *args],
                                env={**os.environ, **self.env}, cwd=REPO, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def cli(self, *args: str) -> Any:
        """Run ``pocket-companion ARGS --json`` and return its data."""
        return json.loads(self.run(*args, "--json"))

    def login(self) -> None:
        """Connect the account through the CLI; $BROWSER is a person who approves."""
        self.run("login", "--system-browser", "--timeout", "30")
        assert self.cli("status")["account"] is not None

    def items(self) -> dict[str, dict[str, Any]]:
        """What the host's reading list holds: URL -> item."""
        listed = self.cli("list", "--limit", "1000")
        return {item["url"]: item for item in listed["items"]}

    def request(self, action: str, params: dict[str, Any]) -> Any:
        """One request to a host of its own on this data (as a browser would send it)."""
        host = HostProcess(self.env)
        try:
            reply = host.request(action, params)
        finally:
            host.close()
        assert reply["ok"], reply
        return reply["data"]

    def item(self, url: str) -> dict[str, Any] | None:
        return self.items().get(url)

    def saved(self, url: str) -> dict[str, Any]:
        """The stored item for ``url``, which must be there."""
        return self.items()[url]
