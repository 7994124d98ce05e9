"""The real host as a subprocess: the caller check, sync at start-up, two hosts at once,
stdout carrying frames only, no secrets in logs, and a light start."""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from pocket_companion.errors import ForbiddenCaller
from pocket_companion.nativehost.caller import Caller, check_allowed, host_manifest, identify

from tests.fakepocket import FakePocket
from tests.support.frames import CHROME_ORIGIN, FIREFOX_ID, REPO, HostProcess
from tests.support.keyrings import FileKeyring


@pytest.fixture
def env(tmp_path: Path, fake: FakePocket,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Host environment with an account on the fake server (token in a test keyring file)."""
    values = {
        "POCKET_COMPANION_HOME": str(tmp_path / "home"),
        "POCKET_BASE_URL": fake.base_url, "POCKET_CONSUMER_KEY": fake.CONSUMER_KEY,
        "PYTHON_KEYRING_BACKEND": "tests.support.keyrings.FileKeyring",
        "TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
        "PYTHONPATH": str(REPO),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield values
    keyring.set_keyring(previous)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def connect(env: dict[str, str]) -> None:
    """Log in through the CLI with a $BROWSER that approves like a person."""
    os.environ["BROWSER"] = f"{sys.executable} -m tests.support.browser %s"
    try:
        result = cli("login", "--system-browser", "--timeout", "30")
    finally:
        del os.environ["BROWSER"]
    assert result.returncode == 0, result.stderr


def test_argv_shapes_of_every_browser() -> None:
    assert identify([CHROME_ORIGIN]) == Caller("chromium", CHROME_ORIGIN)
    assert identify([CHROME_ORIGIN, "--parent-window=0"]) == Caller("chromium", CHROME_ORIGIN)
    assert identify(["--reconnect-command=e30=", CHROME_ORIGIN]).identity == CHROME_ORIGIN
    ff = identify(["/home/u/.mozilla/native-messaging-hosts/pocket_companion.json", FIREFOX_ID])
    assert ff == Caller("firefox", FIREFOX_ID)
    check_allowed(ff)
    check_allowed(identify([CHROME_ORIGIN, "--parent-window=1234"]))
    for argv in ([], ["chrome-extension://aaaa/"], ["/x/m.json", "evil@example.com"], ["x"]):
        with pytest.raises(ForbiddenCaller):
            check_allowed(identify(argv))


def test_the_extension_id_is_derived_from_the_committed_public_key() -> None:
    key = json.loads((REPO / "extension" / "manifest.json").read_text())["key"]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    ext_id = digest.translate(str.maketrans("0123456789abcdef", "abcdefghijklmnop"))
    assert host_manifest()["allowed_origins"] == [f"chrome-extension://{ext_id}/"]
    assert json.loads((REPO / "manifest.json").read_text()) == host_manifest()


@pytest.mark.parametrize("args", [["chrome-extension://aaaaaaaa/"], [],
                                  ["/m.json", "other@example.com"]])
def test_callers_not_in_the_manifest_are_refused(env: dict[str, str], args: list[str]) -> None:
    host = HostProcess(env, args)
    for action in ("hello", "save", "list"):
        reply = host.request(action, {"url": "https://example.org/"} if action == "save" else {})
        assert reply["error"]["code"] == "forbidden_caller"
    host.close()
    assert cli("list", "--json").stdout.count('"url"') == 0


def test_firefox_argv_is_accepted(env: dict[str, str]) -> None:
    host = HostProcess(env, ["/home/u/.mozilla/native-messaging-hosts/x.json", FIREFOX_ID])
    assert host.request("hello")["data"]["caller"] == {"browser": "firefox", "id": FIREFOX_ID}
    host.close()


def test_pending_saves_are_pushed_at_start_without_delaying_the_first_reply(
        env: dict[str, str], fake: FakePocket) -> None:
    assert cli("save", "https://example.org/early").returncode == 0  # no account yet
    connect(env)
    assert cli("save", "--json", "https://example.org/offline").returncode == 0
    fake.stop()
    assert json.loads(cli("save", "--json", "https://example.org/while-down").stdout)[
        "state"] == "pending"
    fake.start()
    calls = len(fake.calls)
    host = HostProcess(env)
    assert host.request("hello")["ok"]
    assert len(fake.calls) == calls  # the first reply came before any network call
    deadline = time.time() + 20
    while fake.add_count("https://example.org/while-down") == 0 and time.time() < deadline:
        time.sleep(0.1)
    assert fake.add_count("https://example.org/while-down") == 1
    assert host.request("status")["data"]["pending"] == 0
    host.close()


def test_two_hosts_save_at_once(env: dict[str, str], fake: FakePocket) -> None:
    connect(env)
    hosts = [HostProcess(env), HostProcess(env, ["/m.json", FIREFOX_ID])]
    batches = [[f"https://example.org/{name}/{i}" for i in range(60)] for name in ("a", "b")]
    shared = [f"https://example.org/shared/{i}" for i in range(20)]
    for host, batch in zip(hosts, batches, strict=True):
        for index, url in enumerate(batch + shared):
            host.send({"id": index, "action": "save", "params": {"url": url}})
    messages = [[host.read() for _ in range(160)] for host in hosts]  # a `kept` event each
    assert all(m["ok"] for ms in messages for m in ms if "event" not in m)
    assert all(sum("event" in m for m in ms) == 80 for ms in messages)
    for host in hosts:
        host.request("sync")
    listed = hosts[0].request("list", {"limit": 1000})["data"]
    everything = set(batches[0] + batches[1] + shared)
    assert listed["total"] == len(everything) == 140
    assert {item["url"] for item in listed["items"]} == everything
    assert all(item["state"] == "synced" for item in listed["items"])
    assert {item["given_url"] for item in fake.items().values()} == everything
    assert all(fake.add_count(url) == 1 for url in batches[0] + batches[1])
    for host in hosts:
        assert host.close()[0] == 0


def test_stdout_carries_frames_only_and_no_secret_is_logged(
        env: dict[str, str], fake: FakePocket, tmp_path: Path) -> None:
    misbehaving_browser = f"{sys.executable} -m tests.support.browser %s"
    host = HostProcess({**env, "BROWSER": misbehaving_browser,
                        "POCKET_COMPANION_LOG_LEVEL": "DEBUG"})
    host.send({"id": "L", "action": "login", "params": {"timeout": 30, "show_in": "browser"}})
    progress = host.read()
    assert progress["event"] == "progress" and progress["data"]["stage"] == "authorize"
    login = host.read()
    assert login["ok"], login
    saved = host.request("save", {"url": "https://example.org/secret-test"})
    assert saved["data"]["state"] == "synced"
    code, stderr = host.close()  # also asserts nothing but frames reached stdout
    assert code == 0
    [token] = fake.issued_tokens
    logs = (tmp_path / "home" / "logs" / "pocket-companion.log").read_text()
    assert "stray output from the browser launcher" in stderr
    assert "/v3/oauth/authorize" in logs  # the token exchange was logged, without the token
    for secret in (token, fake.CONSUMER_KEY):
        assert secret not in stderr and secret not in logs
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
            if path.name != "config.json":  # the consumer key is configuration (0600)
                assert fake.CONSUMER_KEY.encode() not in path.read_bytes(), path


HEAVY = ("requests", "keyring", "urllib3", "sqlite3", "logging",
         "pocket_companion.library.query", "pocket_companion.library.search",
         "pocket_companion.library.store", "pocket_companion.library.listing")
PROBE = (f"import sys, runpy; sys.argv = ['host', {CHROME_ORIGIN!r}]; "
         "import atexit; atexit.register(lambda: print(sorted(m for m in sys.modules "
         f"if m.split('.')[0] in {HEAVY} or m in {HEAVY}), "
         "file=sys.stderr)); "
         "runpy.run_module('pocket_companion.nativehost.host', run_name='__main__')")


def run_probed(env: dict[str, str], *requests: dict[str, object]) -> tuple[list[Any], set[str]]:
    """The host answering ``requests``; its replies and the heavy modules it loaded."""
    frames = b"".join(len(body).to_bytes(4, sys.byteorder) + body
                      for body in (json.dumps(r).encode() for r in requests))
    proc = subprocess.run([sys.executable, "-c", PROBE], input=frames, capture_output=True,
                          env=env, cwd=REPO, timeout=60)
    stream, replies = proc.stdout, []
    while stream:
        size = int.from_bytes(stream[:4], sys.byteorder)
        replies.append(json.loads(stream[4:4 + size]))
        stream = stream[4 + size:]
    loaded = ast.literal_eval(proc.stderr.decode().strip().splitlines()[-1])
    return replies, {name if name in HEAVY else name.split(".")[0] for name in loaded}


def test_hello_needs_neither_requests_nor_keyring_nor_the_store(env: dict[str, str]) -> None:
    replies, loaded = run_probed(env, {"id": 1, "action": "hello"})
    assert replies[0]["ok"]
    assert loaded <= {"logging"}  # logging comes after the reply, nothing else at all
    replies, loaded = run_probed(env, {"id": 1, "action": "list", "params": {"query": "x"}})
    assert replies[0]["data"] == {"items": [], "total": 0}
    assert {"sqlite3", "pocket_companion.library.query", "pocket_companion.library.store"} <= loaded


def test_the_host_never_loads_keyring_the_helper_does(env: dict[str, str],
                                                      fake: FakePocket) -> None:
    connect(env)
    replies, loaded = run_probed(env, {"id": 1, "action": "save",
                                       "params": {"url": "https://example.org/helper"}})
    assert replies[0]["data"]["stage"] == "kept" and replies[-1]["data"]["state"] == "synced"
    assert "requests" in loaded and "keyring" not in loaded
    assert fake.add_count("https://example.org/helper") == 1


def test_the_start_up_path_loads_neither_typing_nor_pathlib(env: dict[str, str]) -> None:
    """About 3 ms each, a third of what a cold ``hello`` adds to Python's own start."""
    probe = ("import sys; before = set(sys.modules); import pocket_companion.nativehost.host; "
             "print(sorted(set(sys.modules) - before))")
    # -S: without site, whose editable-install finder loads pathlib itself
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(REPO / ".typecheck")}, cwd=REPO,
                            timeout=60)
    loaded = ast.literal_eval(result.stdout.strip())
    assert "pocket_companion.nativehost.host" in loaded
    assert not {"typing", "pathlib", "dataclasses", "sqlite3", "requests"} & set(loaded)
