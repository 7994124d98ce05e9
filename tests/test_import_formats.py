"""Reading other programs' exports: every format from hand-written fixtures (with the awkward
cases real files have), recognised by content, and files of any bytes never crash it."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pocket_companion.library.imports import Problem, Row, read

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
POCKET = FIXTURES / "pocket"


def rows(path: Path) -> list[tuple[str, str, float | None, str, bool, tuple[str, ...]]]:
    return [(r.url, r.title, r.saved_at, r.status, r.favorite, r.tags)
            for r in read(path) if isinstance(r, Row)]


def problems(path: Path) -> list[tuple[str, str]]:
    return [(p.where, p.message) for p in read(path) if isinstance(p, Problem)]


def pocket_zip(folder: Path) -> Path:
    """pocket.zip as Pocket made it: the parts in a folder of the archive."""
    path = folder / "pocket.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(POCKET.iterdir()):
            archive.write(part, f"export/{part.name}")
    return path


POCKET_ROWS = [
    ("https://example.org/#test", "Example.net", 1684913346.0, "unread", False, ("tag1", "tag2")),
    ("https://news.example.com/story?id=7", 'Commas, quotes "and" a new line', 1684913400.0,
     "archived", False, ()),
    ("https://untitled.example/page", "", 1684913500.0, "unread", False, ()),  # title = URL
    ("https://xn--bcher-kva.example/ä", "Café — naïve résumé 日本語", 1684913600.0, "unread",
     False, ("lecture", "à lire")),  # utm_ parameters gone: the same page as the next row
    ("https://xn--bcher-kva.example/ä", "Same page again", 1684913700.0, "archived", False,
     ("second",)),
    ("https://example.org/dup", "Duplicate row", 1684913800.0, "unread", False, ("a",)),
    ("https://example.org/dup", "Duplicate row", 1684913800.0, "unread", False, ("b",)),
]


def test_a_pocket_csv_part_with_a_bom_crlf_a_cursor_column_and_awkward_rows() -> None:
    assert rows(POCKET / "part_000000.csv") == POCKET_ROWS
    assert problems(POCKET / "part_000000.csv") == [
        ("part_000000.csv:10", "only http and https pages can be saved"),
        ("part_000000.csv:11", "the date 'yesterday' cannot be read")]


def test_pocket_zip_reads_every_part_in_order(tmp_path: Path) -> None:
    archive = pocket_zip(tmp_path)
    assert rows(archive) == [*POCKET_ROWS, ("https://second.example/a", "Second part",
                                            1700000000.0, "unread", False, ("x", "y"))]
    assert [where for where, _ in problems(archive)] == [
        "pocket.zip:export/part_000000.csv:10", "pocket.zip:export/part_000000.csv:11"]


def test_the_format_is_known_by_content_not_by_name(tmp_path: Path) -> None:
    for source in [*FIXTURES.glob("*.*"), POCKET / "part_000001.csv"]:
        renamed = tmp_path / f"download-{source.stem}.txt"
        shutil.copy(source, renamed)
        assert rows(renamed) == rows(source), source.name


def test_pockets_old_html_export() -> None:
    assert rows(FIXTURES / "ril_export.html") == [
        ("https://www.example.com/unread-one", "Unread one & only", 1688628695.0, "unread",
         False, ("ifttt", "new_entry_simple")),
        ("http://example.net/no-tags", "", 1688628700.0, "unread", False, ()),
        ("https://archive.example/read", "Read long ago — café", 1500000000.0, "archived",
         False, ("old",)),
    ]
    assert problems(FIXTURES / "ril_export.html") == [
        ("ril_export.html:18", "only http and https pages can be saved")]


def test_instapaper_new_and_old_exports() -> None:
    assert rows(FIXTURES / "instapaper.csv") == [
        ("https://insta.example/a", "Plain unread", 1700000100.0, "unread", False,
         ("react", "js")),
        ("https://insta.example/b", "Archived, with a comma", 1700000200.0, "archived", False,
         ()),
        ("https://insta.example/c", "Starred one", 1700000300.0, "unread", True, ("fav",)),
        ("https://insta.example/d", "In a folder", 1700000400.0, "unread", False, ("recipes",)),
    ]
    assert [where for where, _ in problems(FIXTURES / "instapaper.csv")] == ["instapaper.csv:6"]
    assert rows(FIXTURES / "instapaper-old.csv") == [
        ("https://insta-old.example/a", "Old export", None, "unread", False, ()),
        ("https://insta-old.example/b", "Old archived", None, "archived", False, ())]


def test_browser_bookmarks_folders_become_tags_but_not_the_browsers_own() -> None:
    assert rows(FIXTURES / "bookmarks-firefox.html") == [
        ("https://toolbar.example/", "On the toolbar", 1600000100.0, "unread", False, ()),
        ("https://recipes.example/bread", "Bread", 1600000300.0, "unread", False,
         ("cooking", "baking")),
        ("https://recipes.example/tart", "Tart (milliseconds)", 1600000500.0, "unread", False,
         ("cooking", "desserts")),
        ("https://menu.example/", "In the menu", 1600000600.0, "unread", False, ()),
    ]
    assert problems(FIXTURES / "bookmarks-firefox.html") == [
        ("bookmarks-firefox.html:24", "only http and https pages can be saved")]  # place:


def test_linkding_toread_and_archived_tag() -> None:
    assert rows(FIXTURES / "bookmarks-linkding.html") == [
        ("https://linkding.example/to-read", "To read", 1710000000.0, "unread", False,
         ("python", "tools")),
        ("https://linkding.example/read", "Already read", 1710000100.0, "archived", False,
         ("done",)),
        ("https://linkding.example/archived", "Archived in linkding", 1710000200.0,
         "archived", False, ("misc",)),
        ("https://linkding.example/no-date", "No date at all", None, "unread", False, ()),
    ]


def test_our_own_json_export() -> None:
    assert rows(FIXTURES / "export.json") == [
        ("https://json.example/a", "Favourite, archived", 1714552200.0, "archived", True,
         ("one", "two")),
        ("https://json.example/b", "", 1714638600.0, "unread", False, ()),
    ]
    assert problems(FIXTURES / "export.json") == [
        ("export.json:item 3", "only http and https pages can be saved"),
        ("export.json:item 4", "not an object")]


def test_what_cannot_be_read_is_said_with_the_file(tmp_path: Path) -> None:
    cases = {"empty.csv": b"", "other.csv": b"name,email\nx,y\n", "bad.zip": b"PK\x03\x04junk",
             "notes.json": b'{"hello": 1}', "broken.json": b"{", "binary": bytes(range(256))}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        found = list(read(tmp_path / name))
        assert found and all(isinstance(entry, Problem) for entry in found), name
    assert next(p.message for p in read(tmp_path / "missing.csv")).startswith("cannot be read")


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted([*FIXTURES.glob("*.*"), *POCKET.glob("*.csv")])),
       st.integers(min_value=0), st.binary(max_size=64))
def test_truncated_or_corrupted_files_never_crash(tmp_path_factory: pytest.TempPathFactory,
                                                  source: Path, cut: int, noise: bytes) -> None:
    data = source.read_bytes()
    cut %= len(data) + 1
    path = tmp_path_factory.mktemp("fuzz") / source.name
    path.write_bytes(data[:cut] + noise + data[cut + len(noise):])
    for entry in read(path):
        assert isinstance(entry, Row | Problem)
        if isinstance(entry, Row):
            assert entry.url.startswith(("http://", "https://")) and entry.status in (
                "unread", "archived")
