"""Finding 8 of the security review, and the server-address part of finding 11: the login's
loopback server trusts nobody but the holder of this login's state, once; server URLs are
https, or plain http on the loopback address itself, with no user name or password."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from pocket_companion import errors
from pocket_companion.account.login.loopback import LoopbackServer
from pocket_companion.account.login.openers import LoginTarget
from pocket_companion.config import check_server
from pocket_companion.core import Companion

from tests.fakepocket import FakePocket
from tests.support.browser import BrowserPage, ScriptedBrowser


def raw_get(redirect: str, path: str, host: str | None = None,
            method: str = "GET") -> http.client.HTTPResponse:
    parts = urlsplit(redirect)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.putrequest(method, path, skip_host=True)
    connection.putheader("Host", host or parts.netloc)
    connection.endheaders()
    return connection.getresponse()


class Intruder(ScriptedBrowser):
    """Another local user who knows the redirect URI (with its state) tries it first, then
    the person approves in their browser."""

    def __init__(self, attempt: Callable[[LoginTarget], Any]) -> None:
        super().__init__()
        self.attempt = attempt
        self.outcome: Any = None

    def open(self, target: LoginTarget) -> BrowserPage:
        self.outcome = self.attempt(target)
        return super().open(target)


def callback_path(target: LoginTarget) -> str:
    parts = urlsplit(target.redirect_uri)
    return f"{parts.path}?{parts.query}"


def login(companion: Companion, fake: FakePocket) -> dict[str, str]:
    return companion.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY},
                           timeout=20)


def test_another_host_name_cannot_end_the_login(make_companion: Callable[..., Companion],
                                                fake: FakePocket) -> None:
    def rebind(target: LoginTarget) -> tuple[int, bytes]:
        answer = raw_get(target.redirect_uri, callback_path(target), host="evil.example")
        return answer.status, answer.read()

    intruder = Intruder(rebind)
    assert login(make_companion(opener=intruder), fake)["username"] == "pocketuser"
    status, body = intruder.outcome
    assert status == 404 and b"did not complete" not in body  # the login went on


def test_the_state_works_once() -> None:
    server = LoopbackServer()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        server.finish("Pocket Companion is connected.")  # the outcome, known at once
        path = callback_path(LoginTarget("", server.redirect_uri, server.relay))
        first = raw_get(server.redirect_uri, path)
        assert first.status == 200 and b"connected" in first.read()
        again = raw_get(server.redirect_uri, path)
        assert again.status == 404 and b"connected" not in again.read()
    finally:
        server.shutdown()
        server.server_close()


def test_idle_connections_cannot_pile_up(make_companion: Callable[..., Companion],
                                         fake: FakePocket) -> None:
    sockets: list[socket.socket] = []

    def flood(target: LoginTarget) -> tuple[int, int]:
        before = threading.active_count()
        parts = urlsplit(target.redirect_uri)
        try:
            for _ in range(200):
                sockets.append(socket.create_connection((parts.hostname, parts.port)))
            time.sleep(1)
            return before, threading.active_count()
        finally:
            for sock in sockets:
                sock.close()

    intruder = Intruder(flood)
    # once the flood stops, the person's browser gets through
    assert login(make_companion(opener=intruder), fake)["username"] == "pocketuser"
    before, during = intruder.outcome
    assert during - before <= 8  # one thread per connection, at most 8 at once


def test_replies_say_nothing_about_the_server_and_other_methods_are_not_found(
        make_companion: Callable[..., Companion], fake: FakePocket) -> None:
    def probe(target: LoginTarget) -> list[tuple[int, str | None]]:
        answers = []
        for method in ("GET", "POST", "OPTIONS", "BREW"):
            answer = raw_get(target.redirect_uri, "/elsewhere", method=method)
            answer.read()
            answers.append((answer.status, answer.getheader("Server")))
        return answers

    intruder = Intruder(probe)
    login(make_companion(opener=intruder), fake)
    assert intruder.outcome == [(404, None)] * 4


def test_a_one_time_link_opened_twice_ends_the_login(make_companion: Callable[..., Companion],
                                                     fake: FakePocket) -> None:
    def thief(target: LoginTarget) -> int:
        link = target.relay(target.authorize_url)
        first = requests.get(link, allow_redirects=False, timeout=10)  # the thief is first
        assert first.status_code == 303
        return requests.get(link, allow_redirects=False, timeout=10).status_code

    class Late(Intruder):
        def open(self, target: LoginTarget) -> BrowserPage:
            self.outcome = self.attempt(target)
            return BrowserPage()  # the person's browser gets "already used"; nobody approves

    late = Late(thief)
    with pytest.raises(errors.LoginCancelled, match="opened twice"):
        login(make_companion(opener=late), fake)
    assert late.outcome == 404


@pytest.mark.parametrize("url", [
    "http://localhost:8080", "http://LOCALHOST", "http://user:pw@127.0.0.1:1",
    "https://user@pocket.example", "https://pocket.example@evil.example",
    "https://pocket.example/?x=1", "https://pocket.example/#f", "http://127.0.0.1:99999",
    "http://[::2]:80", "ftp://pocket.example",
])
def test_server_addresses_that_are_refused(url: str) -> None:
    with pytest.raises(errors.InvalidParams):
        check_server(url)


@pytest.mark.parametrize("url", ["https://pocket.example/", "http://127.0.0.1:18800",
                                 "http://[::1]:18800", "https://pocket.example:8443/base"])
def test_server_addresses_that_are_accepted(url: str) -> None:
    assert check_server(url) == url.rstrip("/")
