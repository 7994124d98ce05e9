"""Security: callers outside the allowlist are refused for every action; the access
token is in the keychain and nowhere else (every reply, the log, stderr and every file
are searched for it after a whole session); data files are 0600 and folders 0700 even
under a permissive umask; only http and https pages are saved by any action; TLS
certificates are always verified."""

from __future__ import annotations

import base64
import json
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.actions import ACTIONS

from tests.conftest import need
from tests.fakepocket import FakePocket, Fault
from tests.support.desktop import have, secret_service
from tests.support.frames import CHROME_ORIGIN, FIREFOX_ID, REPO
from tests.support.hostio import StrictHost, connect_account, host_env, reading_list
from tests.support.tls import TlsFront, self_signed

SCRIPTED_PERSON = f"{sys.executable} -m tests.support.browser %s"


def every_action(fake: FakePocket) -> dict[str, dict[str, Any]]:
    """One plausible, valid request per action."""
    url = "https://example.org/refused"
    requests = {
        "hello": {}, "status": {}, "save": {"url": url}, "save_many": {"items": [{"url": url}]},
        "lookup": {"url": url}, "list": {}, "sync": {}, "login_cancel": {}, "logout": {},
        "login": {"server": fake.base_url, "consumer_key": fake.CONSUMER_KEY, "timeout": 5,
                  "show_in": "browser"},
        "modify": {"url": url, "op": "archive"}, "tags": {},
        "modify_many": {"urls": [url], "op": "delete"},
        "import_begin": {"name": "part_000000.csv", "size": 40},
        "import_chunk": {"upload": "A" * 24, "offset": 0, "data": "dXJsCg=="},
        "import_finish": {"upload": "A" * 24}, "export": {"format": "json"},
        "capture": {"url": url, "article": None}, "article": {"url": url},
        "article_progress": {"item_id": 1, "progress": 0.5}, "preferences": {},
    }
    assert set(requests) == set(ACTIONS), "a new action needs a line here"
    return requests


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pocket_companion", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("argv", [
    [], ["--parent-window=0"], ["chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"],
    [CHROME_ORIGIN.rstrip("/")], [CHROME_ORIGIN + "evil/"], [CHROME_ORIGIN.upper()],
    [f"moz-extension://{FIREFOX_ID}/"], [FIREFOX_ID], ["/x/m.json", "evil@example.com"],
    ["/x/m.json", CHROME_ORIGIN], [CHROME_ORIGIN.replace("chrome-extension", "https")],
], ids=lambda argv: " ".join(argv) or "no arguments")
def test_a_caller_not_in_the_allowlist_is_refused_for_every_action(
        tmp_path: Path, fake: FakePocket, argv: list[str]) -> None:
    env = host_env(tmp_path, fake)
    token = connect_account(env, fake)
    host = StrictHost(env, argv)
    for action, params in every_action(fake).items():
        reply = host.request(action, params)
        assert reply["ok"] is False and reply["error"]["code"] == "forbidden_caller", reply
    assert host.finish()[0] == 0
    assert fake.calls == []  # no sync, no login: nothing reached the server
    assert not (tmp_path / "home" / "reading-list.sqlite3").exists()  # nothing was read
    assert token in (tmp_path / "keyring.json").read_text()  # the logout did not happen
    allowed = StrictHost(env)  # the same request from the extension works
    assert allowed.request("hello")["data"]["account"]["username"] == fake.username
    assert allowed.finish()[0] == 0


def test_the_access_token_is_in_the_keychain_and_nowhere_else(
        tmp_path: Path, fake: FakePocket) -> None:
    need(have("dbus-daemon", "gnome-keyring-daemon"),
         "no D-Bus or GNOME Keyring to run a Secret Service")
    with secret_service(tmp_path / "desktop") as desktop:
        env = {key: value for key, value in host_env(tmp_path, fake).items()
               if key not in ("PYTHON_KEYRING_BACKEND", "TEST_KEYRING_FILE")}
        env.update({key: desktop[key] for key in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
                                                  "XDG_DATA_HOME", "XDG_CONFIG_HOME")})
        env.update(BROWSER=SCRIPTED_PERSON, POCKET_COMPANION_LOG_LEVEL="DEBUG")
        host = StrictHost(env, keep_raw=True)
        assert whole_session(host, fake) == "synced"
        [token] = fake.issued_tokens
        account = f"{fake.username}@{fake.base_url}"
        assert keychain_entry(env, account) == token  # it really was in the keychain
        outputs = [cli(env, *args) for args in (["status", "--json"], ["list", "--json"],
                                                ["sync", "--json"])]
        assert [result.returncode for result in outputs] == [0, 0, 0], outputs
        assert host.request("logout")["ok"]
        assert keychain_entry(env, account) is None
        code, stderr = host.finish()
        raw = bytes(host.out.raw)
    assert code == 0, stderr
    forms = [token.encode(), base64.b64encode(token.encode()), token.encode("utf-16-le")]
    places = {"stdout of the host": raw, "stderr of the host": stderr.encode(),
              **{f"CLI {r.args[3:]}": (r.stdout + r.stderr).encode() for r in outputs},
              **{str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}}
    assert any(name.endswith("pocket-companion.log") for name in places)
    leaks = [name for name, data in places.items() if any(form in data for form in forms)]
    assert leaks == []


def whole_session(host: StrictHost, fake: FakePocket) -> str:
    """Log in through the host, save, list, change, sync through a failure; the first
    save's state."""
    login = host.request("login", {"server": fake.base_url, "consumer_key": fake.CONSUMER_KEY,
                                   "timeout": 60, "show_in": "browser"})
    assert login["ok"], login
    saved = host.request("save", {"url": "https://example.org/secret", "tags": ["a"]})
    many = host.request("save_many", {"items": [{"url": f"https://example.org/{i}"}
                                                for i in range(3)]})
    assert many["ok"] and host.request("lookup", {"url": "https://example.org/1"})["ok"]
    assert host.request("modify", {"url": "https://example.org/secret", "op": "tags_add",
                                   "tags": ["b"]})["ok"]
    fake.inject(Fault("status", status=500))
    host.request("save", {"url": "https://example.org/after-a-failure"})
    for action in ("sync", "status", "hello", "list"):
        assert host.request(action)["ok"], action
    return str(saved["data"]["state"])


def keychain_entry(env: dict[str, str], account: str) -> str | None:
    """What another process finds in the Secret Service for this account."""
    probe = ("import json, sys, keyring; "
             "print(json.dumps(keyring.get_password('pocket-companion', sys.argv[1])))")
    result = subprocess.run([sys.executable, "-c", probe, account], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found: str | None = json.loads(result.stdout)
    return found


def wrong_modes(home: Path) -> dict[str, str]:
    """Folders under ``home`` (and home itself) not 0700, files not 0600; "." must exist."""
    names = {".", *(str(p.relative_to(home)) for p in home.rglob("*"))}
    wrong = {}
    for name in names:
        mode = stat.S_IMODE((home / name).stat().st_mode)
        if mode != (0o700 if (home / name).is_dir() else 0o600):
            wrong[name] = oct(mode)
    return wrong


def test_data_files_are_0600_and_folders_0700_under_any_umask(
        tmp_path: Path, fake: FakePocket) -> None:
    env = {**host_env(tmp_path, fake), "BROWSER": SCRIPTED_PERSON}
    host = StrictHost(env, umask=0)
    assert host.request("login", {"timeout": 60, "show_in": "browser"})["ok"]
    assert host.request("save", {"url": "https://example.org/"})["data"]["state"] == "synced"
    home = tmp_path / "home"
    names = {str(p.relative_to(home)) for p in home.rglob("*")}
    wrong = wrong_modes(home)  # while the host runs: the WAL files exist now
    assert host.finish()[0] == 0
    assert {"reading-list.sqlite3", "reading-list.sqlite3-wal", "reading-list.sqlite3-shm",
            "config.json", "logs", "logs/pocket-companion.log"} <= names
    assert wrong == {}
    cli_home = tmp_path / "cli-home"
    result = subprocess.run([sys.executable, "-m", "pocket_companion", "save",
                             "https://example.org/"], cwd=REPO, capture_output=True,
                            env={**env, "POCKET_COMPANION_HOME": str(cli_home)}, umask=0,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert (cli_home / "reading-list.sqlite3").exists() and wrong_modes(cli_home) == {}


BAD_URLS = ["javascript:alert(1)", "file:///etc/passwd", "chrome://settings/", "about:blank",
            "data:text/html,<b>x</b>", "ftp://example.org/f", "ws://example.org/", "blob:x",
            "view-source:https://example.org/", "mailto:a@example.org", "//example.org/x",
            "example.org/x", "https://user:secret@example.org/", "HTTPS//example.org",
            "https:example.org", " javascript:alert(1)", "jav\tascript:alert(1)"]
URL_REQUESTS = {
    "save": lambda url: {"url": url},
    "save_many": lambda url: {"items": [{"url": url}]},
    "lookup": lambda url: {"url": url},
    "modify": lambda url: {"url": url, "op": "archive"},
    "modify_many": lambda url: {"urls": [url], "op": "archive"},
    "capture": lambda url: {"url": url, "article": None},
    "article": lambda url: {"url": url},
}


def _url_code(action: str, reply: dict[str, Any]) -> str:
    if action in ("save_many", "modify_many") and reply["ok"]:
        return str(reply["data"]["results"][0]["error"]["code"])
    return str(reply["error"]["code"]) if not reply["ok"] else "accepted"


@pytest.fixture
def account_host(tmp_path: Path, fake: FakePocket) -> Iterator[StrictHost]:
    env = host_env(tmp_path, fake)
    connect_account(env, fake)
    host = StrictHost(env)
    yield host
    assert host.finish()[0] == 0


def test_only_http_and_https_pages_are_taken_by_any_action(
        account_host: StrictHost, fake: FakePocket) -> None:
    takes_urls = {name for name, action in ACTIONS.items()
                  if action.params & {"url", "urls", "items"}}
    assert takes_urls == set(URL_REQUESTS), "an action that takes URLs needs a line here"
    codes = {(action, url): _url_code(action, account_host.request(action, make(url)))
             for url in BAD_URLS for action, make in URL_REQUESTS.items()}
    assert {key: code for key, code in codes.items() if code != "invalid_url"} == {}
    for url in ("http://example.org/plain", "https://example.org/secure"):
        assert account_host.request("save", {"url": url})["data"]["state"] == "synced"
    assert set(reading_list(account_host)) == {"http://example.org/plain",
                                               "https://example.org/secure"}
    assert sorted(item["given_url"] for item in fake.items().values()) == [
        "http://example.org/plain", "https://example.org/secure"]


@pytest.mark.parametrize("server", ["http://example.org", "http://10.0.0.1:80",
                                    "ftp://127.0.0.1/", "file:///etc/passwd", "ws://127.0.0.1:9/",
                                    "javascript:alert(1)", "127.0.0.1:9"])
def test_a_login_goes_only_to_https_or_this_machine(
        account_host: StrictHost, fake: FakePocket, server: str) -> None:
    reply = account_host.request("login", {"server": server, "consumer_key": fake.CONSUMER_KEY,
                                           "timeout": 5, "show_in": "browser"})
    assert reply["error"]["code"] == "invalid_params", reply
    assert fake.calls == []


def test_tls_certificates_are_always_verified(tmp_path: Path, fake: FakePocket) -> None:
    cert, key = self_signed(tmp_path)
    front = TlsFront(fake.port, cert, key)
    loosened = {"CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "PYTHONHTTPSVERIFY": "0"}
    for name, extra in (("plain", {}), ("loosened", loosened)):
        env = {**host_env(tmp_path / name, fake), "POCKET_BASE_URL": front.url}
        connect_account(env, fake, server=front.url)
        host = StrictHost({**env, **extra})
        saved = host.request("save", {"url": "https://example.org/tls"})["data"]
        assert saved["state"] == "pending", saved
        assert saved["warning"]["code"] == "service_unavailable"
        assert "certificate" in saved["warning"]["message"]
        assert host.request("sync")["error"]["code"] == "service_unavailable"
        login = host.request("login", {"server": front.url, "consumer_key": fake.CONSUMER_KEY,
                                       "timeout": 5, "show_in": "browser"})
        assert login["error"]["code"] == "service_unavailable", login
        assert host.finish()[0] == 0
    assert fake.calls == [] and front.handshakes == 0 and front.broken_off >= 6
    env = {**host_env(tmp_path / "plain", fake), "POCKET_BASE_URL": front.url}
    trusted = StrictHost({**env, "REQUESTS_CA_BUNDLE": str(cert)})  # the control
    assert trusted.request("sync")["data"] == {"synced": 1, "pending": 0, "pulled": 1}
    assert trusted.finish()[0] == 0
    front.close()
    assert front.handshakes > 0 and fake.add_count("https://example.org/tls") == 1


def test_no_code_turns_certificate_checks_off() -> None:
    pattern = re.compile(r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|"
                         r"_create_unverified_context|disable_warnings|PYTHONHTTPSVERIFY")
    sources = [*(REPO / "host").rglob("*.py"), *(REPO / "installer").rglob("*.py")]
    assert len(sources) > 20
    assert [str(p) for p in sources if pattern.search(p.read_text(encoding="utf-8"))] == []
