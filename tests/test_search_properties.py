"""Property tests (hypothesis): whatever sequence of saves, changes, bulk changes, deletes,
restores, imports and passing time, on a new list or on one upgraded from schema version 1, the
index-based ``list`` returns exactly what a plain Python scan of the items table finds
(tests/support/scan.py), in the order asked for, and the index holds exactly the live items.
And any text typed into the search field gives a result, never an error."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pocket_companion.cli import call
from pocket_companion.core import Companion, Deps
from pocket_companion.errors import CompanionError
from pocket_companion.library import importer
from pocket_companion.library.imports import JSON_FORMAT
from pocket_companion.library.query import parse
from pocket_companion.library.store import MODIFY_OPS

from tests.support import scan, schema_v1
from tests.support.clock import Clock
from tests.support.schema_v1 import OldItem

WORDS = ["café", "Cafe", "CAFÉ", "naïve", "flore", "Paris", "python", "news", "guide", "été",
         "ñandú", "Ça", "x1", "2026", "a-b", "l'été", "NEAR", "AND"]
PAGES = ["https://example.org/", "https://www.example.org/cafe-guide",
         "https://news.example.org/caf%C3%A9", "https://notexample.org/python/tips",
         "https://other.net/a_b?q=news", "https://bücher.example/%E2%82%AC",
         "http://[::1]:8080/Flore", "HTTPS://Example.ORG:443/#again"]  # the first page again
TAGS = ["paris", "Python", "two words", "été", "x-y", "a_b", "news"]
URLS = st.sampled_from(PAGES)
TITLES = st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join)
TAG_LISTS = st.lists(st.sampled_from(TAGS), max_size=3)
ENTRIES = st.fixed_dictionaries({"url": URLS, "title": TITLES, "tags": TAG_LISTS})
SECONDS = st.sampled_from([0.5, 3.0, 9.0, 10.0, 60.0])

OPS = st.one_of(
    st.tuples(st.just("save"), ENTRIES),
    st.tuples(st.just("save_many"), st.lists(ENTRIES, min_size=1, max_size=4)),
    st.tuples(st.just("modify"), URLS, st.sampled_from(sorted(MODIFY_OPS)), TAG_LISTS),
    st.tuples(st.just("modify_many"), st.lists(URLS, min_size=1, max_size=4),
              st.sampled_from(sorted(MODIFY_OPS)), TAG_LISTS),
    st.tuples(st.just("wait"), SECONDS),
    st.tuples(st.just("import"), st.lists(st.tuples(ENTRIES, st.sampled_from(
        ["unread", "archived"]), st.booleans()), min_size=1, max_size=4)),
)
OLD_ITEMS = st.builds(OldItem, URLS, TITLES, TAG_LISTS.map(
    lambda tags: tuple(dict.fromkeys(tag.lower() for tag in tags))),
    st.sampled_from(["unread", "archived"]), st.booleans(), st.booleans(),
    st.none() | st.integers(1, 999).map(str))
PREFIXES = sorted({scan.fold(word)[:size] for word in WORDS for size in (1, 2, 3)})
FRAGMENTS = (st.sampled_from(WORDS) | st.sampled_from(PREFIXES) | st.sampled_from([
    "tag:python", 'tag:"two words"', "tag:été", "-tag:paris", "site:example.org",
    "site:www.example.org", "site:other.net", "site:bücher.example", "site:[::1]",
    "-site:news.example.org", "is:archived", "is:unread", "is:fav", "-is:favourite",
    "-paris", '"café flore"', '"flore Paris"', '-"a b"', "x:y", "NEAR(", "*", '"', "-",
    "cafe-guide", "€", "a_b"]))
QUERIES = st.lists(FRAGMENTS, max_size=4).map(" ".join)


def apply(c: Companion, clock: Clock, op: tuple[Any, ...]) -> None:
    kind, *args = op
    event(kind if kind in ("save", "save_many", "wait", "import") else f"{kind} {args[1]}")
    try:
        if kind == "save":
            call(c, "save", args[0])
        elif kind == "save_many":
            call(c, "save_many", {"items": args[0]})
        elif kind == "modify":
            call(c, "modify", {"url": args[0], "op": args[1], "tags": args[2] or ["t"]})
        elif kind == "modify_many":
            call(c, "modify_many", {"urls": args[0], "op": args[1], "tags": args[2] or ["t"]})
        elif kind == "import":
            import_file(c, args[0])
        else:
            clock.advance(args[0])
    except CompanionError as exc:  # an unknown page, a restore too late: the list stays
        assert exc.code == "not_found", exc
        event(f"{kind} {args[1]}: not_found")


def import_file(c: Companion, rows: list[tuple[dict[str, Any], str, bool]]) -> None:
    """Our own JSON export of these pages, imported (dates a day apart, in the past)."""
    items = [{**entry, "status": status, "favorite": favorite,
              "saved_at": 1_700_000_000 + 86_400 * index}
             for index, (entry, status, favorite) in enumerate(rows)]
    path = Path(c.home) / "import.json"
    path.write_text(json.dumps({"format": JSON_FORMAT, "items": items}))
    importer.run(c.store, [path])


def check(c: Companion, path: Path, queries: list[str]) -> None:
    indexed = {row[0] for row in c.store.db.query("SELECT rowid FROM items_fts")}
    by_id = {row.id: row.url for row in scan.live_rows(path)}
    assert indexed == set(by_id), "the index must hold exactly the live items"
    for text in queries:
        query = parse(text)
        for sort in ("newest", "oldest", "relevance"):
            data = call(c, "list", {"query": text, "sort": sort, "limit": 1000})
            expected = [by_id[item_id] for item_id in scan.search(path, query, sort)]
            listed = [item["url"] for item in data["items"]]
            if sort == "relevance":
                listed, expected = sorted(listed), sorted(expected)
            assert listed == expected, (text, sort)
            assert data["total"] == len(expected), (text, sort)


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.none() | st.lists(OLD_ITEMS, max_size=8), st.lists(ENTRIES, max_size=6),
       st.lists(OPS, min_size=2, max_size=20), st.lists(QUERIES, min_size=1, max_size=6))
def test_the_index_finds_what_a_scan_of_the_table_finds(
        old: list[OldItem] | None, first: list[dict[str, Any]], ops: list[tuple[Any, ...]],
        queries: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        path = home / "reading-list.sqlite3"
        if old is not None:  # a list kept by version 1, opened by this one
            schema_v1.make(path, old)
        clock = Clock(1_800_000_000.0)
        c = Companion(home, Deps(clock=clock))
        check(c, path, queries)
        for op in [("save_many", first)] * bool(first) + ops:
            apply(c, clock, op)
        check(c, path, queries)
        c.store.db.close()


def test_any_text_searches_without_an_error(tmp_path: Path) -> None:
    """Whatever is typed (surrogates aside, which JSON cannot carry): a result, no error."""
    c = Companion(tmp_path, Deps(clock=Clock(1_800_000_000.0)))
    call(c, "save_many", {"items": [{"url": url, "title": " ".join(WORDS[n:n + 4]),
                                     "tags": TAGS[n % 7:n % 7 + 2]}
                                    for n, url in enumerate(PAGES)]})

    @settings(deadline=None, max_examples=300)
    @given(st.text(st.characters(exclude_categories=("Cs",)), max_size=500)
           | st.lists(FRAGMENTS | st.sampled_from(['"', "-", "*", ":", "(", "NEAR", "^"]),
                      max_size=12).map("".join),
           st.sampled_from(["newest", "oldest", "relevance"]))
    def check(text: str, sort: str) -> None:
        data = call(c, "list", {"query": text, "sort": sort})
        assert data["total"] >= len(data["items"])

    check()
