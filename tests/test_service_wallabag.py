"""The wallabag adapter against the fake wallabag: the quirks the contract suite does not
reach (a server below a sub-path, Lion Reader's "only 1 is true", token expiry and
renewal, the login's refusals by field, the exists endpoint's cap, merged re-adds, tags
removed one by one, pages that move while they are read) and where secrets may travel."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pocket_companion import errors
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.config import Config
from pocket_companion.core import Companion, Deps
from pocket_companion.library.items import NewItem
from pocket_companion.logs import redact
from pocket_companion.services.base import Change, Credentials, RemoteItem
from pocket_companion.services.wallabag import adapter
from pocket_companion.services.wallabag.adapter import WallabagService

from tests.contract.remotes.wallabag import credentials, settings
from tests.fakepocket import Fault
from tests.fakes.wallabag import FakeWallabag
from tests.support.keyrings import MemoryKeyring

SECRETS = {"client_secret": FakeWallabag.CLIENT_SECRET, "password": FakeWallabag.PASSWORD}


@pytest.fixture
def fake() -> Iterator[FakeWallabag]:
    server = FakeWallabag()
    with server:
        yield server


def service(fake: FakeWallabag, **options: str) -> WallabagService:
    return WallabagService(settings(fake, **options))


def token_calls(fake: FakeWallabag) -> list[str]:
    """The grant types the token endpoint was asked for, and how each was answered."""
    return [f"{call.request.param('grant_type')}:{call.status}"
            for call in fake.requests("POST", "/oauth/v2/token")]


def test_a_server_below_a_sub_path_is_reached_there() -> None:
    fake = FakeWallabag(prefix="/api/wallabag")
    with fake:
        wallabag = service(fake)
        creds = wallabag.sign_in(SECRETS).credentials
        [added] = wallabag.push(creds, [Change("add", "https://example.org/a", "A", ("x",))])
        assert added.ok and fake.items()["https://example.org/a"]["tags"] == ["x"]
        pages = list(wallabag.pull(creds, None))
        assert [item.remote_id for item in pages[-1].items] == [added.remote_id]
        assert fake.base_url.endswith("/api/wallabag") and all(c.status == 200 for c in fake.calls)


def test_lion_reader_archives_with_1_where_true_would_do_nothing() -> None:
    fake = FakeWallabag(prefix="/api/wallabag", lion_reader=True)
    with fake:
        wallabag, creds = service(fake), credentials(fake)
        [added] = wallabag.push(creds, [Change("add", "https://example.org/lion")])
        assert added.remote_id
        path = f"{fake.base_url}/api/entries/{added.remote_id}.json"
        headers = {"Authorization": f"Bearer {creds.secret}"}
        assert requests.patch(path, data={"archive": "true"}, headers=headers).ok
        assert fake.items()["https://example.org/lion"]["status"] == "0"  # the quirk itself
        assert wallabag.push(creds, [Change("archive", "", remote_id=added.remote_id),
                                     Change("favorite", "", remote_id=added.remote_id)])
        stored = fake.items()["https://example.org/lion"]
        assert stored["status"] == "1" and stored["favorite"] is True
        assert wallabag.push(creds, [Change("readd", "", remote_id=added.remote_id)])[0].ok
        assert fake.items()["https://example.org/lion"]["status"] == "0"


def test_lion_reader_pages_of_100_dates_in_z_and_one_url_lookups() -> None:
    fake = FakeWallabag(lion_reader=True)
    with fake:
        wallabag, creds = service(fake), credentials(fake)
        for n in range(150):
            fake.seed(f"https://example.org/many/{n}")
        items = [item for page in wallabag.pull(creds, None) for item in page.items]
        assert len({item.remote_id for item in items}) == 150
        assert all(abs((item.time_added or 0) - fake.now()) < 5 for item in items)
        assert [c.request.query["page"] for c in fake.requests("GET", "/api/entries.json")
                ] == ["1", "2"]
        found = wallabag.find_saved(creds, ["https://example.org/many/7",
                                            "https://example.org/unknown"], since=0)
        assert found == {"https://example.org/many/7":
                         str(fake.entry("https://example.org/many/7").id)}
        assert len(fake.requests("GET", "/api/entries/exists.json")) == 3  # a batch, then 2


def connected(fake: FakeWallabag, home: Path) -> Companion:
    """A companion logged in to the fake, on the adapter's own clock (real time)."""
    account = settings(fake)
    tokens = KeyringTokenStore()
    tokens.set(account.keychain_name, credentials(fake).to_text())
    Config(home).update(service="wallabag", server=account.server,
                        username=account.username, options=account.options)
    companion = Companion(home, Deps(tokens=tokens))
    companion.store.rebind(account.keychain_name)
    return companion


def test_an_expired_access_token_is_refreshed_and_the_push_sent_again(
        fake: FakeWallabag, home: Path, memory_keyring: MemoryKeyring) -> None:
    companion = connected(fake, home)
    keychain = settings(fake).keychain_name
    before = Credentials.from_text(KeyringTokenStore().get(keychain) or "")
    fake.expire_access()
    companion.save([NewItem("https://example.org/after-expiry")])
    assert token_calls(fake) == ["refresh_token:200"]
    companion.sync()  # the engine backs the refused change off: it goes with the next sync
    assert companion.store.pending_count() == 0 and companion.config.load().username
    adds = fake.requests("POST", "/api/entries.json")
    assert [c.status for c in adds] == [401, 200] and token_calls(fake) == ["refresh_token:200"]
    after = Credentials.from_text(KeyringTokenStore().get(keychain) or "")
    assert adds[-1].request.bearer() == after.secret
    assert after.secret != before.secret and after.refresh != before.refresh
    assert after.get("client_secret") == FakeWallabag.CLIENT_SECRET
    assert before.refresh not in fake.refresh  # rotated: the old one is spent


def test_the_adapter_reports_an_expired_token_and_refresh_replaces_it(
        fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    fake.expire_access()
    with pytest.raises(errors.NotAuthenticated, match="has expired"):
        wallabag.push(creds, [Change("add", "https://example.org/x")])
    fresh = wallabag.refresh(creds)
    assert fresh is not None and fresh.extra == creds.extra
    assert fresh.expires_at is not None and fresh.expires_at > time.time() + 3000
    assert wallabag.push(fresh, [Change("add", "https://example.org/x")])[0].ok
    assert wallabag.refresh(creds) is None  # that refresh token was used up


def test_an_expired_refresh_token_and_a_kept_password_sign_in_again(
        fake: FakeWallabag) -> None:
    wallabag = service(fake, stay_connected="1")
    creds = credentials(fake, password=FakeWallabag.PASSWORD)
    fake.expire_access(refresh=True)
    fresh = wallabag.refresh(creds)
    assert token_calls(fake) == ["refresh_token:400", "password:200"]
    assert fresh is not None and fresh.get("password") == FakeWallabag.PASSWORD
    assert wallabag.push(fresh, [Change("add", "https://example.org/kept")])[0].ok


def test_a_refused_refresh_without_a_password_logs_out_but_a_failing_server_does_not(
        fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    fake.inject(Fault("status", status=503))
    with pytest.raises(errors.ServiceUnavailable):
        wallabag.refresh(creds)
    fake.expire_access(refresh=True)
    assert wallabag.refresh(creds) is None
    assert token_calls(fake) == ["refresh_token:503", "refresh_token:400"]


@pytest.mark.parametrize(("change", "field", "grants"), [
    ({"client_secret": "wrong"}, "client_secret", ["password:400"]),
    ({"password": "wrong"}, "password", ["password:400"]),
    ({"client_id": "2_password-less"}, "client_id", ["password:400"]),
    ({"password": ""}, "password", []),
    ({"client_id": ""}, "client_id", []),
])
def test_sign_in_names_the_field_refused(fake: FakeWallabag, change: dict[str, str],
                                         field: str, grants: list[str]) -> None:
    fake.add_client("2_password-less", FakeWallabag.CLIENT_SECRET, frozenset({"token"}))
    options = {"client_id": change["client_id"]} if "client_id" in change else {}
    secrets = {**SECRETS, **{k: v for k, v in change.items() if k != "client_id"}}
    with pytest.raises(errors.FieldRejected) as caught:
        service(fake, **options).sign_in(secrets)
    assert caught.value.field == field and "wallabag" in caught.value.message
    assert token_calls(fake) == grants
    bodies = [c.request.body for c in fake.requests("POST", "/oauth/v2/token")]
    assert all(body["grant_type"] == "password" for body in bodies)


def test_lion_readers_401_for_a_wrong_password_names_the_password() -> None:
    fake = FakeWallabag(lion_reader=True)
    with fake, pytest.raises(errors.FieldRejected) as caught:
        service(fake).sign_in({**SECRETS, "password": "wrong"})
    assert caught.value.field == "password" and token_calls(fake) == ["password:401"]


@pytest.mark.parametrize("stay", ["1", ""])
def test_sign_in_keeps_the_password_only_when_asked(fake: FakeWallabag, stay: str) -> None:
    grant = service(fake, stay_connected=stay).sign_in(SECRETS)
    assert grant.username == FakeWallabag.USERNAME and grant.credentials.refresh
    kept = {"client_secret": FakeWallabag.CLIENT_SECRET}
    assert dict(grant.credentials.extra) == (
        {**kept, "password": FakeWallabag.PASSWORD} if stay else kept)
    assert len(fake.requests("GET", "/api/user.json")) == 1
    for secret in (*SECRETS.values(), grant.credentials.secret, grant.credentials.refresh):
        assert redact(f"<{secret}>") == "<[redacted]>"


def test_exists_is_asked_10_urls_at_most_a_call(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    urls = [f"https://example.org/e/{n}" for n in range(23)]
    saved = {url: fake.seed(url) for url in urls[::4]}
    assert wallabag.find_saved(creds, urls, since=0) == saved
    sizes = [sum(k == "urls[]" for k, _ in c.request.query_list)
             for c in fake.requests("GET", "/api/entries/exists.json")]
    assert sizes == [10, 10, 3]
    too_many = [("urls[]", url) for url in urls[:11]]
    reply = requests.get(f"{fake.base_url}/api/entries/exists.json", params=too_many,
                         headers={"Authorization": f"Bearer {creds.secret}"})
    assert reply.status_code == 400 and reply.json()["message"] == "API limit reached"


def test_an_add_sent_again_merges_into_the_entry(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    [first] = wallabag.push(creds, [Change("add", "https://example.org/m", "M", ("a",))])
    wallabag.push(creds, [Change("archive", "", remote_id=first.remote_id)])
    [again] = wallabag.push(creds, [Change("add", "https://example.org/m", "M", ("B",))])
    assert again.remote_id == first.remote_id and len(fake.entries) == 1
    stored = fake.items()["https://example.org/m"]
    assert stored["tags"] == ["a", "b"] and stored["status"] == "1"  # labels lower-cased


def test_tags_remove_removes_only_that_tag_and_clear_removes_each(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    entry_id = fake.seed("https://example.org/t", tags=("x", "y", "z"))
    headers = {"Authorization": f"Bearer {creds.secret}"}
    assert requests.patch(f"{fake.base_url}/api/entries/{entry_id}.json", data={"tags": ""},
                          headers=headers).ok
    assert fake.items()["https://example.org/t"]["tags"] == ["x", "y", "z"]  # PATCH: no-op
    assert wallabag.push(creds, [Change("tags_remove", "", tags=("Y",), remote_id=entry_id)]
                         )[0].ok
    assert fake.items()["https://example.org/t"]["tags"] == ["x", "z"]
    assert len(fake.requests("DELETE", r"/api/entries/\d+/tags/\d+\.json")) == 1
    wallabag.push(creds, [Change("tags_replace", "", tags=("q",), remote_id=entry_id)])
    assert fake.items()["https://example.org/t"]["tags"] == ["q"]
    assert wallabag.push(creds, [Change("tags_clear", "", remote_id=entry_id)])[0].ok
    assert fake.items()["https://example.org/t"]["tags"] == []


def test_a_page_filed_elsewhere_keeps_the_url_it_was_saved_with(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    fake.redirects["https://example.org/short"] = "https://example.org/long-form"
    [added] = wallabag.push(creds, [Change("add", "https://example.org/short")])
    [item] = [item for page in wallabag.pull(creds, None) for item in page.items]
    assert (item.url, item.resolved_url) == ("https://example.org/short",
                                             "https://example.org/long-form")
    assert wallabag.find_saved(creds, ["https://example.org/short",
                                       "https://example.org/long-form"], since=0) == {
        "https://example.org/short": added.remote_id,
        "https://example.org/long-form": added.remote_id}


def test_a_gone_entry_is_deleted_already_and_cannot_be_archived(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    results = wallabag.push(creds, [Change("delete", "", remote_id="404"),
                                    Change("archive", "", remote_id="405")])
    assert results[0].ok and not results[1].ok and "404" in (results[1].error or "")


def test_a_page_that_moves_while_it_is_read_is_read_again(
        fake: FakeWallabag, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(adapter, "PER_PAGE", 5)
    wallabag, creds = service(fake), credentials(fake)
    urls = [f"https://example.org/move/{n}" for n in range(12)]
    for url in urls:
        fake.seed(url)
        fake.advance(1)
    pages = wallabag.pull(creds, None)
    items = list(next(pages).items)  # page 1 comes once page 2 is read
    fake.advance(5)
    fake.edit(urls[0], starred=True)  # moves to the end: page 3 would skip an entry
    items += [item for page in pages for item in page.items]
    assert {item.url for item in items} == set(urls)
    assert len(fake.requests("GET", "/api/entries.json")) == 6  # one pass more


def test_a_change_in_the_cursors_own_second_is_not_missed(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    fake.seed("https://example.org/s/1")
    *_, last = wallabag.pull(creds, None)
    fake.seed("https://example.org/s/2")  # the same second as the cursor's newest
    again = [item.url for page in wallabag.pull(creds, last.cursor) for item in page.items]
    assert again == ["https://example.org/s/2"]


def test_deletions_are_found_by_listing_only_when_the_count_says_so(fake: FakeWallabag) -> None:
    wallabag, creds = service(fake), credentials(fake)
    ids = [fake.seed(f"https://example.org/d/{n}") for n in range(4)]
    fake.advance(100)
    ids.append(fake.seed("https://example.org/d/4"))  # the cursor's: the others are older
    *_, last = wallabag.pull(creds, None, ids)
    assert [p.items for p in wallabag.pull(creds, last.cursor, ids)] == [[]]
    listed = fake.requests("GET", "/api/entries.json")
    assert [c.request.query.get("perPage") for c in listed] == ["500", "500", "1"]
    fake.remove("https://example.org/d/1")
    delta = [item for page in wallabag.pull(creds, last.cursor, ids) for item in page.items]
    assert [(item.remote_id, item.status) for item in delta] == [(ids[1], "deleted")]
    listed = fake.requests("GET", "/api/entries.json")[3:]
    assert [c.request.query.get("sort") for c in listed] == ["updated", None, "created"]


def test_no_secret_travels_in_a_url_nor_outside_the_token_call(fake: FakeWallabag) -> None:
    wallabag = service(fake, stay_connected="1")
    creds = wallabag.sign_in(SECRETS).credentials
    [added] = wallabag.push(creds, [Change("add", "https://example.org/p", tags=("a",))])
    assert added.remote_id
    wallabag.push(creds, [Change("tags_remove", "", tags=("a",), remote_id=added.remote_id)])
    *_, last = wallabag.pull(creds, None, [added.remote_id, "999"])
    assert RemoteItem("999", status="deleted") in last.items
    wallabag.find_saved(creds, ["https://example.org/p"], since=0)
    fresh = wallabag.refresh(creds)
    assert fresh is not None
    secrets = [*SECRETS.values(), creds.secret, creds.refresh or "", fresh.secret]
    assert len(fake.calls) == 8
    for call in fake.calls:
        assert not any(s in value for s in secrets for _, value in call.request.query_list)
        if call.path != "/oauth/v2/token":
            assert not any(s.encode() in call.request.raw for s in secrets)
            assert call.request.bearer() == creds.secret


def test_the_fake_takes_the_other_forms_wallabag_takes(fake: FakeWallabag) -> None:
    """What the adapter does not send but wallabag accepts: a GET token request, JSON
    bodies, hashed URLs, no token at all."""
    token = requests.get(f"{fake.base_url}/oauth/v2/token", params={
        "grant_type": "password", "client_id": fake.CLIENT_ID,
        "client_secret": fake.CLIENT_SECRET, "username": fake.USERNAME,
        "password": fake.PASSWORD}).json()
    assert token["expires_in"] == 3600 and token["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    entry = requests.post(f"{fake.base_url}/api/entries.json", headers=headers,
                          json={"url": "https://example.org/j", "archive": True,
                                "tags": ["One", " two "]}).json()
    assert entry["is_archived"] == 1 and [t["label"] for t in entry["tags"]] == ["one", "two"]
    hashed = hashlib.sha1(b"https://example.org/j").hexdigest()
    assert requests.get(f"{fake.base_url}/api/entries/exists.json", headers=headers, params={
        "hashed_url": hashed, "return_id": "1"}).json() == {"exists": entry["id"]}
    anonymous = requests.get(f"{fake.base_url}/api/entries.json")
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "access_denied"
    assert "Bearer" in anonymous.headers["WWW-Authenticate"]
    assert requests.get(f"{fake.base_url}/api/info.json").json()["appname"] == "wallabag"
