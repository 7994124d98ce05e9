"""The Karakeep adapter against the fake Karakeep: its quirks, one test each (the contract
suite, tests/contract, covers what every service shares)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests
from pocket_companion import errors
from pocket_companion.config import Settings
from pocket_companion.services.base import Change, Credentials, PullPage, RemoteItem
from pocket_companion.services.http import default_session
from pocket_companion.services.karakeep.adapter import Cursor, KarakeepService

from tests.fakepocket import Fault
from tests.fakes.karakeep import V1, FakeKarakeep


@pytest.fixture
def fake() -> Iterator[FakeKarakeep]:
    with FakeKarakeep() as made:
        yield made


def service_of(fake: FakeKarakeep, session_factory: Any = default_session) -> KarakeepService:
    return KarakeepService(Settings("karakeep", fake.base_url), session_factory)


@pytest.fixture
def service(fake: FakeKarakeep) -> KarakeepService:
    return service_of(fake)


@pytest.fixture
def creds(fake: FakeKarakeep) -> Credentials:
    return Credentials(fake.issue_key())


def bodies(fake: FakeKarakeep, method: str, path: str) -> list[Any]:
    return [call.request.body for call in fake.requests(method, V1 + path)]


def seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def items_of(pages: list[PullPage]) -> dict[str, RemoteItem]:
    return {item.remote_id: item for page in pages for item in page.items}


def pulled(service: KarakeepService, creds: Credentials, cursor: str | None,
           known: tuple[str, ...] = ()) -> tuple[dict[str, RemoteItem], str]:
    pages = list(service.pull(creds, cursor, known))
    assert pages[-1].cursor and all(page.cursor is None for page in pages[:-1])
    return items_of(pages), pages[-1].cursor


# --- login ----------------------------------------------------------------------------------

def test_sign_in_checks_the_key_and_names_the_account(fake: FakeKarakeep,
                                                      service: KarakeepService) -> None:
    key = fake.issue_key()
    grant = service.sign_in({"token": f" {key} "})
    assert grant.username == "Ada" and grant.credentials == Credentials(key)
    [call] = fake.requests("GET", f"{V1}/users/me")
    assert call.request.headers["authorization"] == f"Bearer {key}"
    assert service.refresh(grant.credentials) is None


@pytest.mark.parametrize("key", ["ak2_0000_1111", ""])
def test_a_key_karakeep_refuses_is_a_rejected_field(service: KarakeepService, key: str) -> None:
    with pytest.raises(errors.FieldRejected) as caught:
        service.sign_in({"token": key})
    assert caught.value.field == "token"
    assert caught.value.message == ("Karakeep refused this API key" if key
                                    else "Paste a Karakeep API key")


def test_a_key_scoped_to_bookmarks_only_is_named_after_its_key_id(
        fake: FakeKarakeep, service: KarakeepService) -> None:
    key = fake.issue_key(("bookmarks:readwrite",))
    grant = service.sign_in({"token": key})
    assert grant.username == f"API key {key.split('_')[1]}"
    assert [c.status for c in fake.requests()] == [403, 200]  # /users/me, then one bookmark
    with pytest.raises(errors.FieldRejected, match="may not use bookmarks"):
        service.sign_in({"token": fake.issue_key(("lists:readwrite",))})


# --- push -----------------------------------------------------------------------------------

def test_an_add_with_tags_is_a_save_then_a_second_call_for_the_tags(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    [result] = service.push(creds, [Change("add", "https://ex.org/a", "A", ("x", "#y", "x"))])
    assert result.ok and result.remote_id == "bm00001"
    assert bodies(fake, "POST", "/bookmarks") == [
        {"type": "link", "url": "https://ex.org/a", "title": "A", "source": "extension"}]
    assert bodies(fake, "POST", "/bookmarks/bm00001/tags") == [
        {"tags": [{"tagName": "x"}, {"tagName": "y"}]}]
    assert [t["name"] for t in fake.view("bm00001")["tags"]] == ["x", "y"]
    service.push(creds, [Change("add", "https://ex.org/b")])
    assert not fake.requests("POST", f"{V1}/bookmarks/bm00002/tags")  # no tags: one call


def test_a_re_add_is_the_same_bookmark_and_un_archives_it(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    """Karakeep answers 200 with alreadyExists, un-archives the bookmark and moves it to the
    top: the adapter reports the id; an archive queued after the add archives it again."""
    seeded = fake.seed("https://ex.org/a", "Old", archived=True)
    added_at = fake.view(seeded)["firstCreatedAt"]
    fake.advance(60)
    [result] = service.push(creds, [Change("add", "https://ex.org/a", "New")])
    assert result.remote_id == seeded and len(fake.bookmarks) == 1
    assert [c.status for c in fake.requests("POST", f"{V1}/bookmarks")] == [200]
    view = fake.view(seeded)
    assert not view["archived"] and view["title"] == "New"
    assert view["createdAt"] > added_at == view["firstCreatedAt"]
    assert pulled(service, creds, None)[0][seeded].time_added == seconds(added_at)
    assert service.push(creds, [Change("archive", "", remote_id=seeded)])[0].ok
    assert fake.view(seeded)["archived"]


def test_the_tags_failing_after_the_save_send_the_add_again_not_look_it_up(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    add = Change("add", "https://ex.org/a", tags=("x",))
    fake.inject(Fault("status", status=500), path=f"{V1}/bookmarks/{fake.next_id()}/tags")
    with pytest.raises(errors.ServiceUnavailable, match="not its tags") as caught:
        service.push(creds, [add])
    assert caught.value.sent is False  # the engine sends it again rather than settle it
    assert fake.view("bm00001")["tags"] == []
    assert service.push(creds, [add])[0].remote_id == "bm00001"
    assert [t["name"] for t in fake.view("bm00001")["tags"]] == ["x"]
    assert len(fake.bookmarks) == 1


def test_tags_refused_after_the_save_fail_the_add_alone(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    other = fake.seed("https://ex.org/b")
    fake.inject(Fault("status", status=400), path=f"{V1}/bookmarks/{fake.next_id()}/tags")
    results = service.push(creds, [Change("add", "https://ex.org/a", tags=("x",)),
                                   Change("archive", "", remote_id=other)])
    assert [r.ok for r in results] == [False, True] and "400" in (results[0].error or "")
    assert fake.view(other)["archived"]


def test_flags_go_by_patch(fake: FakeKarakeep, service: KarakeepService,
                           creds: Credentials) -> None:
    bid = fake.seed("https://ex.org/a")
    ops = ["archive", "favorite", "readd", "unfavorite", "favorite"]
    assert all(r.ok for r in service.push(creds, [Change(op, "", remote_id=bid) for op in ops]))
    assert bodies(fake, "PATCH", f"/bookmarks/{bid}") == [
        {"archived": True}, {"favourited": True}, {"archived": False}, {"favourited": False},
        {"favourited": True}]
    assert not fake.view(bid)["archived"] and fake.view(bid)["favourited"]


def test_tags_go_on_and_off_by_name_and_a_replace_reads_them_first(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    bid = fake.seed("https://ex.org/a", tags=("keep", "ai-made", "drop"))

    def names() -> list[str]:
        return sorted(t["name"] for t in fake.view(bid)["tags"])

    service.push(creds, [Change("tags_add", "", tags=("new",), remote_id=bid),
                         Change("tags_remove", "", tags=("#drop",), remote_id=bid)])
    assert names() == ["ai-made", "keep", "new"]
    assert bodies(fake, "DELETE", f"/bookmarks/{bid}/tags") == [{"tags": [{"tagName": "drop"}]}]
    [result] = service.push(creds, [Change("tags_replace", "", tags=("keep", "more"),
                                           remote_id=bid)])
    assert result.ok and names() == ["keep", "more"]
    assert len(fake.requests("GET", f"{V1}/bookmarks/{bid}")) == 1
    assert "tagId" in bodies(fake, "DELETE", f"/bookmarks/{bid}/tags")[-1]["tags"][0]
    service.push(creds, [Change("tags_clear", "", remote_id=bid)])
    assert names() == []


def test_a_delete_of_a_bookmark_already_gone_is_done_but_an_edit_fails(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    bid = fake.seed("https://ex.org/a")
    results = service.push(creds, [Change("delete", "", remote_id=bid),
                                   Change("delete", "", remote_id="bm09999"),
                                   Change("archive", "", remote_id="bm09998"),
                                   Change("archive", "")])
    assert [r.ok for r in results] == [True, True, False, False]
    assert "Bookmark not found" in (results[2].error or "") and not fake.bookmarks
    assert sorted(c.status for c in fake.requests("DELETE")) == [204, 404]  # in parallel


# --- pull -----------------------------------------------------------------------------------

def test_a_pull_pages_through_every_bookmark_without_content(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    ids = [fake.seed(f"https://ex.org/{n}", f"Page {n}", tags=("t",)) for n in range(230)]
    note = fake.seed_note("a note, not a link")
    named = service.push(creds, [Change("add", "https://ex.org/named", "Given title")])
    named_id = named[0].remote_id
    assert named_id
    found, _ = pulled(service, creds, None, known=(*ids, note))
    assert set(found) == {*ids, named_id}  # the note is neither reported nor taken for gone
    assert found[ids[7]] == RemoteItem(
        ids[7], "https://ex.org/7", "unread", "Page 7", tags=("t",),
        time_added=seconds(fake.view(ids[7])["firstCreatedAt"]))
    assert found[named_id].title == "Given title"  # the bookmark's own, else the page's
    queries = [c.request.query for c in fake.requests("GET", f"{V1}/bookmarks")]
    assert [q["limit"] for q in queries] == ["100"] * 3
    assert all(q["includeContent"] == "false" for q in queries)
    assert "cursor" not in queries[0] and queries[1]["cursor"].startswith("bm")


def test_a_pull_with_its_cursor_brings_only_changes_even_in_the_same_second(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    ids = [fake.seed(f"https://ex.org/{n}") for n in range(5)]
    _, cursor = pulled(service, creds, None)
    again, cursor = pulled(service, creds, cursor, tuple(ids))
    assert again == {}
    fake.edit(ids[1], archived=True)  # the clock has not moved: the same second as the pull
    fake.remove(ids[2])
    delta, cursor = pulled(service, creds, cursor, tuple(ids))
    assert {k: v.status for k, v in delta.items()} == {ids[1]: "archived", ids[2]: "deleted"}
    assert pulled(service, creds, cursor, (ids[0], ids[1], ids[3], ids[4]))[0] == {}


def test_changes_made_while_a_pull_pages_come_with_the_next_one(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    """The cursor is the server's clock when the listing began, not the newest change it
    saw: a bookmark changed after its page was read is still newer than the cursor."""
    ids = [fake.seed(f"https://ex.org/{n}") for n in range(150)]  # page 1: ids[149..50]
    pages = service.pull(creds, None, tuple(ids))
    first = next(pages)
    fake.advance(30)
    fake.edit(ids[120], archived=True)  # its page was read already
    fake.advance(30)
    fake.edit(ids[10], archived=True)  # its page is read next, with this newer change
    rest = list(pages)
    assert items_of([first, *rest])[ids[10]].status == "archived"
    assert rest[-1].cursor is not None
    delta, _ = pulled(service, creds, rest[-1].cursor, tuple(ids))
    assert {k: v.status for k, v in delta.items()} == {ids[120]: "archived"}


def test_a_bookmark_re_saved_during_a_pull_is_not_taken_for_deleted(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    ids = [fake.seed(f"https://ex.org/{n}", archived=True) for n in range(150)]
    pages = service.pull(creds, None, tuple(ids))
    first = next(pages)
    fake.advance(10)
    fake.edit(ids[0], resave=True)  # on page 2 a moment ago, at the top now: missed there
    rest = list(pages)
    found = items_of([first, *rest])
    assert found[ids[0]].status == "unread" and len(found) == 150
    assert len(fake.requests("GET", f"{V1}/bookmarks")) == 4  # a second listing confirmed it


def test_without_a_date_header_the_cursor_is_the_newest_change_seen(
        fake: FakeKarakeep, creds: Credentials) -> None:
    class NoDate(requests.Session):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            resp = super().send(request, **kwargs)
            resp.headers.pop("Date", None)
            return resp

    service = service_of(fake, NoDate)
    bid = fake.seed("https://ex.org/a")
    fake.advance(100)
    _, cursor = pulled(service, creds, None)
    parsed = Cursor.parse(cursor)
    assert parsed is not None
    assert parsed.since == seconds(fake.view(bid)["modifiedAt"])
    assert pulled(service, creds, cursor)[0] == {}
    fake.edit(bid, archived=True)
    assert pulled(service, creds, cursor)[0][bid].status == "archived"


def test_a_cursor_it_did_not_write_means_a_full_pull(fake: FakeKarakeep,
                                                     service: KarakeepService,
                                                     creds: Credentials) -> None:
    bid = fake.seed("https://ex.org/a")
    for cursor in ("1700000000", "{", json.dumps({"since": "x"})):
        assert set(pulled(service, creds, cursor)[0]) == {bid}


# --- look-up --------------------------------------------------------------------------------

def test_find_saved_asks_check_url_which_ignores_fragment_and_trailing_slash(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    bid = fake.seed("https://ex.org/a/")
    urls = ["https://ex.org/a#part", "https://ex.org/a", "https://ex.org/b"]
    assert service.find_saved(creds, urls, since=0) == {urls[0]: bid, urls[1]: bid}
    assert [c.request.query["url"] for c in fake.requests("GET", f"{V1}/bookmarks/check-url")
            ] == urls


def test_create_itself_dedupes_on_the_exact_url_only(
        fake: FakeKarakeep, service: KarakeepService, creds: Credentials) -> None:
    """Karakeep's createBookmark matches the URL exactly (unlike check-url)."""
    first = service.push(creds, [Change("add", "https://ex.org/a")])[0].remote_id
    second = service.push(creds, [Change("add", "https://ex.org/a/")])[0].remote_id
    assert first != second and len(fake.bookmarks) == 2


def test_an_old_server_without_check_url_says_it_will_not_tell() -> None:
    """Before v0.31 the route is missing (GET /bookmarks/check-url is read as a bookmark
    id: 404): Forbidden, so the engine sends the add again, which Karakeep merges."""
    with FakeKarakeep(old_server=True) as old:
        key = Credentials(old.issue_key())
        with pytest.raises(errors.Forbidden, match="too old"):
            service_of(old).find_saved(key, ["https://ex.org/a"], since=0)
        assert [c.status for c in old.requests()] == [404]


# --- errors ---------------------------------------------------------------------------------

def test_a_rate_limit_said_in_words_gives_its_wait() -> None:
    with FakeKarakeep(user_limit=1, clock=lambda: 1_800_000_000.0) as limited:
        service, key = service_of(limited), Credentials(limited.issue_key())
        service.push(key, [Change("add", "https://ex.org/1")])
        limited.advance(25)
        assert service.push(key, [Change("archive", "", remote_id="bm00001")])[0].ok
        with pytest.raises(errors.RateLimited) as caught:
            service.push(key, [Change("add", "https://ex.org/2")])
        assert caught.value.retry_after == 36  # not the 60 s guessed when nothing is said
        raw = requests.post(f"{limited.base_url}{V1}/bookmarks", json={
            "type": "link", "url": "https://ex.org/3"},
            headers={"Authorization": f"Bearer {key.secret}"}, timeout=5)
        assert raw.status_code == 429 and "Retry-After" not in raw.headers
        assert raw.text == "Rate limit exceeded. Try again in 36 seconds."


def test_a_read_only_key_is_forbidden_to_save(fake: FakeKarakeep,
                                              service: KarakeepService) -> None:
    key = Credentials(fake.issue_key(("bookmarks:read",)))
    with pytest.raises(errors.Forbidden, match="bookmarks:readwrite"):
        service.push(key, [Change("add", "https://ex.org/a")])
    assert not fake.bookmarks
    assert pulled(service, key, None)[0] == {}  # reading is allowed


def test_a_revoked_key_is_not_authenticated(fake: FakeKarakeep, service: KarakeepService,
                                            creds: Credentials) -> None:
    fake.revoke(creds.secret)
    with pytest.raises(errors.NotAuthenticated, match="Unauthorized"):
        service.push(creds, [Change("add", "https://ex.org/a")])
    with pytest.raises(errors.NotAuthenticated):
        list(service.pull(creds, None))


def test_a_server_below_a_sub_path_is_reached_there() -> None:
    with FakeKarakeep(prefix="/karakeep") as fake:
        service, key = service_of(fake), Credentials(fake.issue_key())
        assert service.push(key, [Change("add", "https://ex.org/a")])[0].ok
        assert fake.base_url.endswith("/karakeep") and len(fake.bookmarks) == 1
