"""The Pocket v3 client against the fake server: quirks, errors and transport failures."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from pocket_companion import errors
from pocket_companion.services.base import Change, Credentials
from pocket_companion.services.pocket.adapter import PocketService
from pocket_companion.services.pocket.client import PocketClient

from tests.fakepocket import FakePocket, Fault


class FormOnlySession(requests.Session):
    """A session that leaves out X-Accept, as old clients did: auth answers come form-encoded."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        request.headers.pop("X-Accept", None)
        response = super().send(request, **kwargs)
        assert "json" not in response.headers["Content-Type"]  # the form-encoded path is tried
        return response


def client(fake: FakePocket, **kwargs: Any) -> PocketClient:
    return PocketClient(fake.base_url, fake.CONSUMER_KEY, timeout=(1.0, 1.0), **kwargs)


def approved_code(fake: FakePocket, c: PocketClient, user: str | None = None) -> str:
    code = c.request_token("http://127.0.0.1:9/callback", "s")
    fake.approve(code, user)
    return code


@pytest.mark.parametrize("session", [requests.Session, FormOnlySession])
def test_auth_answers_in_json_and_in_form_encoding(fake: FakePocket, session: type) -> None:
    fake.add_user("someone+tag@example.com")
    c = client(fake, session_factory=session)
    grant = c.authorize(approved_code(fake, c, "someone+tag@example.com"))
    assert grant.username == "someone+tag@example.com"
    assert grant.credentials.secret in fake.issued_tokens


def test_the_requests_carry_json_and_x_accept(fake: FakePocket) -> None:
    c = client(fake)
    token = fake.issue_token()
    c.add(token, "https://example.org/", "T", ["a"])
    call = fake.calls[-1]
    assert call.path == "/v3/add" and call.params["consumer_key"] == fake.CONSUMER_KEY
    assert call.headers["X-Accept"] == "application/json"
    assert call.headers["Content-Type"].startswith("application/json")
    assert call.headers["User-Agent"].startswith("pocket-companion/")


@pytest.mark.parametrize("code, error", [("158", errors.LoginRejected),
                                         ("159", errors.LoginExpired),
                                         ("185", errors.LoginExpired)])
def test_auth_error_codes(fake: FakePocket, code: str, error: type) -> None:
    c = client(fake)
    request = c.request_token("http://127.0.0.1:9/callback", "s")
    if code == "159":
        fake.approve(request)
        c.authorize(request)
    elif code == "185":
        request = "dcba4321-dcba-4321-dcba-4321dc"
    with pytest.raises(error):
        c.authorize(request)


def test_invalid_consumer_key_is_forbidden(fake: FakePocket) -> None:
    c = PocketClient(fake.base_url, "9999-000000000000000000000000")
    with pytest.raises(errors.Forbidden, match="Invalid consumer key"):
        c.request_token("http://127.0.0.1:9/callback", "s")


def test_add_send_get_with_string_numbers_and_empty_list(fake: FakePocket) -> None:
    service = PocketService(client(fake))
    token = Credentials(fake.issue_token())
    [empty] = service.pull(token, None)  # the server answers "list": []
    assert empty.items == [] and empty.cursor
    [result] = service.push(token, [Change("add", "https://example.org/a", "A", ("x",))])
    assert result.ok and result.remote_id and result.remote_id.isdigit()
    batch = [Change("add", "https://example.org/b"),
             Change("archive", "", remote_id=result.remote_id),
             Change("tags_add", "", tags=("y",), remote_id=result.remote_id)]
    results = service.push(token, batch)
    assert [r.ok for r in results] == [True, True, True]
    item = fake.items()[result.remote_id]
    assert item["status"] == "1" and set(item["tags"]) == {"x", "y"}
    pulled = [item for page in service.pull(token, None) for item in page.items]
    assert {r.url for r in pulled} == {"https://example.org/a", "https://example.org/b"}
    assert service.find_saved(token, ["https://example.org/b", "https://example.org/c"], 1) == {
        "https://example.org/b": results[0].remote_id}


def test_a_failed_action_does_not_fail_the_batch(fake: FakePocket) -> None:
    service = PocketService(client(fake))
    results = service.push(Credentials(fake.issue_token()), [
        Change("add", "https://example.org/ok"), Change("bogus", "", remote_id="1")])
    assert results[0].ok and not results[1].ok and results[1].error


def test_401_is_not_authenticated(fake: FakePocket) -> None:
    token = fake.issue_token()
    fake.revoke(token)
    with pytest.raises(errors.NotAuthenticated):
        client(fake).add(token, "https://example.org/", "", [])


def test_missing_permission_is_forbidden() -> None:
    with (FakePocket(consumer_keys={FakePocket.CONSUMER_KEY: "d"}) as fake,
          pytest.raises(errors.Forbidden, match="permission")):
        client(fake).add(fake.issue_token(), "https://example.org/", "", [])


def test_exhausted_user_limit_is_rate_limited_with_the_reset() -> None:
    with FakePocket(user_limit=2) as fake:
        c, token = client(fake), fake.issue_token()
        c.add(token, "https://example.org/1", "", [])
        c.add(token, "https://example.org/2", "", [])
        with pytest.raises(errors.RateLimited) as caught:
            c.add(token, "https://example.org/3", "", [])
        assert 0 < caught.value.retry_after <= 3600 and caught.value.retryable


@pytest.mark.parametrize("fault, sent", [
    (Fault("status", status=500), True),
    (Fault("status", status=503), False),
    (Fault("html_error"), True),
    (Fault("drop"), True),
    (Fault("reset_after_processing"), True),
    (Fault("slow", seconds=3), True),
    (Fault("malformed_json", processed=True), True),
])
def test_server_failures_are_retryable(fake: FakePocket, fault: Fault, sent: bool) -> None:
    fake.inject(fault)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        client(fake).add(fake.issue_token(), "https://example.org/", "", [])
    assert caught.value.retryable and caught.value.sent is sent


def test_refused_connection_was_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(errors.ServiceUnavailable) as caught:
        PocketClient(f"http://127.0.0.1:{port}", "1-x").add("t", "https://example.org/", "", [])
    assert caught.value.sent is False
