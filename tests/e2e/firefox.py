"""Debian's Firefox ESR driven over WebDriver BiDi with ``websockets`` (no geckodriver).

The extension is installed as a temporary add-on (``webExtension.install``) with a
fixed internal UUID, so its pages have a known ``moz-extension://`` address. The
toolbar button is clicked through Firefox's own action object in the browser
window's (chrome) scope; the native messaging host is found under
``$HOME/.mozilla/native-messaging-hosts``, with ``HOME`` pointing into the test folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.e2e.harness import EXTENSION, FIREFOX_ID, Host, wait_until

UUID = "7d3a4d51-8f0e-4c6b-9a2e-3c5b1f0e2a71"
PREFS = {
    "extensions.webextensions.uuids": json.dumps({FIREFOX_ID: UUID}),
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
}
# Firefox's own object behind the toolbar button (internal, may change between versions)
CLICK_ACTION = f"""(() => {{
    const {{ ExtensionParent }} = ChromeUtils.importESModule(
        "resource://gre/modules/ExtensionParent.sys.mjs");
    const extension = ExtensionParent.GlobalManager.getExtension({json.dumps(FIREFOX_ID)});
    ExtensionParent.apiManager.global.browserActionFor(extension).triggerAction(window);
    return true;
}})()"""


# WebDriver's codes for the keys that are not characters
KEYS = {"Enter": "\ue007", "Escape": "\ue00c", "Delete": "\ue017", "Shift": "\ue008",
        "Control": "\ue009", "ArrowDown": "\ue015", "ArrowUp": "\ue013", "Tab": "\ue004"}


class BidiError(Exception):
    pass


def _key_actions(name: str) -> list[dict[str, str]]:
    """``j``, ``Enter`` or ``Shift+X`` as key down/up actions."""
    *held, key = name.split("+") if len(name) > 1 else [name]
    values = [KEYS.get(part, part) for part in [*held, key]]
    return ([{"type": "keyDown", "value": value} for value in values]
            + [{"type": "keyUp", "value": value} for value in reversed(values)])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Firefox:
    def __init__(self, binary: str, folder: Path, host: Host, headless: bool) -> None:
        self.host = host
        profile = folder / "profile"
        profile.mkdir(parents=True)
        (profile / "user.js").write_text("".join(
            f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in PREFS.items()))
        home = folder / "home"
        self.host_manifest = host.register_firefox(home)
        port = _free_port()
        self.log = (folder / "firefox.log").open("wb")
        self.proc = subprocess.Popen(
            [binary, "--no-remote", "--profile", str(profile), f"--remote-debugging-port={port}",
             "--remote-allow-system-access", *(["--headless"] if headless else []), "about:blank"],
            env={**os.environ, "HOME": str(home)}, stdout=self.log, stderr=subprocess.STDOUT)
        self.ws = self._connect(f"ws://127.0.0.1:{port}/session")
        self.next_id = 0
        self.send("session.new", {"capabilities": {}})
        self.send("webExtension.install",
                  {"extensionData": {"type": "path", "path": str(EXTENSION)}})
        self.tab = self.send("browsingContext.getTree", {})["contexts"][0]["context"]
        self.window = self.send("browsingContext.getTree", {"moz:scope": "chrome"})["contexts"][0][
            "context"]
        self.base = f"moz-extension://{UUID}"
        self.inspector = self.send("browsingContext.create", {"type": "tab", "background": True})[
            "context"]
        self.navigate(self.inspector, f"{self.base}/popup/popup.html")

    def _connect(self, url: str) -> ClientConnection:
        deadline = time.monotonic() + 30
        while True:
            try:
                return connect(url, max_size=None, open_timeout=5, legacy=True)
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.1)

    def send(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") != self.next_id:
                continue  # an event
            if message.get("type") == "error":
                raise BidiError(f"{method}: {message.get('error')}: {message.get('message')}")
            return message["result"]

    def navigate(self, context: str, url: str) -> None:
        self.send("browsingContext.navigate", {"context": context, "url": url, "wait": "complete"})

    def evaluate(self, context: str, expression: str) -> Any:
        """Run an expression (awaited) in a page and return its JSON value."""
        wrapped = f"(async () => JSON.stringify(await ({expression})))()"
        result = self.send("script.evaluate", {"expression": wrapped, "awaitPromise": True,
                                               "target": {"context": context}})
        if result["type"] == "exception":
            raise BidiError(result["exceptionDetails"]["text"])
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def top_contexts(self) -> list[dict[str, Any]]:
        """The browser's tabs: ``{context, url}``."""
        contexts: list[dict[str, Any]] = self.send("browsingContext.getTree",
                                                   {"maxDepth": 0})["contexts"]
        return contexts

    def activate(self, context: str) -> None:
        self.send("browsingContext.activate", {"context": context})

    def keys(self, context: str, *names: str) -> None:
        """Real key presses in a page (``j``, ``Enter``, ``Shift+X``)."""
        actions = [action for name in names for action in _key_actions(name)]
        self.send("input.performActions", {"context": context, "actions": [
            {"type": "key", "id": "keyboard", "actions": actions}]})

    def click(self, context: str, selector: str, shift: bool = False) -> None:
        """A real mouse click in the middle of the element (Shift held if asked)."""
        found = self.send("script.evaluate", {  # in view, after a frame is painted
            "expression": f"""(async (element) => {{
                element?.scrollIntoView({{block: "center"}});  // clear of sticky bars
                await new Promise(requestAnimationFrame);
                return element;
            }})(document.querySelector({json.dumps(selector)}))""",
            "awaitPromise": True, "target": {"context": context},
            "resultOwnership": "root"})["result"]
        if "sharedId" not in found:
            raise BidiError(f"no element {selector}")
        element = {"type": "element", "element": {"sharedId": found["sharedId"]}}
        pointer = [{"type": "pointerMove", "x": 0, "y": 0, "origin": element},
                   {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}]
        sources: list[dict[str, Any]] = [{"type": "pointer", "id": "mouse", "actions": pointer}]
        if shift:
            shift_key = KEYS["Shift"]
            sources.insert(0, {"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": shift_key}, {"type": "pause"},
                {"type": "pause"}, {"type": "keyUp", "value": shift_key}]})
        self.send("input.performActions", {"context": context, "actions": sources})
        try:
            self.send("input.releaseActions", {"context": context})
        except BidiError as error:
            if "no such frame" not in str(error):
                raise  # else the click closed its tab (a panel's link)

    def run_script(self, context: str, source: str) -> None:
        """Run a script's source (not an expression) in a page, such as a library file."""
        result = self.send("script.evaluate", {"expression": source, "awaitPromise": False,
                                               "target": {"context": context}})
        if result["type"] == "exception":
            raise BidiError(result["exceptionDetails"]["text"])

    def set_dark(self, dark: bool) -> None:
        """Pages prefer a dark (or light) colour scheme, as with the system's dark mode."""
        self.evaluate(self.window, f"""(() => {{
            Services.prefs.setIntPref("layout.css.prefers-color-scheme.content-override",
                                      {0 if dark else 1});
            return true;
        }})()""")

    def extension(self, expression: str) -> Any:
        """Run an expression in one of the extension's pages (it can use ``browser.*``)."""
        return self.evaluate(self.inspector, expression)

    def open(self, url: str) -> None:
        """Show this page in the main tab, in front."""
        self.send("browsingContext.activate", {"context": self.tab})
        self.navigate(self.tab, url)

    def tab_id(self, url: str) -> int:
        tab_id: int = wait_until(lambda: self.extension(
            f"browser.tabs.query({{}}).then((tabs) => tabs.find((t) => t.url === {json.dumps(url)})"
            "?.id)"), f"the tab of {url}")
        return tab_id

    def button(self, url: str) -> dict[str, str]:
        """The toolbar button as the person sees it on the tab showing ``url``."""
        button: dict[str, str] = self.extension(f"""(async (tabId) => ({{
            text: await browser.action.getBadgeText({{tabId}}),
            title: await browser.action.getTitle({{tabId}}),
            popup: await browser.action.getPopup({{tabId}})}}))({self.tab_id(url)})""")
        return button

    def click_button(self) -> None:
        """Click the toolbar button in the browser window (on its active tab)."""
        self.evaluate(self.window, CLICK_ACTION)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()
