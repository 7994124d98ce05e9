"""Searching and listing through the protocol's handlers on a real SQLite file: words in
titles, tags, sites and URLs (accents and case folded), prefixes, phrases, operators, the
order asked for, pages with totals, tag counts, hostile input; and the real host."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.cli import call
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import CompanionError
from pocket_companion.library.search import live_count

from tests.support.clock import Clock
from tests.support.frames import HostProcess
from tests.support.hostio import host_env

PAGES = [  # url, title, tags (saved in this order, a minute apart)
    ("https://www.example.org/cafe-guide", "Le Café de Flore", ["paris", "two words"]),
    ("https://news.example.org/a?id=1", "Python packaging NEWS", ["python"]),
    ("https://blog.other.net/%C3%A9t%C3%A9", "Summer notes", ["Python"]),
    ("https://notexample.org/x", "A guide to flores", []),
    ("https://other.net/python-tips", "Tips", ["tips"]),
]


@pytest.fixture
def clock() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def companion(home: Path, clock: Clock) -> Companion:
    """No account: everything stays on this computer."""
    c = Companion(home, Deps(clock=clock))
    for url, title, tags in PAGES:
        call(c, "save", {"url": url, "title": title, "tags": tags})
        clock.advance(60)
    return c


def urls(c: Companion, **params: Any) -> list[str]:
    return [item["url"] for item in call(c, "list", {"limit": 1000, **params})["items"]]


def found(c: Companion, query: str, **params: Any) -> set[str]:
    return set(urls(c, query=query, **params))


def test_words_match_titles_tags_sites_and_urls_in_any_case_and_accent(
        companion: Companion) -> None:
    cafe, news, summer, _, tips = (url for url, _, _ in PAGES)
    assert found(companion, "CAFE") == found(companion, "café") == {cafe}
    assert found(companion, "python") == {news, summer, tips}  # title, tags, URL
    assert found(companion, "été") == found(companion, "ete") == {summer}  # %-escapes decoded
    assert found(companion, "other") == {summer, tips}  # the site
    assert found(companion, "python news") == {news}  # every word
    assert found(companion, "nothing-like-this") == set()


def test_the_last_word_is_also_a_prefix_and_phrases_keep_their_order(
        companion: Companion) -> None:
    cafe, _, _, flores, _ = (url for url, _, _ in PAGES)
    assert found(companion, "flor") == {cafe, flores}  # search as you type
    assert found(companion, "flor guide") == set()  # only the last word is a prefix
    assert found(companion, "guide flor") == {cafe, flores}
    assert found(companion, '"de flore"') == {cafe}
    assert found(companion, '"flore de"') == set()
    assert found(companion, '"flor"') == set()  # a phrase is exact


def test_operators_combine_with_words_and_with_the_other_params(
        companion: Companion) -> None:
    cafe, news, summer, _, tips = (url for url, _, _ in PAGES)
    call(companion, "modify", {"url": news, "op": "archive"})
    call(companion, "modify", {"url": tips, "op": "favorite"})
    assert found(companion, "tag:python") == {news, summer}  # tags are stored lower-case
    assert found(companion, 'tag:"two words"') == {cafe}
    assert found(companion, "tag:two") == set()  # the exact tag, not a word of it
    assert found(companion, "site:example.org") == {cafe, news}  # subdomains, www ignored
    assert found(companion, "site:www.example.org") == {cafe, news}
    assert found(companion, "site:ample.org") == set()
    assert found(companion, "is:archived") == {news}
    assert found(companion, "is:unread python") == {summer, tips}
    assert found(companion, "is:fav") == found(companion, "", favorite=True) == {tips}
    assert found(companion, "python -tag:python") == {tips}
    assert found(companion, "python -news") == {summer, tips}
    assert found(companion, "python", status="archived") == {news}
    assert found(companion, "python", tag="PYTHON") == {news, summer}
    assert found(companion, "is:archived is:unread") == set()
    assert found(companion, "site:") == found(companion, "") == set(urls(companion))


HOSTILE = ['"', '""', '"""', "*", "-", "--x", ":", "x:", ":x", "AND", "OR", "NOT", "a AND",
           "NEAR(", "NEAR(a b, 2)", "(", ")", "{title}:x", "title:flore", "^x", "x*", "*x",
           "+", "'", "\\", "a\x00b", "\u202e", "tag:\"", "site:\"\"", "-\"", "é*", "a" * 500,
           "-is:", " - ", "x OR y", "{", "}", "a:b:c", "\U0001f600", "\U000f0000", ";--"]


@pytest.mark.parametrize("text", HOSTILE)
def test_any_query_gives_results_never_an_error(companion: Companion, text: str) -> None:
    for sort in ("newest", "oldest", "relevance"):
        data = call(companion, "list", {"query": text, "sort": sort})
        assert data["total"] == len(data["items"])


@pytest.mark.parametrize("params, problem", [
    ({"query": "a" * 501}, "longer than 500"), ({"query": 5}, "string"),
    ({"query": "\ud800"}, "Unicode"), ({"favorite": "yes"}, "true or false"),
    ({"tag": ""}, "tag name"), ({"tag": "a,b"}, "commas"), ({"tag": ["x"]}, "string"),
    ({"sort": "random"}, "newest"), ({"status": "deleted"}, "unread"), ({"limit": 0}, "1"),
])
def test_wrong_list_params_are_invalid_params(companion: Companion, params: dict[str, Any],
                                              problem: str) -> None:
    with pytest.raises(CompanionError) as caught:
        call(companion, "list", params)
    assert caught.value.code == "invalid_params" and problem in caught.value.message


def test_newest_oldest_and_relevance(companion: Companion) -> None:
    newest = [url for url, _, _ in reversed(PAGES)]
    assert urls(companion) == urls(companion, sort="newest") == newest
    assert urls(companion, sort="oldest") == newest[::-1]
    flores = PAGES[3][0]
    call(companion, "save", {"url": "https://example.net/flores-everywhere"})  # URL only
    ranked = urls(companion, query="flores")  # relevance: a query with words
    assert ranked[0] == flores and ranked[-1] == "https://example.net/flores-everywhere"
    assert urls(companion, query="flores", sort="newest")[0] == (
        "https://example.net/flores-everywhere")
    assert urls(companion, query="tag:python") == [PAGES[2][0], PAGES[1][0]]  # no words


def test_a_word_in_half_the_list_or_more_is_shown_newest_first(companion: Companion,
                                                                clock: Clock) -> None:
    for n in range(6):
        call(companion, "save", {"url": f"https://example.com/{n}",
                                 "title": "common " * (6 - n) + "word"})
        clock.advance(60)
    common = urls(companion, query="common")  # 6 of 11: bm25 gives it no weight
    assert common == [f"https://example.com/{n}" for n in reversed(range(6))]
    call(companion, "modify_many", {"urls": [f"https://example.com/{n}" for n in range(2)],
                                    "op": "delete"})
    ranked = urls(companion, query="common")  # 4 of 9: ranked, the most "common" first
    assert ranked == [f"https://example.com/{n}" for n in range(2, 6)]
    with companion.store.db.read() as conn:  # the index's own count of its rows
        assert live_count(conn) == 9 == conn.execute(
            "SELECT COUNT(*) FROM items WHERE deleted = 0").fetchone()[0]
        conn.execute("SAVEPOINT emptied")
        conn.execute("DELETE FROM items_fts_data WHERE id = 1")
        assert live_count(conn) == 9  # counted the long way when the record is missing
        conn.execute("ROLLBACK TO emptied")


def test_pages_with_totals(companion: Companion) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        data = call(companion, "list", {"limit": 2, "offset": offset, "sort": "oldest"})
        assert data["total"] == len(PAGES)
        seen += [item["url"] for item in data["items"]]
        offset = data.get("next_offset")
    assert seen == [url for url, _, _ in PAGES]
    last = call(companion, "list", {"query": "python", "limit": 2, "offset": 2})
    assert last["total"] == 3 and len(last["items"]) == 1 and "next_offset" not in last
    assert call(companion, "list", {"query": "python", "offset": 10})["items"] == []


def test_items_carry_their_site(companion: Companion) -> None:
    sites = {item["url"]: item["site"] for item in call(companion, "list", {})["items"]}
    assert sites[PAGES[0][0]] == "example.org" and sites[PAGES[1][0]] == "news.example.org"


def test_tags_are_counted_on_live_items_in_name_order(companion: Companion) -> None:
    call(companion, "save", {"url": "https://x.example/", "tags": ["Zeta", "äpfel", "Apple"]})
    call(companion, "modify", {"url": PAGES[4][0], "op": "delete"})
    assert call(companion, "tags", {})["tags"] == [
        {"name": "apple", "count": 1}, {"name": "paris", "count": 1},
        {"name": "python", "count": 2}, {"name": "two words", "count": 1},
        {"name": "zeta", "count": 1}, {"name": "äpfel", "count": 1}]


def test_a_tag_list_too_big_for_one_reply_keeps_the_most_used(home: Path) -> None:
    c = Companion(home, Deps())
    many = [f"{n:04d}" + "é" * 21 for n in range(6000)]  # 150 bytes each, escaped
    items = [{"url": f"https://example.org/{n}", "tags": many[n * 100:(n + 1) * 100]}
             for n in range(60)] + [{"url": "https://example.org/top", "tags": many[-10:]}]
    call(c, "save_many", {"items": items})
    data = call(c, "tags", {})
    assert data["truncated"] is True and len(json.dumps(data)) < 1024 * 1024
    assert {"name": many[-1], "count": 2} in data["tags"]
    assert [tag["name"] for tag in data["tags"]] == sorted(tag["name"] for tag in data["tags"])


def test_the_host_lists_what_matches(tmp_path: Path) -> None:
    host = HostProcess(host_env(tmp_path))
    saved = host.request("save_many", {"items": [
        {"url": url, "title": title, "tags": tags} for url, title, tags in PAGES]})
    assert saved["ok"], saved
    reply = host.request("list", {"query": "python -tips", "sort": "oldest", "limit": 1})
    assert reply["data"]["total"] == 2 and reply["data"]["next_offset"] == 1
    [item] = reply["data"]["items"]
    assert (item["url"], item["site"]) == (PAGES[1][0], "news.example.org")
    assert host.request("list", {"query": 'NEAR( "x" AND'})["data"]["total"] == 0
    assert host.request("tags", {})["data"]["tags"][0] == {"name": "paris", "count": 1}
    assert "tags" in host.request("hello")["data"]["capabilities"]
    assert host.close()[0] == 0
