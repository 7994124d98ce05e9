"""The local reading list: URL rules, merging, private files, several writers at once, the
upgrade of a version 1 list (indexed when first opened; a failed upgrade changes nothing)."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pocket_companion.errors import CompanionError, InvalidUrl, StorageUnavailable
from pocket_companion.library import urls
from pocket_companion.library.db import SCHEMA_VERSION, require_fts5
from pocket_companion.library.query import parse
from pocket_companion.library.store import NewItem, Store
from pocket_companion.library.urls import MAX_URL_BYTES, clean_url, url_key

from tests.support import schema_v1
from tests.support.frames import REPO
from tests.support.schema_v1 import OldItem


@pytest.mark.parametrize("raw, cleaned", [
    ("  https://example.org/a  ", "https://example.org/a"),
    ("https://example.org/?utm_source=x&utm_medium=y&id=3", "https://example.org/?id=3"),
    ("https://example.org/?fbclid=a&gclid=b&q=1#top", "https://example.org/?q=1#top"),
    ("https://blog.example/post?ref=producthunt&page=2", "https://blog.example/post?page=2"),
    ("https://Example.ORG/Path?A=1", "https://Example.ORG/Path?A=1"),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
    ("https://bücher.example/ä", "https://xn--bcher-kva.example/ä"),
])
def test_clean_url(raw: str, cleaned: str) -> None:
    assert clean_url(raw) == cleaned


@pytest.mark.parametrize("raw", [
    "ftp://example.org/", "javascript:alert(1)", "chrome://newtab/", "file:///etc/passwd",
    "about:blank", "data:text/html,x", "example.org", "https://", "https://exa mple.org/",
    "https://user:pass@example.org/", "https://example.org:99999/", "https://example.org/\x00",
    "https://example.org/" + "a" * MAX_URL_BYTES, 5, None, "https://example.org/\ud800",
])
def test_only_http_and_https_urls_of_sane_size(raw: object) -> None:
    with pytest.raises(InvalidUrl):
        clean_url(raw)


@pytest.mark.parametrize("a, b", [
    ("HTTPS://EXAMPLE.ORG/a", "https://example.org/a"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("http://example.org:80", "http://example.org/"),
    ("https://example.org/a#one", "https://example.org/a#two"),
    ("https://example.org./a", "https://example.org/a"),
])
def test_lookup_key_ignores_case_default_ports_and_fragments(a: str, b: str) -> None:
    assert url_key(clean_url(a)) == url_key(clean_url(b))


@pytest.mark.parametrize("a, b", [
    ("https://example.org/a", "http://example.org/a"),
    ("https://example.org/A", "https://example.org/a"),
    ("https://example.org:8443/a", "https://example.org/a"),
    ("https://example.org/a?x=1", "https://example.org/a?x=2"),
])
def test_lookup_key_keeps_what_changes_the_page(a: str, b: str) -> None:
    assert url_key(clean_url(a)) != url_key(clean_url(b))


def test_files_are_private(tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "list.sqlite3")
    store.save([NewItem("https://example.org/")])
    files = list((tmp_path / "data").iterdir())
    assert {p.name for p in files} >= {"list.sqlite3", "list.sqlite3-wal", "list.sqlite3-shm"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_merge_keeps_one_item_with_all_tags_and_the_newest_title(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.sqlite3")
    first = store.save([NewItem("https://example.org/", "One", ("a", "b"))])
    second = store.save([NewItem("https://EXAMPLE.org/#x", "", ("b", "c")),
                         NewItem("https://example.org/", "Two")])
    assert first[0] == second[0] == second[1]
    [item] = store.get(first)
    assert (item.title, item.tags, item.url) == ("Two", ("a", "b", "c"), "https://example.org/")
    assert store.pending_count() == 1


WRITER = """
import sys
from pocket_companion.library.store import NewItem, Store
store = Store(__import__("pathlib").Path(sys.argv[1]))
name = sys.argv[2]
for i in range(200):
    store.save([NewItem(f"https://example.org/{name}/{i}"), NewItem(f"https://example.org/s/{i}")])
"""


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], cwd=REPO)
             for name in ("a", "b", "c")]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    items, total = Store(path).page(1000, 0)
    assert total == 800 == len({item.url for item in items})


_LABEL = st.text("abcdefghijklmnopqrstuvwxyzABC0123456789-", min_size=1, max_size=8)
_URLS = st.builds(
    "{}://{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "ftp"]),
    st.builds(".".join, st.lists(_LABEL, min_size=1, max_size=3))
    | st.sampled_from(["ex.org:443", "ex.org:8080", "u:p@ex.org", "[::1]", "ex.org.", ""]),
    st.sampled_from(["/", "", "?", "#", "/?utm_source=x&a=1", "/p?q=1#f"]),
    st.text("abcAZ09-._~!$&'()*+,;=:@/%?#[] \u00e9", max_size=20),
)


def _outcome(fn: object, url: str) -> object:
    try:
        return fn(url)  # type: ignore[operator]
    except CompanionError as exc:
        return exc.code


@given(_URLS)
def test_plain_urls_skip_the_parse_with_the_same_result(url: str) -> None:
    """The fast path for already clean URLs gives exactly what the full parse gives."""
    assert _outcome(urls.clean, url) == _outcome(lambda u: urls._clean_parsed(urls._text(u)), url)


OLD = [OldItem("https://www.example.org/caf%C3%A9", "Le Café", ("paris",), remote_id="11"),
       OldItem("https://news.example.org/a", "Archived news", status="archived", favorite=True),
       OldItem("https://example.net/gone", "Deleted long ago", deleted=True, remote_id="12"),
       OldItem("https://bücher.example/ä", "Bücher", ("two words",))]


def search(store: Store, text: str) -> list[str]:
    return [item.url for item in store.page(100, 0, parse(text), "newest")[0]]


def test_a_version_1_list_is_upgraded_and_indexed_when_first_opened(tmp_path: Path) -> None:
    path = tmp_path / "list.sqlite3"
    schema_v1.make(path, OLD)
    store = Store(path)
    assert store.db.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert search(store, "cafe") == ["https://www.example.org/caf%C3%A9"]
    assert search(store, "café paris") == search(store, "site:example.org -news")
    assert search(store, "buch") == ["https://xn--bcher-kva.example/ä"]
    assert search(store, "is:fav is:archived") == ["https://news.example.org/a"]
    assert search(store, "deleted") == [] and search(store, 'tag:"two words"') != []
    sites = {item.url: item.site for item in store.page(100, 0)[0]}
    assert sites["https://www.example.org/caf%C3%A9"] == "example.org"
    assert sites["https://xn--bcher-kva.example/ä"] == "xn--bcher-kva.example"
    [(gone, deleted_at)] = store.db.query("SELECT url, deleted_at FROM items WHERE deleted = 1")
    assert gone == "https://example.net/gone" and deleted_at is not None  # not restorable


def test_a_failed_upgrade_leaves_version_1_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "list.sqlite3"
    schema_v1.make(path, OLD)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE items_fts (x)")  # in the way of the index: the upgrade fails
    conn.commit()
    with pytest.raises(sqlite3.OperationalError, match="items_fts already exists"):
        Store(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = [row[1] for row in conn.execute("PRAGMA table_info(items)")]
    assert "site" not in columns and "deleted_at" not in columns
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == len(OLD)
    conn.execute("DROP TABLE items_fts")
    conn.commit()
    conn.close()
    assert search(Store(path), "bücher") == ["https://xn--bcher-kva.example/ä"]


OPENER = """
import sys
from pathlib import Path
from pocket_companion.library.store import Store
Store(Path(sys.argv[1]))
"""


def test_processes_opening_a_version_1_list_at_once_upgrade_it_once(tmp_path: Path) -> None:
    path = tmp_path / "list.sqlite3"
    schema_v1.make(path, [OldItem(f"https://example.org/{n}", f"page {n}") for n in range(2000)])
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(path)], cwd=REPO)
             for _ in range(4)]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    store = Store(path)
    assert store.db.query("SELECT COUNT(*) FROM items_fts")[0][0] == 2000
    assert store.page(1, 0, parse("page"), "newest")[1] == 2000


def test_without_fts5_the_list_says_what_is_missing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "probe.sqlite3")

    def no_virtual_tables(action: int, *_: object) -> int:  # as a build without FTS5 fails
        return sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_CREATE_VTABLE else sqlite3.SQLITE_OK

    conn.set_authorizer(no_virtual_tables)
    with pytest.raises(StorageUnavailable) as caught:
        require_fts5(conn)
    assert caught.value.code == "storage_unavailable"
    assert "FTS5" in caught.value.message and sqlite3.sqlite_version in caught.value.message
    conn.set_authorizer(None)
    require_fts5(conn)
