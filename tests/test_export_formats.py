"""Exports read back: any list written in each format and read again gives the same items,
whatever characters the titles and tags hold (at the resolution each format has)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pocket_companion.library.exports import FORMATS, write
from pocket_companion.library.imports import Row, read
from pocket_companion.library.items import Item
from pocket_companion.nativehost.params import parse_tags

AWKWARD = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
TAGS = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
                max_size=4)
URLS = st.builds(
    lambda host, path, query: f"https://{host}.example/{path}" + (f"?q={query}" if query else ""),
    st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._~-]{0,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{0,8}", fullmatch=True))


def clean_title(text: str) -> str:
    return " ".join(text.translate({p: " " for p in (*range(0x20), *range(0x7F, 0xA0))})
                    .translate({p: None for p in (*range(0x202A, 0x202F),
                                                   *range(0x2066, 0x206A))}).split())


@st.composite
def items(draw: st.DrawFn) -> list[Item]:
    found: dict[str, Item] = {}
    for _ in range(draw(st.integers(0, 12))):
        url = draw(URLS)
        title = clean_title(draw(AWKWARD))
        tags = tuple(parse_tags([tag.replace(",", " ") for tag in draw(TAGS)]))
        found[url] = Item(len(found) + 1, url, "" if title == url else title, tags,
                          float(draw(st.integers(1_000_000_000, 2_000_000_000))),
                          draw(st.sampled_from(["unread", "archived"])), draw(st.booleans()),
                          None, False)
    return list(found.values())


def expected_tags(kind: str, tags: tuple[str, ...]) -> tuple[str, ...]:
    if kind != "csv":
        return tags
    split = [part.strip() for tag in tags for part in tag.split("|")]
    return tuple(dict.fromkeys(tag for tag in split if tag))  # "|" separates tags in Pocket's CSV


@pytest.mark.parametrize("kind", FORMATS)
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listed=items())
def test_every_format_reads_back_the_same_items(tmp_path: Path, kind: str,
                                                listed: list[Item]) -> None:
    out = io.StringIO()
    assert write(kind, listed, out) == len(listed)
    path = tmp_path / f"export-{kind}"
    path.write_text(out.getvalue(), encoding="utf-8")
    found = list(read(path))
    assert all(isinstance(entry, Row) for entry in found), found
    assert [(r.url, r.title, r.saved_at, r.status, r.favorite, r.tags) for r in found
            if isinstance(r, Row)] == [
        (i.url, i.title, i.saved_at, i.status, i.favorite, expected_tags(kind, i.tags))
        for i in listed]


def stored(home: Path) -> list[tuple[str, str, float, str, bool, tuple[str, ...]]]:
    from pocket_companion.core import Companion, Deps

    c = Companion(home, Deps())
    items = sorted(c.store.page(1000, 0)[0], key=lambda item: item.url)
    c.store.db.close()
    return [(i.url, i.title, int(i.saved_at), i.status, i.favorite, i.tags) for i in items]


@pytest.mark.parametrize("kind", FORMATS)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listed=items())
def test_a_list_exported_and_imported_into_an_empty_folder_is_the_same(
        tmp_path_factory: pytest.TempPathFactory, kind: str, listed: list[Item]) -> None:
    from pocket_companion.core import Companion, Deps
    from pocket_companion.library import exports, importer
    from pocket_companion.library.query import Query

    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    source = first / "source.json"
    with source.open("w", encoding="utf-8") as out:
        write("json", listed, out)
    c = Companion(first, Deps())
    importer.run(c.store, [source])
    exported = first / f"export.{kind}"
    with exported.open("w", encoding="utf-8", newline="") as out:
        assert exports.write(kind, exports.listed(c.store, Query()), out) == len(listed)
    c.store.db.close()
    target = Companion(second, Deps())
    assert importer.run(target.store, [exported]).added == len(listed)
    target.store.db.close()
    expected = [(url, title, when, status, favorite, expected_tags(kind, tags))
                for url, title, when, status, favorite, tags in stored(first)]
    assert stored(second) == expected
