"""The Readeck adapter against its fake server: Readeck's quirks (an id only in the save's
headers, no de-duplication, a change log compared to the second), and its three logins
(a pasted token, the authorization code with PKCE, the device code)."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from pocket_companion import errors
from pocket_companion.config import Settings
from pocket_companion.logs import redact
from pocket_companion.services.base import Change, Credentials, DeviceCode, Grant, RemoteItem
from pocket_companion.services.readeck.adapter import ReadeckService

from tests.fakes.readeck import FakeReadeck

CALLBACK = "http://127.0.0.1:9/callback"
REDIRECT = f"{CALLBACK}?state=XYZ"  # as the login's loopback server gives it


@pytest.fixture
def fake() -> Iterator[FakeReadeck]:
    with FakeReadeck(device_interval=0.05) as server:
        yield server


def service_of(fake: FakeReadeck) -> ReadeckService:
    return ReadeckService(Settings("readeck", fake.base_url))


def pulled(service: ReadeckService, creds: Credentials, cursor: str | None,
           known: tuple[str, ...] = ()) -> tuple[list[RemoteItem], str]:
    pages = list(service.pull(creds, cursor, known))
    assert all(page.cursor is None for page in pages[:-1]) and pages[-1].cursor
    return [item for page in pages for item in page.items], pages[-1].cursor or ""


# --- the API's quirks ---------------------------------------------------------------------


def test_a_save_answers_202_and_the_id_comes_from_the_headers(fake: FakeReadeck) -> None:
    service, token = service_of(fake), fake.issue_token()
    [result] = service.push(Credentials(token), [Change("add", "https://example.org/a#top",
                                                        "", ("b", "a"))])
    [bookmark] = fake.copies("https://example.org/a")  # stored without its fragment
    assert result == (True, bookmark.uid, None) and re.fullmatch(r"[a-zA-Z0-9]{22}", bookmark.uid)
    assert fake.requests("POST", "/api/bookmarks")[0].status == 202
    assert bookmark.labels == ["a", "b"] and not bookmark.loaded
    resp = requests.post(f"{fake.base_url}/api/bookmarks", json={"url": "https://example.org/"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert resp.status_code == 202 and resp.json() == {"status": 202, "message": "Link submited"}
    assert resp.headers["Location"].endswith("/api/bookmarks/" + resp.headers["Bookmark-Id"])

    def shown() -> dict[str, object]:
        return requests.get(f"{fake.base_url}/api/bookmarks/{bookmark.uid}", timeout=5,
                            headers={"Authorization": f"Bearer {token}"}).json()

    first = shown()
    assert first["loaded"] is False and first["title"] == ""
    second = shown()
    assert second["loaded"] is True and second["title"] and second["updated"] != first["updated"]


def test_an_extraction_also_ends_with_the_next_clock_tick(fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    [result] = service.push(creds, [Change("add", "https://example.org/slow")])
    items, _ = pulled(service, creds, None)
    assert items == [RemoteItem(result.remote_id or "", "https://example.org/slow",
                                time_added=items[0].time_added, tags=())]  # no title yet
    fake.advance(2)
    items, _ = pulled(service, creds, None)
    assert items[0].title == "A page on example.org"


def test_a_re_add_makes_a_second_copy_that_find_saved_is_there_to_prevent(
        fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    first = service.push(creds, [Change("add", "https://example.org/twice#part")])[0]
    second = service.push(creds, [Change("add", "https://example.org/twice")])[0]
    assert first.remote_id != second.remote_id
    assert len(fake.copies("https://example.org/twice")) == 2
    found = service.find_saved(creds, ["https://example.org/twice#part",
                                       "https://example.org/other", "https://EXAMPLE.org/twice"],
                               since=time.time())
    assert found == {"https://example.org/twice#part": second.remote_id,  # the newest copy
                     "https://EXAMPLE.org/twice": second.remote_id}
    [call] = fake.requests("GET", "/api/bookmarks")
    assert call.request.query["range_start"] == "-2d" and call.request.query["sort"] == "-created"


def test_find_saved_pages_through_the_window_on_the_servers_clock(fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    old = fake.seed("https://example.org/old")
    fake.advance(5 * 86400)
    wanted = fake.seed("https://example.org/wanted")
    for n in range(120):
        fake.seed(f"https://example.org/{n}")
    found = service.find_saved(creds, ["https://example.org/wanted", "https://example.org/old"],
                               since=time.time() - 60)
    assert found == {"https://example.org/wanted": wanted} and old not in found.values()
    offsets = [c.request.query["offset"] for c in fake.requests("GET", "/api/bookmarks")]
    assert offsets == ["0", "100"]
    assert requests.get(f"{fake.base_url}/api/bookmarks?limit=101", timeout=5, headers={
        "Authorization": f"Bearer {fake.issue_token()}"}).status_code == 404  # Readeck's limit


def test_basic_auth_takes_the_token_as_its_password(fake: FakeReadeck) -> None:
    token = fake.issue_token()
    resp = requests.get(f"{fake.base_url}/api/profile", auth=("anyone", token), timeout=5)
    assert resp.status_code == 200 and resp.json()["user"]["username"] == "alice"
    refused = requests.get(f"{fake.base_url}/api/profile", auth=("anyone", "nope"), timeout=5)
    assert refused.status_code == 401 and refused.text == "Unauthorized\n"
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Bearer token"'


def test_each_change_is_the_patch_of_its_fields(fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    uid = fake.seed("https://example.org/p", labels=("x", "y"))
    ops = [("archive", ()), ("favorite", ()), ("tags_add", ("z",)), ("tags_remove", ("x",)),
           ("readd", ()), ("unfavorite", ()), ("tags_replace", ("q", "r")), ("tags_clear", ())]
    results = service.push(creds, [Change(op, "", tags=tags, remote_id=uid) for op, tags in ops])
    assert all(result.ok for result in results)
    bodies = [call.request.body for call in fake.requests("PATCH", "/api/bookmarks/.*")]
    assert bodies == [{"is_archived": True}, {"is_marked": True}, {"add_labels": ["z"]},
                      {"remove_labels": ["x"]}, {"is_archived": False}, {"is_marked": False},
                      {"labels": ["q", "r"]}, {"labels": []}]
    assert fake.bookmarks[uid].labels == [] and not fake.bookmarks[uid].is_archived


def test_a_change_to_a_bookmark_gone_fails_alone_but_its_deletion_succeeds(
        fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    uid = fake.seed("https://example.org/d")
    results = service.push(creds, [Change("delete", "", remote_id=uid),
                                   Change("delete", "", remote_id="a" * 22),
                                   Change("archive", "", remote_id="b" * 22),
                                   Change("archive", "", remote_id="../profile")])
    assert [r.ok for r in results] == [True, True, False, False]
    assert "404" in (results[2].error or "") and uid not in fake.bookmarks
    assert not fake.requests(path=".*profile")  # an id that is not one is never sent


# --- pulls -------------------------------------------------------------------------------


def test_a_pull_pages_by_id_and_reports_deletions_from_the_change_log(fake: FakeReadeck) -> None:
    service, creds = service_of(fake), Credentials(fake.issue_token())
    uids = [fake.seed(f"https://example.org/{n}", f"T{n}") for n in range(60)]
    pages = list(service.pull(creds, None))
    assert [len(page.items) for page in pages] == [50, 10] and pages[0].cursor is None
    assert {c.request.query["limit"] for c in fake.requests("GET", "/api/bookmarks")} == {"50",
                                                                                          "10"}
    fake.advance(2)
    fake.remove("https://example.org/3")
    fake.edit("https://example.org/4", is_marked=True)
    fake.advance(2)
    items, cursor = pulled(service, creds, pages[-1].cursor)
    assert {(i.remote_id, i.status, i.favorite) for i in items} == {
        (uids[3], "deleted", False), (uids[4], "unread", True)}
    fake.edit("https://example.org/5", is_deleted=True)  # a deletion scheduled in Readeck
    assert pulled(service, creds, cursor)[0] == [RemoteItem(uids[5], "https://example.org/5",
                                                            "deleted")]


def test_an_older_readeck_without_a_change_log_is_listed_whole(fake: FakeReadeck) -> None:
    fake.sync_api = False
    service, creds = service_of(fake), Credentials(fake.issue_token())
    uids = [fake.seed(f"https://example.org/{n}") for n in range(3)]
    items, cursor = pulled(service, creds, None)
    assert sorted(i.remote_id for i in items) == sorted(uids)
    fake.advance(2)
    assert pulled(service, creds, cursor, tuple(uids)) == ([], cursor)
    fake.edit("https://example.org/0", labels=["new"])
    fake.remove("https://example.org/1")
    items, _ = pulled(service, creds, cursor, tuple(uids))
    assert {(i.remote_id, i.status, i.tags) for i in items} == {
        (uids[0], "unread", ("new",)), (uids[1], "deleted", None)}


# --- the token login ---------------------------------------------------------------------


def test_a_pasted_token_is_checked_with_the_profile(fake: FakeReadeck) -> None:
    service, token = service_of(fake), fake.issue_token()
    assert service.sign_in({"token": f" {token} "}) == Grant("alice", Credentials(token))
    with pytest.raises(errors.FieldRejected) as caught:
        service.sign_in({"token": "not-a-token"})
    assert caught.value.field == "token" and "Readeck refused" in caught.value.message
    with pytest.raises(errors.InvalidParams):
        service.sign_in({})
    assert service.refresh(Credentials(token)) is None


def test_revoke_forgets_only_a_token_a_sign_in_gave_and_never_fails(fake: FakeReadeck) -> None:
    service, pasted = service_of(fake), Credentials(fake.issue_token())
    service.revoke(pasted)
    assert pasted.secret in fake.tokens and not fake.requests(path="/api/oauth/revoke")
    issued = Credentials(fake.issue_token(), extra=(("issued", "oauth"),))
    service.revoke(issued)
    assert issued.secret not in fake.tokens
    service.revoke(issued)  # refused now (401): nothing raised
    first, second = fake.requests("POST", "/api/oauth/revoke")
    assert (first.status, second.status) == (200, 401)
    assert first.request.body == {"token": issued.secret}


# --- authorization code with PKCE ----------------------------------------------------------


def redirected(fake: FakeReadeck, url: str) -> dict[str, str]:
    """Follow an authorize URL as a browser would, up to the redirect to this program."""
    resp = requests.get(url, allow_redirects=False, timeout=5)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(CALLBACK + "?")
    return dict(parse_qsl(urlsplit(resp.headers["Location"]).query, keep_blank_values=True))


def test_the_code_flow_registers_signs_in_and_exchanges_the_code(fake: FakeReadeck) -> None:
    fake.oauth.auto_approve = True
    service = service_of(fake)
    ticket = service.begin_login(REDIRECT, "XYZ")
    [registration] = fake.requests("POST", "/api/oauth/client")
    assert registration.request.body["redirect_uris"] == [REDIRECT]
    assert registration.request.body["grant_types"] == ["authorization_code"]
    assert registration.request.body["client_uri"].startswith("https://")
    query = dict(parse_qsl(urlsplit(ticket.authorize_url).query))
    assert query["code_challenge_method"] == "S256" and query["state"] == "XYZ"
    reply = redirected(fake, ticket.authorize_url)
    assert set(reply) == {"code", "state"} and reply["state"] == "XYZ"  # the state once
    grant = service.finish_login(ticket, reply)
    assert grant.username == "alice" and grant.credentials.get("issued") == "oauth"
    assert fake.tokens[grant.credentials.secret].scopes == {"bookmarks:read", "bookmarks:write",
                                                            "profile:read"}
    assert not fake.oauth.clients  # forgotten once the token is issued
    with pytest.raises(errors.LoginExpired):  # a ticket serves once
        service.finish_login(ticket, reply)
    again = requests.post(f"{fake.base_url}/api/oauth/token", data={
        "grant_type": "authorization_code", "code": reply["code"], "code_verifier": "x" * 43},
        timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_registration_and_a_code_last_ten_minutes(fake: FakeReadeck) -> None:
    fake.oauth.auto_approve = True
    service = service_of(fake)
    late = service.begin_login(REDIRECT, "XYZ")
    fake.advance(601)
    resp = requests.get(late.authorize_url, allow_redirects=False, timeout=5)
    assert resp.status_code == 401 and resp.json() == {"error": "invalid_client"}
    ticket = service.begin_login(REDIRECT, "XYZ")
    reply = redirected(fake, ticket.authorize_url)
    fake.advance(601)
    with pytest.raises(errors.LoginExpired):
        service.finish_login(ticket, reply)
    assert fake.requests("POST", "/api/oauth/token")[0].status == 400 and not fake.tokens


def test_a_wrong_verifier_is_refused(fake: FakeReadeck) -> None:
    fake.oauth.auto_approve = True
    service = service_of(fake)
    ticket = service.begin_login(REDIRECT, "XYZ")
    reply = redirected(fake, ticket.authorize_url)
    pending = service.logins._logins[ticket.request_token]
    service.logins._logins[ticket.request_token] = pending._replace(verifier="w" * 86)
    with pytest.raises(errors.LoginExpired):
        service.finish_login(ticket, reply)
    assert fake.requests("POST", "/api/oauth/token")[0].status == 400 and not fake.tokens


@dataclasses.dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # by id


class Forms(HTMLParser):
    """The forms of a page as a browser sees them, and the ids its labels name."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.labelled: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get")))
        elif tag == "label":
            self.labelled.add(a.get("for", ""))
        elif tag == "input" and self.forms:
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons[a["id"]] = (a.get("name", ""), a.get("value", ""))


def submit(session: requests.Session, resp: requests.Response, button: str | None = None,
           **typed: str) -> requests.Response:
    """Fill in the page's form as a person would and press ``button``."""
    forms = Forms(resp.text)
    [form] = forms.forms
    assert set(typed) <= forms.labelled  # what a person types has a label
    fields = {**form.fields, **typed}
    if button is not None:
        name, value = form.buttons[button]
        if name:
            fields[name] = value
    url = urljoin(resp.url, form.action)
    if form.method == "get":
        return session.get(url, params=fields, allow_redirects=False, timeout=5)
    return session.post(url, data=fields, allow_redirects=False, timeout=5)


def signed_in(session: requests.Session, url: str) -> requests.Response:
    """Open ``url`` signed out: Readeck sends to its sign-in page, then back."""
    resp = session.get(url, allow_redirects=False, timeout=5)
    assert resp.status_code == 303 and "/login?" in resp.headers["Location"]
    login = session.get(urljoin(url, resp.headers["Location"]), timeout=5)
    back = submit(session, login, "sign-in", username="alice", password=FakeReadeck.PASSWORD)
    assert back.status_code == 303 and "session" in session.cookies
    return session.get(urljoin(url, back.headers["Location"]), allow_redirects=False, timeout=5)


@pytest.mark.parametrize("prefix", ["", "/readeck"])
def test_the_sign_in_and_consent_pages_can_be_filled_in_like_a_browser(prefix: str) -> None:
    with FakeReadeck(prefix=prefix) as fake:
        service = service_of(fake)
        ticket = service.begin_login(REDIRECT, "XYZ")
        assert ticket.authorize_url.startswith(f"{fake.base_url}/authorize?")
        session = requests.Session()
        consent = signed_in(session, ticket.authorize_url)
        assert consent.status_code == 200 and 'id="authorize"' in consent.text
        approved = submit(session, consent, "authorize")
        assert approved.status_code == 302
        reply = dict(parse_qsl(urlsplit(approved.headers["Location"]).query))
        assert service.finish_login(ticket, reply).username == "alice"


def test_a_denial_carries_an_empty_code_and_is_a_rejected_login(fake: FakeReadeck) -> None:
    service = service_of(fake)
    ticket = service.begin_login(REDIRECT, "XYZ")
    session = requests.Session()
    denied = submit(session, signed_in(session, ticket.authorize_url), "deny")
    reply = dict(parse_qsl(urlsplit(denied.headers["Location"]).query, keep_blank_values=True))
    assert reply == {"code": "", "error": "access_denied", "error_description": "access denied",
                     "state": "XYZ"}
    with pytest.raises(errors.LoginRejected):
        service.finish_login(ticket, reply)
    assert not fake.oauth.clients and not fake.requests("POST", "/api/oauth/token")


@pytest.mark.parametrize("uri, allowed", [
    ("http://127.0.0.1:8765/cb", True), ("http://[::1]:4000/callback", True),
    ("https://app.example/cb", True), ("net.myapp:auth-callback", True),
    ("http://localhost:8765/cb", False), ("http://192.168.1.2/cb", False),
    ("http://example.com/cb", False)])
def test_registration_takes_http_redirects_only_on_a_loopback_address(
        fake: FakeReadeck, uri: str, allowed: bool) -> None:
    service = service_of(fake)
    if allowed:
        assert service.begin_login(uri, "s").authorize_url
        return
    with pytest.raises(errors.ServiceError) as caught:
        service.begin_login(uri, "s")
    assert "invalid URL" in caught.value.message and not fake.oauth.clients


def test_a_client_uri_must_be_public_https(fake: FakeReadeck) -> None:
    for uri in ("http://github.com/x", "https://127.0.0.1/", "https://localhost/"):
        resp = requests.post(f"{fake.base_url}/api/oauth/client", timeout=5, json={
            "client_name": "x", "client_uri": uri, "software_id": "i", "software_version": "1",
            "redirect_uris": [REDIRECT]})
        assert resp.status_code == 400 and resp.json()["error"] == "invalid_client_metadata"


# --- device code ---------------------------------------------------------------------------


def test_the_device_flow_is_pending_then_slowed_down_then_granted(fake: FakeReadeck) -> None:
    fake.oauth.device_interval = 5.0
    service = service_of(fake)
    code = service.begin_device()
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{8}", code.user_code) and code.interval == 5
    assert code.verification_uri_complete.endswith(f"/device?user_code={code.user_code}")
    assert fake.requests("POST", "/api/oauth/client")[0].request.body["grant_types"] == [
        "urn:ietf:params:oauth:grant-type:device_code"]
    assert service.poll_device(code) == code  # pending
    slowed = service.poll_device(code)  # polled sooner than the interval
    assert isinstance(slowed, DeviceCode) and slowed.interval == 10
    fake.advance(10)
    assert service.poll_device(slowed) == slowed  # pending again, at that pace
    fake.approve_device(code.user_code)
    grant = service.poll_device(slowed)
    assert isinstance(grant, Grant) and grant.username == "alice"
    assert fake.tokens[grant.credentials.secret].application == "Pocket Companion"
    answers = [(c.status, c.request.body.get("grant_type"))
               for c in fake.requests("POST", "/api/oauth/token")]
    assert answers == [(400, "urn:ietf:params:oauth:grant-type:device_code")] * 3 + [
        (201, "urn:ietf:params:oauth:grant-type:device_code")]


def test_the_device_page_takes_the_code_and_the_approval(fake: FakeReadeck) -> None:
    service = service_of(fake)
    code = service.begin_device()
    session = requests.Session()
    entry = signed_in(session, code.verification_uri)
    consent = submit(session, entry, user_code=code.user_code.lower())
    assert consent.status_code == 200 and 'id="deny"' in consent.text
    done = submit(session, consent, "authorize")
    assert done.status_code == 303 and fake.oauth.devices[code.user_code].status == "granted"
    assert isinstance(service.poll_device(code), Grant)


def test_a_denied_or_expired_device_code_ends_the_login(fake: FakeReadeck) -> None:
    service = service_of(fake)
    denied = service.begin_device()
    fake.deny_device(denied.user_code)
    with pytest.raises(errors.LoginRejected):
        service.poll_device(denied)
    late = service.begin_device()
    fake.advance(301)
    with pytest.raises(errors.LoginExpired):
        service.poll_device(late)


# --- secrets ---------------------------------------------------------------------------------


def test_no_token_code_or_verifier_is_ever_in_a_url(fake: FakeReadeck) -> None:
    fake.oauth.auto_approve = True
    service = service_of(fake)
    ticket = service.begin_login(REDIRECT, "XYZ")
    verifier = service.logins._logins[ticket.request_token].verifier
    reply = redirected(fake, ticket.authorize_url)
    grant = service.finish_login(ticket, reply)
    code = service.begin_device()
    fake.approve_device(code.user_code)
    device = service.poll_device(code)
    assert isinstance(device, Grant)
    pasted = fake.issue_token()
    service.sign_in({"token": pasted})
    creds = grant.credentials
    service.push(creds, [Change("add", "https://example.org/s")])
    list(service.pull(creds, None))
    service.find_saved(creds, ["https://example.org/s"], time.time())
    secrets = [verifier, reply["code"], code.device_code, creds.secret, pasted,
               device.credentials.secret]
    assert verifier not in ticket.authorize_url and reply["code"] not in ticket.authorize_url
    for call in fake.calls:
        url = call.path + "?" + "&".join(f"{k}={v}" for k, v in call.request.query_list)
        assert not [s for s in secrets if s in url], url
    assert all(redact(f"<{s}>") == "<[redacted]>" for s in secrets)
