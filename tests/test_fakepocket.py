"""Tests of the fake Pocket v3 server itself (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin

import pytest
import requests

from tests.fakepocket import FakePocket, Fault

K = FakePocket.CONSUMER_KEY
REDIRECT = "https://app.example/cb?x=1"
TOKEN_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}$")
T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class Page(HTMLParser):
    """The bits of the authorize page a browser would use."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.action = ""
        self.inputs: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}
        self.links: list[str] = []
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in_title = tag == "title"
        if tag == "form":
            self.action = a["action"]
        elif tag == "input":
            self.inputs[a["name"]] = a["value"]
        elif tag == "button":
            self.buttons[a["id"]] = (a["name"], a["value"])
        elif tag == "a":
            self.links.append(a["href"])

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            self._in_title = False


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[FakePocket]:
    with FakePocket(clock=clock) as f:
        yield f


@pytest.fixture
def token(fake: FakePocket) -> str:
    return fake.issue_token()


def post(fake: FakePocket, path: str, *, timeout: float = 5, **params: Any) -> requests.Response:
    return requests.post(fake.base_url + path, json=params, timeout=timeout)


def api(fake: FakePocket, endpoint: str, token: str, **params: Any) -> requests.Response:
    return post(fake, endpoint, consumer_key=K, access_token=token, **params)


def assert_error(r: requests.Response, status: int, code: int, text: str | None = None) -> None:
    assert r.status_code == status
    assert r.headers["X-Error-Code"] == str(code)
    assert r.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert r.headers["X-Source"] == "Pocket"
    assert r.text == f"{status} {r.reason}"
    if text is not None:
        assert r.headers["X-Error"] == text


def request_code(fake: FakePocket, **extra: Any) -> str:
    r = post(fake, "/v3/oauth/request", consumer_key=K, redirect_uri=REDIRECT, **extra)
    return str(dict(parse_qsl(r.text))["code"])


def click(fake: FakePocket, code: str, button: str) -> requests.Response:
    url = f"{fake.base_url}/auth/authorize"
    page = Page(requests.get(url, params={"request_token": code, "redirect_uri": REDIRECT}).text)
    name, value = page.buttons[button]
    target = urljoin(url, page.action)
    return requests.get(target, params={**page.inputs, name: value}, allow_redirects=False)


# --- auth --------------------------------------------------------------------------------


def test_request_token_answers_form_encoded_by_default(fake: FakePocket) -> None:
    r = post(fake, "/v3/oauth/request", consumer_key=K, redirect_uri=REDIRECT)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert r.headers["X-Source"] == "Pocket"
    assert "X-Limit-User-Limit" not in r.headers
    code = dict(parse_qsl(r.text))["code"]
    assert TOKEN_RE.match(code) and len(code) == 30


def test_request_token_answers_json_with_x_accept(fake: FakePocket) -> None:
    hdr = {"X-Accept": "application/json"}
    r = requests.post(f"{fake.base_url}/v3/oauth/request", headers=hdr,
                      json={"consumer_key": K, "redirect_uri": REDIRECT})
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"code": r.json()["code"], "state": None}
    r = requests.post(f"{fake.base_url}/v3/oauth/request", headers=hdr,
                      json={"consumer_key": K, "redirect_uri": REDIRECT, "state": "s1"})
    assert r.json()["state"] == "s1"


@pytest.mark.parametrize(("params", "status", "code", "text"), [
    ({"redirect_uri": REDIRECT}, 400, 138, "Missing consumer key."),
    ({"consumer_key": K}, 400, 140, "Missing redirect url."),
    ({"consumer_key": "9-nope", "redirect_uri": REDIRECT}, 403, 152, "Invalid consumer key."),
])
def test_request_token_errors(
    fake: FakePocket, params: dict[str, Any], status: int, code: int, text: str
) -> None:
    assert_error(post(fake, "/v3/oauth/request", **params), status, code, text)


def test_auth_endpoints_are_post_only(fake: FakePocket) -> None:
    r = requests.get(f"{fake.base_url}/v3/oauth/request", params={"consumer_key": K})
    assert r.status_code == 405


def test_authorize_page_contents(fake: FakePocket) -> None:
    code = request_code(fake)
    r = requests.get(f"{fake.base_url}/auth/authorize",
                     params={"request_token": code, "redirect_uri": REDIRECT})
    page = Page(r.text)
    assert r.headers["Content-Type"].startswith("text/html")
    assert page.title == "Authorize Pocket Companion"
    assert set(page.buttons) == {"authorize", "deny"}
    assert "https://example.com/help" in page.links
    assert page.inputs["request_token"] == code


def test_full_state_machine(clock: Clock) -> None:
    with FakePocket(username="me@example.com", clock=clock) as fake:
        assert_error(post(fake, "/v3/oauth/authorize", consumer_key=K), 400, 182, "Missing code.")
        assert_error(post(fake, "/v3/oauth/authorize", consumer_key=K, code="nope"),
                     400, 185, "Code not found.")
        code = request_code(fake)
        assert_error(post(fake, "/v3/oauth/authorize", consumer_key=K, code=code),
                     403, 158, "User rejected code.")  # not approved yet
        r = click(fake, code, "authorize")
        assert r.status_code == 302
        assert r.headers["Location"] == REDIRECT  # unchanged, nothing appended
        assert fake.request_token_status(code) == "approved"
        r = requests.post(f"{fake.base_url}/v3/oauth/authorize",
                          data={"consumer_key": K, "code": code})
        assert r.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert r.text.endswith("&username=me%40example.com")
        answer = dict(parse_qsl(r.text))
        assert answer["username"] == "me@example.com"
        assert TOKEN_RE.match(answer["access_token"])
        assert fake.issued_tokens == [answer["access_token"]]
        assert_error(post(fake, "/v3/oauth/authorize", consumer_key=K, code=code),
                     403, 159, "Already used code.")


def test_denied_token_is_rejected(fake: FakePocket) -> None:
    code = request_code(fake)
    r = click(fake, code, "deny")
    assert (r.status_code, r.headers["Location"]) == (302, REDIRECT)
    assert_error(post(fake, "/v3/oauth/authorize", consumer_key=K, code=code), 403, 158)


def test_exchange_json_with_state_and_other_user(fake: FakePocket) -> None:
    fake.add_user("other")
    code = request_code(fake, state="st")
    fake.approve(code, user="other")
    r = requests.post(f"{fake.base_url}/v3/oauth/authorize", json={"consumer_key": K, "code": code},
                      headers={"X-Accept": "application/json"})
    assert r.json() == {"access_token": r.json()["access_token"], "username": "other",
                        "state": "st"}


def test_exchange_errors_for_keys(fake: FakePocket) -> None:
    code = request_code(fake)
    fake.approve(code)
    assert_error(post(fake, "/v3/oauth/authorize", code=code), 400, 138)
    assert_error(post(fake, "/v3/oauth/authorize", consumer_key="1-x", code=code), 403, 152)


def test_js_redirect_mode_and_auto_approve(fake: FakePocket) -> None:
    fake.redirect_mode = "js"
    code = request_code(fake)
    r = click(fake, code, "authorize")
    assert r.status_code == 200
    assert f"location.href = {json.dumps(REDIRECT)};" in r.text
    fake.redirect_mode, fake.auto_approve = "302", True
    code = request_code(fake)
    r = requests.get(f"{fake.base_url}/auth/authorize",
                     params={"request_token": code, "redirect_uri": REDIRECT},
                     allow_redirects=False)
    assert (r.status_code, r.headers["Location"]) == (302, REDIRECT)
    assert post(fake, "/v3/oauth/authorize", consumer_key=K, code=code).status_code == 200


# --- request encodings -------------------------------------------------------------------


def test_form_body_with_charset_utf8(fake: FakePocket, token: str) -> None:
    r = requests.post(
        f"{fake.base_url}/v3/add",
        data={"consumer_key": K, "access_token": token, "url": "https://a.example/",
              "title": "Ünïcødé"},
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf8"},
    )
    assert r.status_code == 200
    assert r.json()["item"]["title"] == "Ünïcødé"


def test_json_body_with_charset_utf8_and_trailing_slash(fake: FakePocket, token: str) -> None:
    body = json.dumps({"consumer_key": K, "access_token": token, "url": "https://b.example"})
    r = requests.post(f"{fake.base_url}/v3/add/", data=body.encode(),
                      headers={"Content-Type": "application/json; charset=utf8"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    r = requests.get(f"{fake.base_url}/v3/get/", params={"consumer_key": K, "access_token": token})
    assert len(r.json()["list"]) == 1
    assert fake.call_count("/v3/get") == 1


def test_query_and_body_are_merged(fake: FakePocket, token: str) -> None:
    r = requests.post(f"{fake.base_url}/v3/get", params={"consumer_key": K},
                      data={"access_token": token, "state": "all"})
    assert r.status_code == 200
    assert fake.calls[-1].params == {"consumer_key": K, "access_token": token, "state": "all"}


def test_bad_json_body_is_400_130(fake: FakePocket) -> None:
    r = requests.post(f"{fake.base_url}/v3/get", data=b"{nope",
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400, 130)


# --- /v3/add -----------------------------------------------------------------------------


def test_add_is_string_typed_and_tags_are_not_echoed(fake: FakePocket, token: str) -> None:
    long_tag = "X" * 30
    r = api(fake, "/v3/add", token, url="https://www.example.org/post", title="T",
            tags=f" Foo ,bar,{long_tag}")
    body = r.json()
    assert body["status"] == 1
    item = body["item"]
    for name in ("item_id", "resolved_id", "given_url", "normal_url", "resolved_url", "title",
                 "excerpt", "word_count", "has_image", "has_video", "is_article", "domain_id"):
        assert isinstance(item[name], str), name
    assert item["item_id"].isdigit() and item["word_count"] == "0" and item["excerpt"] == ""
    assert item["videos"] == [] and "tags" not in item
    stored = fake.items()[item["item_id"]]
    assert list(stored["tags"]) == ["foo", "bar", "x" * 25]
    assert fake.add_count("https://www.example.org/post") == 1


def test_add_without_scheme_answers_but_does_not_save(fake: FakePocket, token: str) -> None:
    r = api(fake, "/v3/add", token, url="example.org/page")
    assert r.status_code == 200 and r.json()["status"] == 1
    assert fake.items() == {} and fake.add_count("example.org/page") == 0


def test_readd_keeps_item_id_unarchives_and_unions_tags(fake: FakePocket, token: str) -> None:
    first = api(fake, "/v3/add", token, url="https://x.example/a", tags="one").json()["item"]
    item_id = first["item_id"]
    api(fake, "/v3/send", token, actions=[{"action": "archive", "item_id": item_id}])
    assert fake.items()[item_id]["status"] == "1"
    again = api(fake, "/v3/add", token, url="https://x.example/a", tags=["two"]).json()["item"]
    assert again["item_id"] == item_id
    assert fake.items()[item_id]["status"] == "0"
    assert list(fake.items()[item_id]["tags"]) == ["one", "two"]
    assert fake.add_count("https://x.example/a") == 2


# --- /v3/send ----------------------------------------------------------------------------


def test_send_mixed_actions_never_aborts(fake: FakePocket, token: str) -> None:
    item_id = fake.seed("https://s.example/1")
    actions = [
        {"action": "add", "url": "https://s.example/2", "tags": "t"},
        {"action": "archive", "item_id": item_id, "time": str(int(T0))},
        {"action": "bogus"},
        {"action": "favorite", "item_id": int(item_id), "time": int(T0)},
        {"action": "tags_add", "item_id": item_id},
    ]
    body = api(fake, "/v3/send", token, actions=actions).json()
    assert body["status"] == 1
    results, errors = body["action_results"], body["action_errors"]
    assert results[0]["given_url"] == "https://s.example/2"  # the item itself, not wrapped
    assert results[1:] == [True, False, True, False]
    assert errors[:2] == [None, None] and errors[3] is None
    assert errors[2] == {"message": "Invalid Action: 'bogus'", "type": "Bad request", "code": 130}
    assert errors[4]["code"] == 130
    stored = fake.items()[item_id]
    assert (stored["status"], stored["favorite"]) == ("1", "1")


def test_send_form_encoded_actions_and_url_target(fake: FakePocket, token: str) -> None:
    item_id = fake.seed("https://f.example/1")
    actions = json.dumps([{"action": "archive", "url": "https://f.example/1"}])
    r = requests.post(f"{fake.base_url}/v3/send",
                      data={"consumer_key": K, "access_token": token, "actions": actions})
    assert r.json()["action_results"] == [True]
    assert fake.items()[item_id]["status"] == "1"


def test_send_actions_object_is_400(fake: FakePocket, token: str) -> None:
    r = api(fake, "/v3/send", token, actions={"action": "archive", "item_id": "1"})
    assert_error(r, 400, 130)
    assert "X-Limit-User-Remaining" in r.headers


def test_tag_actions(fake: FakePocket, token: str) -> None:
    a = fake.seed("https://t.example/a", tags=["x", "y"])
    b = fake.seed("https://t.example/b", tags=["y"])
    actions = [
        {"action": "tag_rename", "old_tag": "Y", "new_tag": "z"},
        {"action": "tags_remove", "item_id": a, "tags": "x"},
        {"action": "tags_replace", "item_id": b, "tags": "p,q"},
        {"action": "tag_delete", "tag": "p"},
        {"action": "tags_clear", "item_id": a},
        {"action": "delete", "item_id": "999"},  # unknown ids "succeed" (quirk 6.4)
    ]
    assert api(fake, "/v3/send", token, actions=actions).json()["action_results"] == [True] * 6
    items = fake.items()
    assert "tags" not in items[a] and list(items[b]["tags"]) == ["q"]


# --- /v3/get -----------------------------------------------------------------------------


def test_get_empty_list_is_an_array_with_status_2(fake: FakePocket, token: str) -> None:
    body = api(fake, "/v3/get", token).json()
    assert body == {"status": 2, "complete": 1, "list": [], "error": None,
                    "search_meta": {"search_type": "normal"}, "since": int(T0)}


def test_get_filters_sorts_and_detail(fake: FakePocket, token: str, clock: Clock) -> None:
    a = fake.seed("https://www.alpha.example/x", title="Beta", tags=["News"])
    clock.now += 10
    b = fake.seed("https://beta.example/y", title="Alpha")
    api(fake, "/v3/send", token, actions=[{"action": "archive", "item_id": b},
                                          {"action": "favorite", "item_id": a}])

    def ids(**params: Any) -> list[str]:
        listing = api(fake, "/v3/get", token, **params).json()["list"]
        return sorted(listing, key=lambda i: listing[i]["sort_id"]) if listing else []

    assert ids() == [b, a] and ids(sort="oldest") == [a, b] and ids(sort="title") == [b, a]
    assert ids(sort="site") == [a, b]  # alphabetical URL, "www." ignored
    assert ids(state="queue") == [a] == ids(state="unread") and ids(state="read") == [b]
    assert ids(favorite=1) == [a] and ids(favorite="0") == [b]
    assert ids(tag="news") == [a] and ids(tag="_untagged_") == [b]
    assert ids(search="alp") == [b, a] and ids(domain="alpha.example") == [a]
    simple = api(fake, "/v3/get", token).json()["list"][a]
    assert "tags" not in simple and simple["time_added"] == str(int(T0))
    full = api(fake, "/v3/get", token, detailType="complete").json()["list"][a]
    assert full["tags"] == {"news": {"item_id": a, "tag": "news"}}
    assert_error(api(fake, "/v3/get", token, state="bogus"), 400, 130)


def test_get_since_returns_changes_and_deleted_stubs(
    fake: FakePocket, token: str, clock: Clock
) -> None:
    a = fake.seed("https://d.example/a")
    b = fake.seed("https://d.example/b")
    fake.seed("https://d.example/c")
    clock.now += 100
    api(fake, "/v3/send", token, actions=[{"action": "archive", "item_id": a},
                                          {"action": "delete", "item_id": b}])
    body = api(fake, "/v3/get", token, since=int(T0) + 50, state="all").json()
    assert body["complete"] == 0 and body["status"] == 1
    assert body["list"][b] == {"item_id": b, "status": "2"}
    assert body["list"][a]["status"] == "1" and len(body["list"]) == 2
    assert b not in api(fake, "/v3/get", token).json()["list"]
    clock.now += 100
    later = api(fake, "/v3/get", token, since=str(body["since"] + 1)).json()
    assert (later["status"], later["list"]) == (2, [])


def test_get_count_cap_offset_total(clock: Clock) -> None:
    with FakePocket(count_cap=3, clock=clock) as fake:
        token = fake.issue_token()
        for n in range(5):
            fake.seed(f"https://c.example/{n}")
        body = api(fake, "/v3/get", token, count=10, total=1).json()
        assert len(body["list"]) == 3 and body["total"] == "5"
        assert sorted(i["sort_id"] for i in body["list"].values()) == [0, 1, 2]
        assert len(api(fake, "/v3/get", token).json()["list"]) == 3
        assert len(api(fake, "/v3/get", token, count=3, offset=3).json()["list"]) == 2
        assert api(fake, "/v3/get", token, count=3, offset=6).json()["list"] == []


# --- auth on data endpoints, limits --------------------------------------------------------


def test_401_for_missing_and_revoked_tokens(fake: FakePocket, token: str) -> None:
    assert_error(post(fake, "/v3/get", consumer_key=K), 401, 107)
    assert api(fake, "/v3/get", token).status_code == 200
    assert fake.revoke(token)
    r = api(fake, "/v3/get", token)
    assert_error(r, 401, 107,
                 "A valid access token is required to access the requested API endpoint.")
    assert "X-Limit-Key-Remaining" in r.headers and "X-Limit-User-Limit" not in r.headers


def test_missing_permission_is_403_151(clock: Clock) -> None:
    with FakePocket({K: "a"}, clock=clock) as fake:
        token = fake.issue_token()
        assert api(fake, "/v3/add", token, url="https://p.example").status_code == 200
        r = api(fake, "/v3/get", token)
        assert_error(r, 403, 151)
        assert r.headers["X-Error"].startswith("The provided keys do not have proper permission")


def test_user_rate_limit_and_reset(clock: Clock) -> None:
    with FakePocket(user_limit=2, clock=clock) as fake:
        token = fake.issue_token()
        r = api(fake, "/v3/get", token)
        assert r.headers["X-Limit-User-Limit"] == "2"
        assert r.headers["X-Limit-User-Remaining"] == "1"
        assert r.headers["X-Limit-Key-Limit"] == "10000"
        assert api(fake, "/v3/get", token).headers["X-Limit-User-Remaining"] == "0"
        clock.now += 600
        r = api(fake, "/v3/get", token)
        assert r.status_code == 403
        assert r.headers["X-Limit-User-Remaining"] == "0"
        assert r.headers["X-Limit-User-Reset"] == "3000"
        clock.now += 3000
        assert api(fake, "/v3/get", token).status_code == 200
        assert api(fake, "/v3/get", token).status_code == 200
        assert api(fake, "/v3/get", token).status_code == 403
        fake.reset_limits()
        assert api(fake, "/v3/get", token).status_code == 200


def test_key_rate_limit(clock: Clock) -> None:
    with FakePocket(key_limit=2, clock=clock) as fake:
        t1, t2 = fake.issue_token("u1"), fake.issue_token("u2")
        assert api(fake, "/v3/get", t1).status_code == 200
        assert api(fake, "/v3/get", t2).status_code == 200
        r = api(fake, "/v3/get", t1)
        assert r.status_code == 403 and r.headers["X-Limit-Key-Remaining"] == "0"


# --- faults ------------------------------------------------------------------------------


def test_status_fault_unprocessed_and_processed(fake: FakePocket, token: str) -> None:
    fake.inject(Fault("status", status=503))
    r = api(fake, "/v3/add", token, url="https://e.example/1")
    assert_error(r, 503, 199, "Pocket server issue.")
    assert fake.add_count("https://e.example/1") == 0
    fake.inject(Fault("status", status=504, processed=True))
    assert api(fake, "/v3/add", token, url="https://e.example/1").status_code == 504
    assert fake.add_count("https://e.example/1") == 1
    assert fake.calls[-1].fault == "status"


def test_drop_fault_does_not_process(fake: FakePocket, token: str) -> None:
    fake.inject(Fault("drop"))
    with pytest.raises(requests.ConnectionError):
        api(fake, "/v3/add", token, url="https://e.example/2")
    assert fake.add_count("https://e.example/2") == 0
    assert api(fake, "/v3/get", token).status_code == 200


def test_reset_after_processing_changes_state(fake: FakePocket, token: str) -> None:
    fake.inject(Fault("reset_after_processing"))
    with pytest.raises(requests.ConnectionError) as info:
        api(fake, "/v3/send", token, actions=[{"action": "add", "url": "https://e.example/3"}])
    assert "reset" in repr(info.value).lower()
    assert fake.add_count("https://e.example/3") == 1
    assert fake.calls[-1].status == 0


@pytest.mark.parametrize("processed", [True, False])
def test_slow_fault_triggers_read_timeout(fake: FakePocket, token: str, processed: bool) -> None:
    fake.inject(Fault("slow", seconds=0.4, processed=processed))
    start = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        api(fake, "/v3/add", token, url="https://e.example/4", timeout=0.15)
    assert fake.add_count("https://e.example/4") == int(processed)
    while fake.add_count("https://e.example/4") == 0 and time.monotonic() - start < 3:
        time.sleep(0.02)
    assert fake.add_count("https://e.example/4") == 1  # processed after the sleep otherwise


def test_clearing_the_faults_answers_what_a_slow_fault_holds(fake: FakePocket,
                                                             token: str) -> None:
    fake.inject(Fault("slow", seconds=60))
    threading.Timer(0.3, fake.clear_faults).start()
    start = time.monotonic()
    r = api(fake, "/v3/add", token, url="https://e.example/held", timeout=30)
    assert r.status_code == 200 and time.monotonic() - start < 10
    assert fake.add_count("https://e.example/held") == 1


@pytest.mark.parametrize("processed", [True, False])
def test_malformed_json_fault(fake: FakePocket, token: str, processed: bool) -> None:
    fake.inject(Fault("malformed_json", processed=processed), path="/v3/add")
    r = api(fake, "/v3/add", token, url="https://e.example/5")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        r.json()
    assert fake.add_count("https://e.example/5") == int(processed)


def test_html_error_fault_and_path_filter(fake: FakePocket, token: str) -> None:
    fake.inject(Fault("html_error"), times=2, path="/v3/send/")
    assert api(fake, "/v3/get", token).status_code == 200
    for _ in range(2):
        r = api(fake, "/v3/send", token, actions=[])
        assert r.status_code == 502 and "502 Bad Gateway" in r.text
        assert r.headers["Content-Type"].startswith("text/html")
        assert "X-Error-Code" not in r.headers and "X-Source" not in r.headers
    assert api(fake, "/v3/send", token, actions=[]).status_code == 200


def test_stop_and_start_on_same_port(fake: FakePocket, token: str) -> None:
    url = fake.base_url
    fake.seed("https://keep.example")
    session = requests.Session()
    assert session.post(f"{url}/v3/get", json={"consumer_key": K, "access_token": token}).ok
    fake.stop()
    with pytest.raises(requests.ConnectionError):
        session.post(f"{url}/v3/get", json={"consumer_key": K, "access_token": token}, timeout=2)
    fake.start()
    assert fake.base_url == url
    r = session.post(f"{url}/v3/get", json={"consumer_key": K, "access_token": token})
    assert len(r.json()["list"]) == 1


# --- control endpoints and standalone process ----------------------------------------------


def test_control_endpoints(fake: FakePocket, token: str) -> None:
    base = fake.base_url
    code = request_code(fake)
    assert requests.post(f"{base}/_fake/approve", json={"request_token": code}).json()["ok"]
    assert post(fake, "/v3/oauth/authorize", consumer_key=K, code=code).status_code == 200
    requests.post(f"{base}/_fake/inject", json={"kind": "status", "status": 500, "path": "/v3/get"})
    assert_error(api(fake, "/v3/get", token), 500, 199)
    api(fake, "/v3/add", token, url="https://ctl.example")
    state = requests.get(f"{base}/_fake/state").json()
    assert list(state["add_counts"].values()) == [1]
    assert len(state["users"]["pocketuser"]) == 1 and state["call_counts"]["/v3/add"] == 1
    assert requests.post(f"{base}/_fake/reset").json() == {"ok": True}
    assert fake.items() == {} and fake.calls == []


def test_control_can_be_disabled() -> None:
    with FakePocket(control=False) as fake:
        assert requests.get(f"{fake.base_url}/_fake/state").status_code == 404


def test_standalone_process_prints_base_url_and_stops_on_sigterm() -> None:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakepocket", "--port", "0", "--username", "u@x.example"],
        cwd=root, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = json.loads(proc.stdout.readline())["base_url"]
        assert base_url.startswith("http://127.0.0.1:")
        r = requests.post(f"{base_url}/v3/oauth/request",
                          data={"consumer_key": K, "redirect_uri": REDIRECT}, timeout=5)
        assert r.status_code == 200
        proc.terminate()
        assert proc.wait(timeout=5) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
