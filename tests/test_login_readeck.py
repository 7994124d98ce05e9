"""Readeck's sign-ins end to end against its fake server, through the real host and CLI:
Readeck's own pages in the real embedded window (offscreen Qt; authorization code with
PKCE, the client registered on the fly), and the device code approved elsewhere. No token,
code, verifier or password reaches an argument, a log, a reply or a data file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.services.base import Credentials

from tests.conftest import need
from tests.fakes.readeck import FakeReadeck
from tests.support.frames import REPO, HostProcess
from tests.support.hostio import host_env


@pytest.fixture
def readeck() -> Iterator[FakeReadeck]:
    with FakeReadeck(device_interval=0.2) as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = host_env(tmp_path)
    values["POCKET_COMPANION_LOG_LEVEL"] = "DEBUG"
    return values


def events_until_reply(host: HostProcess) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events = []
    while True:
        message = host.read()
        assert message is not None, "the host ended without a reply"
        if "event" not in message:
            return events, message
        events.append(message)


def secrets_of(fake: FakeReadeck) -> list[str]:
    """Every token the fake gave out, and the codes and verifiers of its sign-ins."""
    found = list(fake.tokens)
    for call in fake.requests():
        body = call.request.body if isinstance(call.request.body, dict) else {}
        found += [str(body[name]) for name in ("code", "code_verifier", "device_code")
                  if body.get(name)]
    return [value for value in found if len(value) >= 8]


def leaks(env: dict[str, str], values: list[str], *texts: str) -> list[str]:
    """Where any of ``values`` was found: the texts given, and every file of the data folder
    (the keychain file is the keychain, where the token belongs)."""
    assert values
    home = Path(env["POCKET_COMPANION_HOME"])
    places = {str(path): path.read_text(errors="replace") for path in home.rglob("*")
              if path.is_file() and path.suffix != ".sqlite3"}
    places.update({str(path): path.read_bytes().decode("latin-1")
                   for path in home.rglob("*.sqlite3*")})
    places.update({f"text {n}": text for n, text in enumerate(texts)})
    return [name for name, text in places.items() if any(v in text for v in values)]


def stored_token(env: dict[str, str]) -> str:
    entries = json.loads(Path(env["TEST_KEYRING_FILE"]).read_text())
    [(name, token)] = entries.items()
    assert name.startswith("pocket-companion/readeck:alice@")
    return Credentials.from_text(token).secret


def test_signing_in_on_readecks_pages_in_the_window(env: dict[str, str], readeck: FakeReadeck,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    need(find_spec("webview") is not None, "pywebview is not installed (the qt extra)")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    script = (f"fill:username={readeck.USER},fill:password={readeck.PASSWORD},"
              "click:sign-in,click:authorize")
    host = HostProcess({**env, "QT_QPA_PLATFORM": "offscreen"}, window_script=script)
    host.send({"id": 1, "action": "login", "params": {"service": "readeck",
                                                        "server": readeck.base_url,
                                                        "timeout": 90}})
    events, reply = events_until_reply(host)
    assert reply["ok"], reply
    assert reply["data"] == {"username": "alice", "server": readeck.base_url,
                             "service": "readeck"}
    assert [e["data"]["shown_in"] for e in events] == ["window"]
    token = stored_token(env)
    assert token in readeck.tokens
    saved = host.request("save", {"url": "https://example.org/read-later"})
    assert saved["data"]["state"] == "synced"
    assert [b.url for b in readeck.bookmarks.values()] == ["https://example.org/read-later"]
    code, stderr = host.close()
    assert code == 0
    assert leaks(env, [*secrets_of(readeck), readeck.PASSWORD], stderr,
                 json.dumps(reply), json.dumps(events)) == []


def approve_when_asked(readeck: FakeReadeck, user_code: list[str]) -> threading.Thread:
    def run() -> None:
        deadline = time.monotonic() + 30
        while not user_code and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the host polls meanwhile: "authorization_pending"
        readeck.approve_device(user_code[0])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_device_code_through_the_host(env: dict[str, str], readeck: FakeReadeck) -> None:
    host = HostProcess(env)
    host.send({"id": 1, "action": "login", "params": {"service": "readeck",
                                                        "server": readeck.base_url,
                                                        "show_in": "device", "timeout": 60}})
    first = host.read()
    assert first["event"] == "progress" and first["data"]["stage"] == "device_code"
    code = first["data"]
    assert code["verification_uri"] == f"{readeck.base_url}/device"
    assert code["user_code"] in code["verification_uri_complete"]
    approve_when_asked(readeck, [code["user_code"]]).join()
    _, reply = events_until_reply(host)
    assert reply["ok"], reply
    assert reply["data"]["username"] == "alice"
    assert stored_token(env) in readeck.tokens
    polls = readeck.requests("POST", "/api/oauth/token")
    assert len(polls) >= 2  # pending first, then the token
    _, stderr = host.close()
    assert leaks(env, secrets_of(readeck), stderr, json.dumps(reply)) == []


def test_the_cli_shows_the_code_and_waits_for_approval(env: dict[str, str],
                                                       readeck: FakeReadeck) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pocket_companion", "login", "--service", "readeck",
         "--server", readeck.base_url, "--device", "--timeout", "60"],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    said = proc.stderr.readline()
    assert said.startswith(f"On any device, open {readeck.base_url}/device and enter the code")
    user_code = said.split("the code ")[1].split()[0]
    approve_when_asked(readeck, [user_code])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.startswith("Logged in as alice")
    assert leaks(env, secrets_of(readeck), out, err) == []


def test_a_refused_device_code_is_login_rejected(env: dict[str, str],
                                                 readeck: FakeReadeck) -> None:
    host = HostProcess(env)
    host.send({"id": 1, "action": "login", "params": {"service": "readeck",
                                                        "server": readeck.base_url,
                                                        "show_in": "device", "timeout": 60}})
    code = host.read()["data"]
    readeck.deny_device(code["user_code"])
    _, reply = events_until_reply(host)
    assert reply["error"]["code"] == "login_rejected"
    assert not Path(env["TEST_KEYRING_FILE"]).exists() or \
        json.loads(Path(env["TEST_KEYRING_FILE"]).read_text() or "{}") == {}
    host.close()
