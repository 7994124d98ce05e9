"""The OAuth flow end to end: loopback redirect, a scripted person on the authorize page,
the token in the keychain, and every way a login can fail."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import keyring
import pytest
from keyring.backends import fail
from pocket_companion import errors
from pocket_companion.account.login.openers import LoginTarget
from pocket_companion.account.secrets.keychain import SERVICE, KeyringTokenStore
from pocket_companion.core import Companion
from pocket_companion.services.pocket.client import PocketClient

from tests.fakepocket import FakePocket
from tests.support.browser import BrowserPage, ScriptedBrowser, press
from tests.support.keyrings import MemoryKeyring


def login(c: Companion, fake: FakePocket, timeout: float = 20, **kw: object) -> dict[str, str]:
    return c.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY},
                   timeout=timeout, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("redirect_mode", ["302", "js"])
def test_login_end_to_end(make_companion: Callable[..., Companion], fake: FakePocket,
                          memory_keyring: MemoryKeyring, redirect_mode: str) -> None:
    fake.redirect_mode = redirect_mode
    browser = ScriptedBrowser()
    c = make_companion(opener=browser)
    events: list[str] = []
    account = login(c, fake, progress=lambda stage, data: events.append(stage))
    assert account == {"username": "pocketuser", "server": fake.base_url, "service": "pocket"}
    assert events == ["authorize"]
    [token] = fake.issued_tokens
    assert memory_keyring.secrets == {(SERVICE, f"pocketuser@{fake.base_url}"): token}
    stored = (c.home / "config.json").read_text()
    assert token not in stored and json.loads(stored)["username"] == "pocketuser"
    assert (c.home / "config.json").stat().st_mode & 0o777 == 0o600
    assert browser.pages[0].closed
    call = next(call for call in fake.calls if call.path == "/v3/oauth/request")
    redirect = call.params["redirect_uri"]
    assert redirect.startswith("http://127.0.0.1:") and "/callback?state=" in redirect


def test_the_callback_page_tells_the_person_what_happened(
        make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    pages: list[str] = []

    class Recording(ScriptedBrowser):
        def open(self, target: LoginTarget) -> BrowserPage:
            link = target.relay(target.authorize_url)
            threading.Thread(target=lambda: pages.append(press(link).text)).start()
            return BrowserPage()

    login(make_companion(opener=Recording()), fake)
    for _ in range(100):
        if pages:
            break
        threading.Event().wait(0.05)
    assert "connected as pocketuser" in pages[0]


def test_denying_is_login_rejected(make_companion: Callable[..., Companion],
                                   fake: FakePocket, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(errors.LoginRejected):
        login(make_companion(opener=ScriptedBrowser("deny")), fake)
    assert memory_keyring.secrets == {}


def test_a_used_request_token_is_login_expired(make_companion: Callable[..., Companion],
                                               fake: FakePocket) -> None:
    class Thief(ScriptedBrowser):
        def open(self, target: LoginTarget) -> BrowserPage:
            code = target.authorize_url.split("request_token=")[1].split("&")[0]
            fake.approve(code)
            PocketClient(fake.base_url, fake.CONSUMER_KEY).authorize(code)  # spends the code
            return super().open(target)

    with pytest.raises(errors.LoginExpired):
        login(make_companion(opener=Thief()), fake)


def test_an_unknown_request_token_is_login_expired(make_companion: Callable[..., Companion],
                                                   fake: FakePocket) -> None:
    class Redirected(BrowserPage):
        def outcome(self) -> str | None:
            return "redirected"  # as a login window that saw the redirect reports it

    class Forgetful(ScriptedBrowser):
        def open(self, target: LoginTarget) -> BrowserPage:
            fake.reset()  # the server forgot the request token (code 185)
            return Redirected()

    with pytest.raises(errors.LoginExpired):
        login(make_companion(opener=Forgetful(None)), fake)


def test_no_answer_is_login_timeout(make_companion: Callable[..., Companion],
                                    fake: FakePocket) -> None:
    browser = ScriptedBrowser(None)
    with pytest.raises(errors.LoginTimeout):
        login(make_companion(opener=browser), fake, timeout=1)
    assert browser.pages[0].closed


def test_a_cancelled_login(make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(errors.LoginCancelled):
        login(make_companion(opener=ScriptedBrowser(None)), fake, cancel=cancel)


def test_a_closed_login_window_is_cancelled(make_companion: Callable[..., Companion],
                                            fake: FakePocket) -> None:
    class Closed(BrowserPage):
        def outcome(self) -> str | None:
            return "closed"

    class Window(ScriptedBrowser):
        def open(self, target: LoginTarget) -> BrowserPage:
            return Closed()

    with pytest.raises(errors.LoginCancelled, match="closed"):
        login(make_companion(opener=Window(None)), fake)


def test_without_a_keyring_backend_nothing_is_stored_in_plaintext(
        make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    browser = ScriptedBrowser()
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(errors.SecureStorageUnavailable, match="Secret Service"):
        login(make_companion(opener=browser), fake)
    assert browser.opened == []  # refused before the user is asked to approve
    assert not (fake.issued_tokens)
    assert "username" not in (make_companion().config.load().account or {})


def test_plaintext_backends_are_refused() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(errors.SecureStorageUnavailable, match="not secure"):
            KeyringTokenStore().get("someone")
    finally:
        keyring.set_keyring(previous)


def test_logout_deletes_the_token(logged_in: Companion, memory_keyring: MemoryKeyring) -> None:
    assert memory_keyring.secrets
    logged_in.logout()
    assert memory_keyring.secrets == {}
    assert logged_in.status()["account"] is None


def test_login_over_plain_http_to_a_remote_server_is_refused(
        make_companion: Callable[..., Companion]) -> None:
    with pytest.raises(errors.InvalidParams, match="https"):
        make_companion().login(server="http://pocket.example.org", fields={"consumer_key": "1-x"})
