"""The linkding adapter against its fake server: the service's quirks (a duplicate save
updates in place, trailing slashes, tags as a whole list, no favourites, the check call,
the ``Token`` scheme) and its pulls (paging, cursors, deletions it does not report)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pocket_companion import errors
from pocket_companion.config import Settings
from pocket_companion.services.base import Change, Credentials, RemoteItem
from pocket_companion.services.linkding.adapter import LinkdingService

from tests.fakes.linkding import FakeLinkding, Reply, Request


@pytest.fixture
def fake() -> Iterator[FakeLinkding]:
    with FakeLinkding() as started:
        yield started


def make(fake: FakeLinkding, page_size: int | None = None) -> LinkdingService:
    service = LinkdingService(Settings("linkding", fake.base_url))
    if page_size is not None:
        service.page_size = page_size
    return service


def creds_of(fake: FakeLinkding, read_only: bool = False) -> Credentials:
    return Credentials(fake.issue_token(read_only=read_only))


def sent(fake: FakeLinkding, method: str | None = None) -> list[Request]:
    return [call.request for call in fake.requests(method)]


def pull_all(service: LinkdingService, creds: Credentials, cursor: str | None,
             known: set[str] | None = None) -> tuple[list[RemoteItem], str]:
    pages = list(service.pull(creds, cursor, known or set()))
    assert all(page.cursor is None for page in pages[:-1])
    last = pages[-1].cursor
    assert last
    return [item for page in pages for item in page.items], last


# --- the quirks -----------------------------------------------------------------------------


def test_a_duplicate_save_updates_the_bookmark_in_place_and_keeps_it_archived(
        fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    seeded = fake.seed("https://example.org/read/", "Old", archived=True, tags=("kept",))
    [result] = service.push(creds, [Change("add", "https://EXAMPLE.org/read", "New",
                                           ("fresh",))])
    assert result.ok and result.remote_id == str(seeded)
    assert [call.status for call in fake.requests("POST")] == [201]
    assert len(fake.bookmarks) == 1
    bookmark = fake.bookmarks[seeded]
    assert bookmark.is_archived and bookmark.url == "https://example.org/read/"
    assert (bookmark.title, bookmark.tags) == ("New", ["fresh"])  # replaced, not merged


def test_every_call_ends_with_a_slash_and_the_server_redirects_one_without(
        fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    service.sign_in({"token": creds.secret})
    [added] = service.push(creds, [Change("add", "https://example.org/a", "A")])
    remote_id = added.remote_id
    results = service.push(creds, [Change(op, "", tags=("t",), remote_id=remote_id) for op in
                                   ("archive", "readd", "tags_add", "tags_remove",
                                    "tags_replace", "tags_clear", "delete")])
    assert all(result.ok for result in results)
    list(service.pull(creds, None, {"999"}))
    service.find_saved(creds, ["https://example.org/a"], since=0)
    paths = [request.raw_path for request in sent(fake)]
    assert len(paths) == 15 and all(path.endswith("/") for path in paths)
    assert {call.status for call in fake.calls} <= {200, 201, 204, 404}

    answer = requests.post(fake.base_url + "/api/bookmarks?disable_scraping",
                           json={"url": "https://example.org/b"}, allow_redirects=False,
                           headers={"Authorization": f"Token {creds.secret}"}, timeout=5)
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/api/bookmarks/?disable_scraping"
    assert fake.by_url("https://example.org/b") is None


def test_tag_changes_patch_the_whole_list_and_end_exactly_as_asked(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    bid = str(fake.seed("https://example.org/t", tags=("Keep", "drop me")))
    steps: list[tuple[str, tuple[str, ...], list[str]]] = [
        ("tags_add", ("new one", "keep"), ["Keep", "drop-me", "new-one"]),
        ("tags_remove", ("DROP ME",), ["Keep", "new-one"]),
        ("tags_replace", ("x", "y,z"), ["x", "y", "z"]),
        ("tags_remove", ("Y,z",), ["x"]),
        ("tags_clear", (), []),
    ]
    for op, tags, expected in steps:
        [result] = service.push(creds, [Change(op, "", tags=tags, remote_id=bid)])
        assert result.ok and result.remote_id == bid
        assert sorted(fake.bookmarks[int(bid)].tags) == sorted(expected), op
    patches = [request.body for request in sent(fake, "PATCH")]
    assert [set(body) for body in patches] == [{"tag_names"}] * 5
    assert patches[-2:] == [{"tag_names": ["x"]}, {"tag_names": []}]
    assert len(sent(fake, "GET")) == 3  # read only for an add or a remove


def test_favourites_fail_alone_and_send_nothing(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    bid = str(fake.seed("https://example.org/f"))
    results = service.push(creds, [Change("favorite", "", remote_id=bid),
                                   Change("archive", "", remote_id=bid),
                                   Change("unfavorite", "", remote_id=bid)])
    assert [r.ok for r in results] == [False, True, False]
    assert results[0].error and "favourite" in results[0].error
    assert [(r.method, r.raw_path) for r in sent(fake)] == [
        ("POST", f"/api/bookmarks/{bid}/archive/")]


def test_the_check_call_finds_a_saved_url_as_linkding_matches_it(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    bid = fake.seed("https://example.org/saved/?b=2&a=1")
    found = service.find_saved(creds, ["https://Example.org/saved?a=1&b=2",
                                       "https://example.org/other"], since=0)
    assert found == {"https://Example.org/saved?a=1&b=2": str(bid)}
    assert sorted(r.query["url"] for r in sent(fake)) == [
        "https://Example.org/saved?a=1&b=2", "https://example.org/other"]
    assert all(r.raw_path == "/api/bookmarks/check/" for r in sent(fake))


def test_the_token_goes_with_the_token_scheme(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    service.push(creds, [Change("add", "https://example.org/s", "S")])
    list(service.pull(creds, None))
    assert {r.headers["authorization"] for r in sent(fake)} == {f"Token {creds.secret}"}


def test_a_bearer_token_works_and_another_keyword_is_refused(fake: FakeLinkding) -> None:
    token = fake.issue_token()
    url = fake.base_url + "/api/user/profile/"
    for auth, status in ((f"Bearer {token}", 200), (f"Basic {token}", 401),
                         ("Token nope", 401)):
        answer = requests.get(url, headers={"Authorization": auth}, timeout=5)
        assert answer.status_code == status, auth
    assert requests.get(url, headers={"Authorization": "Token nope"},
                        timeout=5).json() == {"detail": "Invalid token."}
    assert requests.get(url, headers={"Authorization": f"Basic {token}"}, timeout=5).json() == {
        "detail": "Authentication credentials were not provided."}


def test_sign_in_checks_the_token(fake: FakeLinkding) -> None:
    service = make(fake)
    grant = service.sign_in({"token": f" {fake.issue_token()} "})
    assert grant.username == "linkding user at 127.0.0.1"
    assert grant.credentials.secret in fake.tokens and service.refresh(grant.credentials) is None
    with pytest.raises(errors.FieldRejected) as refused:
        service.sign_in({"token": "not-a-token"})
    assert refused.value.field == "token" and "refused" in refused.value.message
    with pytest.raises(errors.FieldRejected):
        service.sign_in({"token": "  "})
    assert [r.raw_path for r in sent(fake)] == ["/api/user/profile/"] * 2


# --- pushes -------------------------------------------------------------------------------


def test_an_add_with_a_title_is_not_scraped_and_one_without_is(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    fake.pages["https://example.org/untitled"] = "Scraped"
    long_title = "x" * 600
    results = service.push(creds, [Change("add", "https://example.org/titled", long_title),
                                   Change("add", "https://example.org/untitled")])
    assert all(r.ok for r in results)
    assert fake.items()["https://example.org/titled"]["title"] == "x" * 512
    assert fake.items()["https://example.org/untitled"]["title"] == "Scraped"
    assert fake.scraped == ["https://example.org/untitled"]


def test_a_delete_of_a_gone_bookmark_succeeds_and_an_archive_of_it_fails(
        fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    bid = str(fake.seed("https://example.org/gone"))
    results = service.push(creds, [Change("delete", "", remote_id=bid),
                                   Change("delete", "", remote_id=bid),
                                   Change("archive", "", remote_id="12345"),
                                   Change("tags_add", "", tags=("a",), remote_id="12345"),
                                   Change("archive", "", remote_id="../user/profile")])
    assert [r.ok for r in results] == [True, True, False, False, False]
    assert fake.bookmarks == {}
    assert sorted(c.status for c in fake.calls) == [204, 404, 404, 404]


def test_a_refused_value_fails_that_change_with_the_servers_words(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    results = service.push(creds, [Change("add", "not a url"),
                                   Change("add", "https://example.org/fine")])
    assert [r.ok for r in results] == [False, True]
    assert "400" in (results[0].error or "")
    assert list(fake.items()) == ["https://example.org/fine"]


def test_a_read_only_token_is_forbidden_and_a_proxy_limit_says_when(fake: FakeLinkding) -> None:
    service = make(fake)
    with pytest.raises(errors.Forbidden):
        service.push(creds_of(fake, read_only=True), [Change("add", "https://example.org/")])
    assert fake.bookmarks == {}
    with FakeLinkding(user_limit=1) as limited:
        service, creds = make(limited), creds_of(limited)
        service.push(creds, [Change("add", "https://example.org/1")])
        with pytest.raises(errors.RateLimited) as caught:
            list(service.pull(creds, None))
    assert 0 < caught.value.retry_after <= 61


# --- pulls --------------------------------------------------------------------------------


def test_a_pull_pages_through_both_lists_then_brings_only_changes(fake: FakeLinkding) -> None:
    service, creds = make(fake, page_size=3), creds_of(fake)
    ids = {n: str(fake.seed(f"https://example.org/{n}", f"T{n}", archived=n >= 5,
                            tags=("t",))) for n in range(7)}
    fake.advance(2)
    items, cursor = pull_all(service, creds, None)
    assert sorted(item.remote_id for item in items) == sorted(ids.values())
    first = {item.url: item for item in items}["https://example.org/6"]
    assert (first.status, first.title, first.tags, first.favorite) == ("archived", "T6",
                                                                        ("t",), False)
    assert first.time_added == pytest.approx(fake.bookmarks[int(ids[6])].date_added, abs=1e-5)
    offsets = [(r.raw_path, r.query["offset"]) for r in sent(fake)]
    assert offsets == [("/api/bookmarks/", "0"), ("/api/bookmarks/", "3"),
                       ("/api/bookmarks/archived/", "0")]

    fake.advance(2)
    assert pull_all(service, creds, cursor)[0] == []
    fake.edit("https://example.org/1", archived=True)
    fake.advance(2)
    changed, cursor = pull_all(service, creds, cursor)
    assert [(i.remote_id, i.status) for i in changed] == [(ids[1], "archived")]
    fake.edit("https://example.org/1", tags=["again"])  # within the overlap: still news
    again, cursor = pull_all(service, creds, cursor)
    assert [(i.remote_id, i.tags) for i in again] == [(ids[1], ("again",))]
    since = [r.query.get("modified_since") for r in sent(fake)][-2:]
    assert all(value and value.endswith("Z") for value in since)


def test_a_pull_with_known_ids_reports_the_missing_ones_deleted(fake: FakeLinkding) -> None:
    service, creds = make(fake), creds_of(fake)
    ids = [str(fake.seed(f"https://example.org/{n}")) for n in range(4)]
    _, cursor = pull_all(service, creds, None)
    fake.remove("https://example.org/2")
    fake.advance(2)
    delta, _ = pull_all(service, creds, cursor, set(ids) | {"not-an-id"})
    assert sorted((i.remote_id, i.status) for i in delta) == [
        (ids[2], "deleted"), ("not-an-id", "deleted")]
    assert [r.raw_path for r in sent(fake)][-1] == f"/api/bookmarks/{ids[2]}/"


class Shifting(FakeLinkding):
    """Runs ``meddle`` once, right after answering the first page of the unarchived list,
    as another app editing the account while the adapter pages through it."""

    meddle: Callable[[], None] | None = None

    def _list(self, request: Request, *, archived: bool) -> Reply:
        reply = super()._list(request, archived=archived)
        if self.meddle is not None and not archived:
            self.meddle()
            self.meddle = None
        return reply


def shifting_account(fake: Shifting, service: LinkdingService, creds: Credentials
                     ) -> tuple[list[str], str]:
    """Five bookmarks, pulled once; then the second and the third oldest change."""
    ids = [str(fake.seed(f"https://example.org/{n}")) for n in range(5)]
    fake.advance(1)
    _, cursor = pull_all(service, creds, None)
    for n in (1, 2):
        fake.edit(f"https://example.org/{n}", title=f"changed {n}")
    fake.advance(2)
    return ids, cursor


def test_a_list_whose_count_changes_while_it_is_read_is_read_again() -> None:
    with Shifting() as fake:
        service, creds = make(fake, page_size=2), creds_of(fake)
        ids, cursor = shifting_account(fake, service, creds)
        fake.meddle = lambda: fake.remove("https://example.org/4")  # first on page one
        delta, _ = pull_all(service, creds, cursor, set(ids))
    assert sorted((i.remote_id, i.status) for i in delta) == [
        (ids[1], "unread"), (ids[2], "unread"), (ids[4], "deleted")]
    unarchived = [r.query["offset"] for r in sent(fake) if r.raw_path == "/api/bookmarks/"]
    assert unarchived == ["0", "2", "4", "0", "2", "0", "2"]  # the second read started over


def test_a_bookmark_an_offset_skipped_is_confirmed_not_deleted() -> None:
    def swap() -> None:  # one leaves the first page, one older than all arrives: same count
        fake.remove("https://example.org/4")
        newcomer = fake.seed("https://example.org/newcomer")
        fake.bookmarks[newcomer].date_added -= 3600

    with Shifting() as fake:
        service, creds = make(fake, page_size=2), creds_of(fake)
        ids, cursor = shifting_account(fake, service, creds)
        fake.meddle = swap
        delta, _ = pull_all(service, creds, cursor, set(ids))
    # the list read [4, 3], then [1, 0] and the newcomer: 2 was skipped, then read by its id
    reported = {(i.url, i.status) for i in delta}
    assert {("https://example.org/1", "unread"), ("https://example.org/2", "unread"),
            ("https://example.org/newcomer", "unread")} <= reported
    assert not any(i.status == "deleted" and i.remote_id != ids[4] for i in delta)
    assert sent(fake, "GET")[-1].raw_path == f"/api/bookmarks/{ids[2]}/"


def test_a_server_that_ignores_modified_since_still_gives_only_changes() -> None:
    with FakeLinkding(dated_filters=False) as fake:
        service, creds = make(fake), creds_of(fake)
        for n in range(3):
            fake.seed(f"https://example.org/{n}")
        fake.advance(60)
        _, cursor = pull_all(service, creds, None)
        fake.advance(60)
        fake.edit("https://example.org/0", title="new")
        delta, cursor = pull_all(service, creds, cursor)
        assert [item.url for item in delta] == ["https://example.org/0"]
        assert len(json.loads(cursor)["seen"]) == 1  # older stamps leave the cursor


def test_the_fake_ignores_a_bad_date_and_links_pages_absolutely(fake: FakeLinkding) -> None:
    for n in range(2):
        fake.seed(f"https://example.org/{n}")
    auth = {"Authorization": f"Token {fake.issue_token()}"}
    url = fake.base_url + "/api/bookmarks/"
    plus = requests.get(url + "?modified_since=2999-01-01T00:00:00+00:00", headers=auth,
                        timeout=5).json()
    assert plus["count"] == 2  # the "+" arrived as a space: not a date, no filter
    zulu = requests.get(url + "?modified_since=2999-01-01T00:00:00Z", headers=auth,
                        timeout=5).json()
    assert zulu["count"] == 0
    paged: dict[str, Any] = requests.get(url + "?limit=1", headers=auth, timeout=5).json()
    assert paged["next"] == f"{url}?limit=1&offset=1" and paged["previous"] is None
    assert [item["url"] for item in paged["results"]] == ["https://example.org/1"]
