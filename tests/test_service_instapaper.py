"""The Instapaper (API v2) adapter against its fake: the quirks the contract suite does not
reach. An empty-body 401 and a refused token; saving a URL again updates the one bookmark
(tags merged by default, replaced on a fake told so); the since sync with its deleted ids;
tags replaced exactly though they are removed by id; a rate limit's headers; pages of at
most 500; a cursor on the server's clock."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from pocket_companion import errors
from pocket_companion.config import Settings
from pocket_companion.services.base import Change, Credentials, RemoteItem
from pocket_companion.services.instapaper.adapter import InstapaperService

from tests.fakepocket import Fault
from tests.fakes.instapaper import USER, FakeInstapaper

URL = "https://example.com/article"


@pytest.fixture
def fake() -> Iterator[FakeInstapaper]:
    with FakeInstapaper() as server:
        yield server


def service_of(fake: FakeInstapaper) -> InstapaperService:
    return InstapaperService(Settings("instapaper", fake.base_url))


def creds_of(fake: FakeInstapaper, approved: bool = True) -> Credentials:
    return Credentials(fake.issue_token(approved))


def raw_get(fake: FakeInstapaper, path: str, token: str, **params: int
            ) -> requests.Response:
    return requests.get(f"{fake.base_url}/api/2{path}", params=params, timeout=5,
                        headers={"Authorization": f"Bearer {token}"})


def sync_params(fake: FakeInstapaper) -> list[dict[str, str]]:
    return [call.request.query for call in fake.requests("GET", "/api/2/bookmarks")]


# --- login and refused tokens --------------------------------------------------------------

def test_sign_in_checks_the_token_with_me(fake: FakeInstapaper) -> None:
    token = fake.issue_token()
    grant = service_of(fake).sign_in({"token": f" {token} "})
    assert grant.username == USER["username"] and grant.credentials.secret == token
    [call] = fake.requests("GET", "/api/2/me")
    assert call.request.bearer() == token and call.status == 200
    assert service_of(fake).refresh(grant.credentials) is None


def test_a_bad_token_is_refused_at_sign_in_naming_the_field(fake: FakeInstapaper) -> None:
    with pytest.raises(errors.FieldRejected) as caught:
        service_of(fake).sign_in({"token": "not-a-token"})
    assert caught.value.field == "token"
    assert caught.value.message == "Instapaper refused this personal access token"
    reply = raw_get(fake, "/me", "not-a-token")
    assert reply.status_code == 401 and reply.content == b""  # the body is empty
    with pytest.raises(errors.FieldRejected):
        service_of(fake).sign_in({"token": "  "})
    assert len(fake.requests("GET", "/api/2/me")) == 2  # the blank one was never sent


def test_an_empty_body_401_is_not_authenticated(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    fake.revoke(creds.secret)
    with pytest.raises(errors.NotAuthenticated):
        service.push(creds, [Change("add", URL)])
    with pytest.raises(errors.NotAuthenticated):
        list(service.pull(creds, None))
    with pytest.raises(errors.NotAuthenticated):
        service.find_saved(creds, [URL], time.time())
    assert [call.status for call in fake.calls] == [401, 401, 401]


def test_an_unapproved_application_is_refused(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake, approved=False)
    with pytest.raises(errors.FieldRejected) as caught:
        service.sign_in({"token": creds.secret})
    assert caught.value.field == "token" and "isn't approved" in caught.value.message
    with pytest.raises(errors.Forbidden) as forbidden:
        service.push(creds, [Change("add", URL)])
    assert "isn't approved or is suspended" in forbidden.value.message
    assert fake.items() == {}


# --- pushes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("replaces", [False, True])
def test_saving_a_url_again_updates_the_one_bookmark(replaces: bool) -> None:
    with FakeInstapaper(resave_replaces_tags=replaces) as fake:
        service, creds = service_of(fake), creds_of(fake)
        [first] = service.push(creds, [Change("add", URL, "First", ("a",))])
        [second] = service.push(creds, [Change("add", URL, "Second", ("b",))])
        [third] = service.push(creds, [Change("add", URL)])
        assert first.remote_id == second.remote_id == third.remote_id
        assert fake.items() == {URL: {"status": "0", "favorite": False, "title": "Second",
                                      "tags": ["b"] if replaces else ["a", "b"]}}
        bodies = [call.request.body for call in fake.requests("POST", "/api/2/bookmarks")]
        assert bodies[2] == {"url": URL}  # no title, no tags: nothing there is wiped


def test_each_op_reaches_the_bookmark(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    [added] = service.push(creds, [Change("add", URL, "T", ("x",))])
    bid = added.remote_id
    results = service.push(creds, [Change("archive", "", remote_id=bid),
                                   Change("favorite", "", remote_id=bid)])
    assert all(r.ok and r.remote_id == bid for r in results)
    assert fake.items()[URL] | {"tags": None} == {"status": "1", "favorite": True,
                                                  "title": "T", "tags": None}
    service.push(creds, [Change("readd", "", remote_id=bid),
                         Change("unfavorite", "", remote_id=bid)])
    assert fake.items()[URL]["status"] == "0" and fake.items()[URL]["favorite"] is False
    moves = [c.request.body for c in fake.requests("POST", rf"/api/2/bookmarks/{bid}/move")]
    assert moves == [{"section": "archive"}, {"section": "home"}]
    likes = [c.method for c in fake.requests(path=rf"/api/2/bookmarks/{bid}/like")]
    assert likes == ["POST", "DELETE"]


def test_tags_replace_ends_with_exactly_the_tags(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    bid = str(fake.seed(URL, tags=("a", "b", "c")))
    other = "https://example.com/other"
    fake.seed(other, tags=("a", "z"))
    [result] = service.push(creds, [Change("tags_replace", "", tags=("b", "d"),
                                           remote_id=bid)])
    assert result.ok and fake.items()[URL]["tags"] == ["b", "d"]
    [cleared] = service.push(creds, [Change("tags_clear", "", remote_id=bid)])
    assert cleared.ok and fake.items()[URL]["tags"] == []
    assert fake.items()[other]["tags"] == ["a", "z"]  # another bookmark keeps its tags


def test_tags_are_removed_by_the_ids_of_their_names(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    bid = fake.seed(URL, tags=("a", "b"))
    tag_a = fake.by_url(URL).tags[0]
    results = service.push(creds, [Change("tags_remove", "", tags=("a", "never-made"),
                                          remote_id=str(bid)),
                                   Change("tags_add", "", tags=("c",), remote_id=str(bid))])
    assert [r.ok for r in results] == [True, True]
    assert fake.items()[URL]["tags"] == ["b", "c"]
    sent = [c.request.body for c in fake.requests("POST", rf"/api/2/bookmarks/{bid}/tags")]
    assert sent == [{"remove_tags": [{"id": tag_a}]}, {"add_tags": [{"name": "c"}]}]
    service.push(creds, [Change("tags_remove", "", tags=("never-made",), remote_id=str(bid))])
    assert len(fake.requests("POST", rf"/api/2/bookmarks/{bid}/tags")) == 2  # nothing sent


def test_a_gone_bookmark_deletes_fine_and_fails_other_ops_alone(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    bid = str(fake.seed(URL))
    results = service.push(creds, [Change("delete", "", remote_id=bid),
                                   Change("delete", "", remote_id="999999"),
                                   Change("archive", "", remote_id="999999"),
                                   Change("add", "https://example.com/next")])
    assert [r.ok for r in results] == [True, True, False, True]
    assert "404" in (results[2].error or "") and "Bookmark not found" in (results[2].error or "")
    assert int(bid) in fake.tombstones and URL not in fake.items()
    assert sorted(c.status for c in fake.requests("DELETE")) == [200, 404]


def test_a_gone_bookmark_answered_400_fails_its_delete() -> None:
    """Whether the server says 404 or 400 for a bookmark it lacks is not documented (the
    official client calls 404 "no such endpoint"); a 400 may mean anything, so the delete
    fails rather than being taken as done."""
    with FakeInstapaper(missing_status=400) as fake:
        [result] = service_of(fake).push(creds_of(fake), [Change("delete", "", remote_id="7")])
        assert not result.ok and "400" in (result.error or "")


def test_a_402_fails_that_change_and_a_403_stops_the_push(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    fake.inject(Fault("status", status=402))
    [result] = service.push(creds, [Change("add", URL)])
    assert not result.ok and "402: Payment Required" in (result.error or "")
    fake.inject(Fault("status", status=403))
    with pytest.raises(errors.Forbidden):
        service.push(creds, [Change("add", URL)])
    assert fake.items() == {}


def test_an_unknown_op_or_id_fails_without_a_request(fake: FakeInstapaper) -> None:
    results = service_of(fake).push(creds_of(fake), [Change("no_such_op", "", remote_id="1"),
                                                     Change("archive", "", remote_id="x/../1")])
    assert [r.ok for r in results] == [False, False] and fake.calls == []


# --- rate limits -----------------------------------------------------------------------------

def test_a_rate_limit_waits_as_its_headers_say() -> None:
    with FakeInstapaper(user_limit=1) as fake:
        service, creds = service_of(fake), creds_of(fake)
        service.push(creds, [Change("add", URL)])
        fake.advance(45)
        with pytest.raises(errors.RateLimited) as caught:
            service.push(creds, [Change("add", "https://example.com/2")])
        reply = raw_get(fake, "/me", creds.secret)
        assert reply.status_code == 429
        assert reply.json() == {"error": {"code": 429, "message": "Rate limit exceeded"}}
        assert reply.headers["X-RateLimit-Limit"] == "1"
        assert reply.headers["X-RateLimit-Remaining"] == "0"
        retry = int(reply.headers["Retry-After"])
        assert int(reply.headers["X-RateLimit-Reset"]) == int(fake.now()) + retry
        assert 14 <= caught.value.retry_after <= 16 and retry in (14, 15, 16)


def test_a_429_without_retry_after_uses_the_reset_or_a_default(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    fake.inject(Fault("status", status=429,
                      headers={"X-RateLimit-Reset": str(int(time.time()) + 120)}))
    with pytest.raises(errors.RateLimited) as caught:
        service.push(creds, [Change("add", URL)])
    assert 115 <= caught.value.retry_after <= 121
    fake.inject(Fault("status", status=429))
    with pytest.raises(errors.RateLimited) as bare:
        list(service.pull(creds, None))
    assert bare.value.retry_after == 60


# --- pulls -----------------------------------------------------------------------------------

def test_the_first_pull_brings_every_section(fake: FakeInstapaper) -> None:
    home = fake.seed("https://example.com/home", "Home", tags=("t",), liked=True)
    fake.seed("https://example.com/archived", "Old", archived=True)
    fake.seed("https://example.com/foldered", "In a folder")
    fake.edit("https://example.com/foldered", folder_id=7)
    pages = list(service_of(fake).pull(creds_of(fake), None))
    items = {item.url: item for page in pages for item in page.items}
    assert {u: i.status for u, i in items.items()} == {
        "https://example.com/home": "unread", "https://example.com/archived": "archived",
        "https://example.com/foldered": "unread"}
    first = items["https://example.com/home"]
    assert (first.remote_id, first.title, first.favorite, first.tags) == (
        str(home), "Home", True, ("t",))
    assert first.time_added == fake.by_url("https://example.com/home").time
    assert sync_params(fake) == [{"since": "1", "limit": "500", "offset": "0"}]


def test_since_zero_is_no_since_to_the_server(fake: FakeInstapaper) -> None:
    """Why a first pull asks since=1: since=0 lists the home section only."""
    fake.seed("https://example.com/home")
    fake.seed("https://example.com/archived", archived=True)
    reply = raw_get(fake, "/bookmarks", fake.issue_token(), since=0).json()
    assert [b["url"] for b in reply["bookmarks"]] == ["https://example.com/home"]
    assert "deleted_ids" not in reply


def test_the_since_sync_brings_deleted_ids(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    old = fake.seed("https://example.com/old")
    fake.remove("https://example.com/old")  # a tombstone from before this program
    kept = fake.seed("https://example.com/kept")
    gone = fake.seed("https://example.com/gone")
    fake.advance(5)
    pages = list(service.pull(creds, None, known={str(kept)}))
    assert [i.status for i in pages[-1].items] == ["unread", "unread"]  # no tombstone of old
    fake.advance(5)
    fake.remove("https://example.com/gone")
    fake.advance(5)
    delta = [item for page in service.pull(creds, pages[-1].cursor) for item in page.items]
    assert delta == [RemoteItem(str(gone), status="deleted")]
    raw = raw_get(fake, "/bookmarks", creds.secret, since=1).json()
    assert raw["deleted_ids"] == [old, gone] and raw["total"] == 1


def test_the_cursor_is_the_servers_clock(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    fake.seed(URL)
    fake.advance(100_000)  # the fake's clock, and its Date header, run a day ahead
    pages = list(service.pull(creds, None))
    cursor = pages[-1].cursor
    assert cursor is not None and abs(int(cursor) - fake.now()) <= 2
    fake.advance(3)
    fake.edit(URL, title="Changed")
    [page] = list(service.pull(creds, cursor))
    assert [i.title for i in page.items] == ["Changed"]
    assert sync_params(fake)[-1]["since"] == str(int(cursor) - 1)  # one second of overlap


def test_pages_hold_at_most_500_and_a_change_while_paging_skips_nothing(
        fake: FakeInstapaper) -> None:
    urls = [f"https://example.com/{n}" for n in range(1100)]
    for url in urls:
        fake.seed(url)
    fake.advance(5)
    pages = service_of(fake).pull(creds_of(fake), None)
    first = next(pages)
    fake.advance(1)
    fake.edit(urls[10], title="moved to the end of the sync list")
    rest = list(pages)
    items = [item for page in [first, *rest] for item in page.items]
    assert sorted(item.url for item in items) == sorted(urls)
    assert len({item.remote_id for item in items}) == len(items)  # each once
    assert all(int(p["limit"]) <= 500 for p in sync_params(fake))
    assert [p["offset"] for p in sync_params(fake)] == ["0", "480", "960"]


def test_the_fake_refuses_a_limit_over_500(fake: FakeInstapaper) -> None:
    reply = raw_get(fake, "/bookmarks", fake.issue_token(), since=1, limit=501)
    assert reply.status_code == 400
    assert reply.json() == {"error": {"code": 400,
                                      "message": "limit must be between 1 and 500"}}


# --- find_saved and the base URL -----------------------------------------------------------

def test_find_saved_looks_back_from_since_and_matches_by_key(fake: FakeInstapaper) -> None:
    service, creds = service_of(fake), creds_of(fake)
    service.push(creds, [Change("add", "https://example.com/a?utm_source=feed"),
                         Change("add", "https://example.com/b")])
    bid = fake.by_url("https://example.com/a?utm_source=feed").id
    fake.remove("https://example.com/b")
    since = fake.now()
    found = service.find_saved(creds, ["https://example.com/a", "https://example.com/b"],
                               since)
    assert found == {"https://example.com/a": str(bid)}
    assert sync_params(fake)[-1]["since"] == str(int(since) - 600)


def test_a_server_below_a_sub_path() -> None:
    with FakeInstapaper(prefix="/proxy/instapaper") as fake:
        grant = service_of(fake).sign_in({"token": fake.issue_token()})
        assert grant.username == USER["username"]
        assert fake.base_url.endswith("/proxy/instapaper")
        assert [c.path for c in fake.calls] == ["/api/2/me"]
