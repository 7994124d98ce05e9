"""The fake Pocket server's "changed elsewhere" hooks: seed_many, edit, remove, merge_url and
advance, seen through real HTTP /v3/get and /v3/add calls as a syncing client would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakepocket import FakePocket

K = FakePocket.CONSUMER_KEY
T0 = 1_700_000_000.0
DAY = 86_400


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakePocket]:
    clock = Clock()
    with FakePocket(count_cap=5000, clock=clock) as f:
        yield f


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.fixture
def get(fake: FakePocket, session: requests.Session) -> Any:
    token = fake.issue_token()

    def call(**params: Any) -> dict[str, Any]:
        body = {"consumer_key": K, "access_token": token, "state": "all",
                "detailType": "complete", **params}
        r = session.post(f"{fake.base_url}/v3/get", json=body, timeout=10)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    return call


def add(fake: FakePocket, url: str, **params: Any) -> dict[str, Any]:
    body = {"consumer_key": K, "access_token": fake.issue_token(), "url": url, **params}
    r = requests.post(f"{fake.base_url}/v3/add", json=body, timeout=5)
    assert r.status_code == 200, r.text
    item: dict[str, Any] = r.json()["item"]
    return item


def ordered(listing: dict[str, Any] | list[Any]) -> list[dict[str, Any]]:
    """A /v3/get `list` (an object, or [] when empty) in sort_id order."""
    if isinstance(listing, list):
        return listing
    return sorted(listing.values(), key=lambda i: i["sort_id"])


# --- seed_many and big pages ---------------------------------------------------------------


def test_seed_many_10000_then_pages_of_5000(fake: FakePocket, get: Any) -> None:
    n = 10_000
    entries = [  # added in a shuffled order of time_added, so sort=oldest has work to do
        {"url": f"https://site{i % 40}.example/post/{i}", "title": f"Post {i}",
         "tags": ["bulk", f"t{i % 7}"], "time_added": int(T0) - ((i * 7919) % n) * 60,
         "status": "archived" if i % 3 == 0 else "unread", "favorite": i % 5 == 0}
        for i in range(n)
    ]
    started = time.perf_counter()
    ids = fake.seed_many(entries)
    seeding = time.perf_counter() - started
    assert len(set(ids)) == n and seeding < 2.0, seeding

    pages, times = [], []
    for offset in (0, 5000, 10_000):
        started = time.perf_counter()
        body = get(sort="oldest", count=5000, offset=offset)
        times.append(time.perf_counter() - started)
        pages.append(ordered(body["list"]))
    assert [len(p) for p in pages] == [5000, 5000, 0] and max(times) < 1.0, times
    got = pages[0] + pages[1]
    assert {i["item_id"] for i in got} == set(ids)
    added = [int(i["time_added"]) for i in got]
    assert added == sorted(added) and added[0] == int(T0) - (n - 1) * 60

    first = {i["item_id"]: i for i in got}[ids[0]]
    assert (first["given_url"], first["given_title"]) == ("https://site0.example/post/0", "Post 0")
    assert (first["status"], first["favorite"], first["time_added"]) == ("1", "1", str(int(T0)))
    assert first["time_read"] == first["time_favorited"] == str(int(T0))
    assert set(first["tags"]) == {"bulk", "t0"}
    assert first["time_updated"] == str(fake.now)


def test_seed_many_takes_tuples_and_checks_every_entry_first(fake: FakePocket) -> None:
    a, b = fake.seed_many([("https://tu.example/a",), ("https://tu.example/b", "B", ("X",))])
    items = fake.items()
    assert items[b]["given_title"] == "B" and set(items[b]["tags"]) == {"x"}
    assert items[a]["time_added"] == str(fake.now) and items[a]["status"] == "0"
    for bad in ({"url": "ftp://x.example/"}, {"url": "https://x.example/", "status": "gone"},
                {"url": "https://x.example/", "colour": "red"}, ("https://x.example/", 1),
                {"url": "https://x.example/", "favorite": "1"}):
        with pytest.raises(ValueError):
            fake.seed_many([{"url": "https://ok.example/"}, bad])
    assert set(fake.items()) == {a, b}


# --- edits and removals from another device -------------------------------------------------


def test_edits_and_removes_show_up_in_a_since_delta(fake: FakePocket, get: Any) -> None:
    a, b, c, d = fake.seed_many([
        {"url": "https://e.example/a", "tags": ["old"]},
        {"url": "https://e.example/b", "status": "archived", "favorite": True},
        {"url": "https://e.example/c"},
        {"url": "https://e.example/d"},
    ])
    since = get()["since"]
    fake.advance(60)
    assert fake.edit(a, status="archived", favorite=True, tags=["New", "two"],
                     title="Edited") == a
    assert fake.edit("https://e.example/b", status="unread", favorite=False) == b
    assert fake.remove(int(c)) == c

    delta = get(since=since + 1)
    assert delta["complete"] == 0 and set(delta["list"]) == {a, b, c}
    assert delta["list"][c] == {"item_id": c, "status": "2"}
    edited = delta["list"][a]
    assert (edited["status"], edited["favorite"], edited["given_title"]) == ("1", "1", "Edited")
    assert set(edited["tags"]) == {"new", "two"} and edited["time_read"] == str(fake.now)
    assert edited["time_updated"] == str(fake.now) and edited["time_added"] == str(int(T0))
    assert (delta["list"][b]["status"], delta["list"][b]["favorite"]) == ("0", "0")
    assert set(get()["list"]) == {a, b, d}  # no stubs without `since`

    fake.advance(60)
    assert get(since=delta["since"] + 1)["list"] == []
    fake.edit(d)  # a change that changes nothing is still a change
    assert set(get(since=delta["since"] + 1)["list"]) == {d}


def test_edit_and_remove_errors(fake: FakePocket) -> None:
    (a,) = fake.seed_many([{"url": "https://x.example/a"}])
    fake.remove(a)
    with pytest.raises(KeyError):
        fake.edit(a, favorite=True)
    with pytest.raises(KeyError):
        fake.remove("https://x.example/a")
    with pytest.raises(KeyError):
        fake.edit("https://never.example/")
    (b,) = fake.seed_many([{"url": "https://x.example/b"}])
    with pytest.raises(ValueError):
        fake.edit(b, status="deleted")
    with pytest.raises(KeyError):
        fake.edit(b, username="nobody")


# --- merges made by the server --------------------------------------------------------------


def test_add_of_a_merged_url_returns_the_other_items_id(fake: FakePocket, get: Any) -> None:
    into = "https://m.example/canonical"
    (into_id,) = fake.seed_many([{"url": into, "tags": ["x"], "status": "archived"}])
    assert fake.merge_url("https://m.example/alias?utm=1", into) == into_id
    since = get()["since"]
    fake.advance(5)
    item = add(fake, "http://M.example/alias?utm=1", tags="y")
    assert item["item_id"] == into_id
    assert (item["given_url"], item["resolved_url"]) == (into, into)
    listed = get()["list"]
    assert list(listed) == [into_id] and set(listed[into_id]["tags"]) == {"x", "y"}
    assert listed[into_id]["status"] == "0"  # a re-add un-archives
    assert set(get(since=since + 1)["list"]) == {into_id}


def test_merge_folds_an_existing_item_and_leaves_a_stub(fake: FakePocket, get: Any) -> None:
    old, into = "https://f.example/old", "https://f.example/new"
    old_id, into_id = fake.seed_many([{"url": old, "tags": ["a", "b"], "favorite": True},
                                      {"url": into, "tags": ["b", "c"], "title": "Into"}])
    since = get()["since"]
    fake.advance(30)
    assert fake.merge_url(old, into) == into_id
    delta = get(since=since + 1)
    assert delta["list"][old_id] == {"item_id": old_id, "status": "2"}
    merged = delta["list"][into_id]
    assert list(merged["tags"]) == ["b", "c", "a"] and merged["given_title"] == "Into"
    assert merged["given_url"] == merged["resolved_url"] == into
    assert list(get()["list"]) == [into_id]


def test_merge_into_an_unsaved_url_moves_the_item(fake: FakePocket, get: Any) -> None:
    old, into = "https://g.example/short", "https://g.example/long/article"
    (old_id,) = fake.seed_many([{"url": old, "title": "T", "tags": ["k"], "time_added": 1000,
                                 "status": "archived"}])
    since = get()["since"]
    fake.advance(1)
    into_id = fake.merge_url(old, into)
    assert into_id != old_id
    delta = get(since=since + 1)
    assert delta["list"][old_id] == {"item_id": old_id, "status": "2"}
    moved = delta["list"][into_id]
    assert (moved["given_url"], moved["resolved_url"]) == (old, into)  # first save's given_url
    assert (moved["given_title"], moved["status"], moved["time_added"]) == ("T", "1", "1000")
    assert list(moved["tags"]) == ["k"]
    assert add(fake, old)["item_id"] == into_id
    assert add(fake, into)["item_id"] == into_id
    assert list(get()["list"]) == [into_id]


def test_merged_url_names_the_item_everywhere_and_chains(fake: FakePocket, get: Any) -> None:
    a, b, c = "https://h.example/a", "https://h.example/b", "https://h.example/c"
    fake.merge_url(a, b)
    fresh = add(fake, a)  # first saved under a URL that resolves elsewhere
    assert (fresh["given_url"], fresh["resolved_url"]) == (a, b)
    assert fake.edit(a, favorite=True) == fresh["item_id"]
    c_id = fake.merge_url(b, c)  # a -> b -> c
    assert add(fake, a)["item_id"] == c_id
    assert list(get()["list"]) == [c_id] and get()["list"][c_id]["favorite"] == "1"
    with pytest.raises(ValueError):
        fake.merge_url(c, a)  # would make a cycle
    with pytest.raises(ValueError):
        fake.merge_url(a, "http://H.example/a#top")  # the same URL


def test_merge_applies_to_every_user(fake: FakePocket) -> None:
    fake.add_user("other")
    (mine,) = fake.seed_many([{"url": "https://u.example/1"}])
    (theirs,) = fake.seed_many([{"url": "https://u.example/1"}], username="other")
    assert mine == theirs
    into_id = fake.merge_url("https://u.example/1", "https://u.example/2")
    assert list(fake.items()) == list(fake.items("other")) == [into_id]


# --- the clock -------------------------------------------------------------------------------


def test_advance_moves_the_servers_clock(fake: FakePocket, get: Any) -> None:
    assert fake.now == int(T0) == get()["since"]
    assert fake.advance(90.5) == int(T0 + 90.5) == get()["since"]
    with pytest.raises(ValueError):
        fake.advance(-1)


def test_advance_works_with_the_real_clock() -> None:
    with FakePocket() as f:
        before = f.now
        assert f.advance(DAY) >= before + DAY
        (item_id,) = f.seed_many([{"url": "https://r.example/"}])
        assert int(f.items()[item_id]["time_added"]) >= before + DAY
