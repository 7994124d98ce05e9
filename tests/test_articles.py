"""Readable copies through the protocol's own handlers on a real SQLite file: a capture
checked, sanitized, stored compressed and read back; "link only"; the fetch queue (a save
waits for its capture, leases, back-off, a captured copy never replaced by a fetched one);
the preference; imports and pulls queueing their pages; copies removed with their pages;
reading progress; ``status``."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.actions import ACTIONS
from pocket_companion.articles.model import Article, FetchOutcome
from pocket_companion.cli import call
from pocket_companion.cli import main as cli_main
from pocket_companion.core import CAPTURE_WAIT, Companion, Deps
from pocket_companion.errors import CompanionError
from pocket_companion.library.articles import BACKOFF, LEASE_SECONDS, Articles
from pocket_companion.library.changes import UNDO_SECONDS
from pocket_companion.preferences import FETCH_ENV, PREFERENCES

from tests.fakepocket import FakePocket
from tests.support.clock import Clock

URL = "https://news.example/2026/tide-clock"
TEXT = "Every morning Margit winds the harbour tide clock by hand.\nThe ledger fills a shelf."


def article(**changes: Any) -> dict[str, Any]:
    fields = {"title": "The tide clock", "byline": "By A. Writer", "site": "The Gazette",
              "lang": "en-GB", "dir": "ltr", "excerpt": "A clock wound by hand.",
              "html": '<p class="lead" onclick="steal()">Every morning <a href="/margit">Margit'
                      '</a> winds the clock.</p><script>steal()</script>',
              "text": TEXT, "words": 16}
    return {**fields, **changes}


def error(c: Companion, action: str, params: dict[str, Any]) -> str:
    with pytest.raises(CompanionError) as caught:
        call(c, action, params)
    return caught.value.code


def listed(c: Companion, **params: Any) -> dict[str, dict[str, Any]]:
    return {item["url"]: item for item in call(c, "list", {"limit": 1000, **params})["items"]}


def rows(c: Companion, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in c.store.db.query(sql)]


@pytest.fixture(autouse=True)
def fetching_as_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """These companions run no fetcher: the preference's default (on) only queues pages."""
    monkeypatch.delenv(FETCH_ENV, raising=False)


def test_a_capture_is_sanitized_compressed_and_read_back(local: Companion) -> None:
    call(local, "save", {"url": URL, "title": "Tide clock (saved title)"})
    reply = call(local, "capture", {"url": URL + "#top", "article": article()})
    assert reply == {"item_id": 1, "stored": True, "words": 16}
    got = call(local, "article", {"url": URL})
    assert got["html"] == ('<p>Every morning <a href="https://news.example/margit" '
                           'target="_blank" rel="noopener noreferrer nofollow">Margit</a> winds '
                           "the clock.</p>")
    assert {k: got[k] for k in ("item_id", "url", "title", "byline", "site", "lang", "dir",
                                "excerpt", "words", "source", "status", "favorite", "tags",
                                "progress", "images", "parts", "part")} == {
        "item_id": 1, "url": URL, "title": "The tide clock", "byline": "By A. Writer",
        "site": "The Gazette", "lang": "en-GB", "dir": "ltr", "excerpt": "A clock wound by hand.",
        "words": 16, "source": "capture", "status": "unread", "favorite": False, "tags": [],
        "progress": 0.0, "images": None, "parts": 1, "part": 0}
    assert got["saved_at"].endswith("Z") and got["stored_at"].endswith("Z")
    assert call(local, "article", {"item_id": 1}) == got
    [(text, html, size)] = rows(local, "SELECT text, html, html_size FROM articles")
    assert zlib.decompress(text).decode() == TEXT  # compressed on disk
    assert zlib.decompress(html).decode() == got["html"] and size == len(got["html"])
    assert listed(local)[URL]["article"] == "stored"
    status = call(local, "status", {})
    assert status["articles"] == {"count": 1, "bytes": len(text) + len(html), "pending": 0,
                                  "failed": 0}
    assert status["fetch_articles"] is True
    assert os.stat(local.store.db.path).st_mode & 0o777 == 0o600


def test_a_capture_needs_its_page_saved_and_a_well_formed_article(local: Companion) -> None:
    assert error(local, "capture", {"url": URL, "article": article()}) == "not_found"
    call(local, "save", {"url": URL})
    bad: list[dict[str, Any]] = [
        {"url": URL}, {"url": URL, "article": "text"}, {"url": URL, "article": [1]},
        {"url": URL, "article": article(html=None)}, {"url": URL, "article": article(text=7)},
        {"url": URL, "article": article(words=-1)}, {"url": URL, "article": article(words=True)},
        {"url": URL, "article": article(words="12")}, {"url": URL, "article": article(title=[])},
        {"url": URL, "article": {**article(), "published": "2026"}},
        {"url": URL, "article": article(html="é" * (4 * 2**20 + 1))},  # 8 MiB + 2 bytes
        {"url": URL, "article": article(text="x" * (4 * 2**20 + 1))},
        {"url": URL, "article": article(text="\ud800")},
        {"url": URL, "article": article(), "extra": 1},
    ]
    for params in bad:
        assert error(local, "capture", params) == "invalid_params", params
    assert error(local, "capture", {"url": "ftp://x/", "article": None}) == "invalid_url"
    odd = article(title="  Two\nlines \x1b[31m\u202e here ", byline=None, site=None,
                  lang="not a tag!", dir="sideways", text="a\x02b\x03c\r\nd\x00e\tf\x85g")
    assert call(local, "capture", {"url": URL, "article": odd})["stored"]
    got = call(local, "article", {"url": URL})
    assert (got["title"], got["byline"], got["site"], got["lang"], got["dir"]) == (
        "Two lines [31m here", "", "news.example", "", "")
    assert local.articles.text_of(1) == "abc\nde\tfg"  # no control could pass for a marker
    assert call(local, "capture", {"url": URL, "article": article(html="x" * 2**20)})["stored"]


def test_a_page_without_an_article_keeps_its_link_only(local: Companion) -> None:
    call(local, "save", {"url": URL, "capture": True})
    assert call(local, "lookup", {"url": URL})["article"] == "pending"
    assert call(local, "capture", {"url": URL, "article": None}) == {
        "item_id": 1, "stored": False, "reason": "no_article"}
    assert listed(local)[URL]["article"] == "none"
    assert call(local, "lookup", {"url": URL})["article"] == "none"  # the panel says so
    assert error(local, "article", {"url": URL}) == "not_found"
    assert call(local, "capture", {"url": URL, "article": article(text=" \n ")})[
        "reason"] == "empty"
    assert call(local, "capture", {"url": URL, "article": article()})["stored"]
    call(local, "capture", {"url": URL, "article": None})  # a later failure keeps the copy
    assert listed(local)[URL]["article"] == "stored"
    assert call(local, "article", {"url": URL})["words"] == 16


def outcome(text: str = "Fetched words of the page.", html: str = "<p>Fetched</p>"
            ) -> FetchOutcome:
    return FetchOutcome(Article("Fetched", "", "", "en", "", "", html, text, len(text.split())))


def test_a_save_waits_for_its_capture_and_links_are_fetched_at_once(local: Companion,
                                                                   clock: Clock) -> None:
    call(local, "save", {"url": URL, "capture": True})  # from the toolbar: a capture comes
    call(local, "save", {"url": "https://news.example/link"})  # a link: no capture
    state = listed(local)
    assert state[URL]["article"] == state["https://news.example/link"]["article"] == "pending"
    assert error(local, "save", {"url": URL, "capture": "yes"}) == "invalid_params"
    [job] = local.claim_fetches(10)
    assert job.url == "https://news.example/link" and job.attempts == 0
    assert local.claim_fetches(10) == []  # leased: another host does not take it
    clock.advance(CAPTURE_WAIT - 1)
    call(local, "capture", {"url": URL, "article": article()})
    clock.advance(LEASE_SECONDS)
    assert [j.url for j in local.claim_fetches(10)] == ["https://news.example/link"]  # again
    local.finish_fetch(job, outcome(html='<p onclick="x()">Fetched <img src="/a.png"></p>'))
    got = call(local, "article", {"url": "https://news.example/link"})
    assert got["source"] == "fetch"
    assert got["html"] == '<p>Fetched <img src="https://news.example/a.png"></p>'
    assert local.claim_fetches(10) == []  # captured and fetched: nothing waits
    assert call(local, "article", {"url": URL})["source"] == "capture"


def test_a_host_that_closes_or_is_gone_lets_go_of_its_pages(local: Companion,
                                                           clock: Clock) -> None:
    call(local, "save_many", {"items": [{"url": f"https://news.example/{n}"} for n in range(4)]})
    other = Articles(local.store.db, clock)  # a second host of this computer, alive
    assert len(other.claim(2)) == 2
    assert len(local.claim_fetches(10)) == 2  # only the pages the other does not hold
    assert other.claim(10) == [] and local.claim_fetches(10) == []
    assert other.release() == 2  # it closes: its pages are free at once, not in 5 minutes
    assert len(local.claim_fetches(10)) == 2
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    owner = local.articles.owner.split(":")
    dead = Articles(local.store.db, clock, owner=f"{owner[0]}:{gone}:0")
    local.articles.release()
    assert len(dead.claim(10)) == 4  # then its process ends without letting go
    assert len(local.claim_fetches(10)) == 4  # taken at once: that process is gone
    assert rows(local, "SELECT DISTINCT claimed_by FROM article_state") == [
        (local.articles.owner,)]


def test_a_fetched_copy_never_replaces_a_captured_one(local: Companion, clock: Clock) -> None:
    call(local, "save_many", {"items": [{"url": URL}]})
    [job] = local.claim_fetches(1)
    call(local, "capture", {"url": URL, "article": article()})  # while the fetch runs
    local.finish_fetch(job, outcome())
    assert call(local, "article", {"url": URL})["source"] == "capture"
    call(local, "save_many", {"items": [{"url": "https://news.example/other"}]})
    [other] = local.claim_fetches(1)
    local.finish_fetch(other, outcome())
    assert call(local, "article", {"url": other.url})["source"] == "fetch"
    call(local, "capture", {"url": other.url, "article": article()})  # a capture replaces it
    got = call(local, "article", {"url": other.url})
    assert got["source"] == "capture" and "Margit" in got["html"]
    assert call(local, "list", {"query": "fetched"})["total"] == 0  # its words went too


def test_failed_fetches_back_off_then_give_up(local: Companion, clock: Clock) -> None:
    call(local, "save_many", {"items": [{"url": f"https://news.example/{n}"} for n in range(3)]})
    jobs = {job.url: job for job in local.claim_fetches(10)}
    flaky, gone, empty = (jobs[f"https://news.example/{n}"] for n in range(3))
    local.finish_fetch(gone, FetchOutcome(None, "the server answered 404", False))
    local.finish_fetch(empty, FetchOutcome(None))  # fetched, but no article in it
    for attempt, wait in enumerate(BACKOFF, 1):
        local.finish_fetch(flaky, FetchOutcome(None, "the server answered 503", True))
        clock.advance(wait - 1)
        assert local.claim_fetches(10) == []
        clock.advance(1)
        [flaky] = local.claim_fetches(10)
        assert flaky.attempts == attempt
    local.finish_fetch(flaky, FetchOutcome(None, "the server answered 503", True))
    clock.advance(BACKOFF[-1] * 10)
    assert local.claim_fetches(10) == []
    states = {url: item["article"] for url, item in listed(local).items()}
    assert states == {flaky.url: "failed", gone.url: "failed", empty.url: "none"}
    assert call(local, "status", {})["articles"] == {"count": 0, "bytes": 0, "pending": 0,
                                                     "failed": 2}
    assert rows(local, "SELECT last_error FROM article_state WHERE item = 2") == [
        ("the server answered 404",)]


def test_with_fetching_off_nothing_is_queued_or_handed_out(local: Companion, home: Path) -> None:
    call(local, "save_many", {"items": [{"url": "https://news.example/before"}]})
    assert call(local, "preferences", {})["fetch_articles"] is True
    assert call(local, "preferences", {"fetch_articles": False})["fetch_articles"] is False
    assert (home / "config.json").stat().st_mode & 0o777 == 0o600
    call(local, "save_many", {"items": [{"url": "https://news.example/after"}]})
    call(local, "save", {"url": URL})
    assert {url: item["article"] for url, item in listed(local).items()} == {
        "https://news.example/before": "pending", "https://news.example/after": None, URL: None}
    assert local.claim_fetches(10) == []
    assert call(local, "status", {})["fetch_articles"] is False
    assert error(local, "preferences", {"fetch_articles": "no"}) == "invalid_params"
    assert error(local, "preferences", {"images": True}) == "invalid_params"
    assert error(local, "preferences", {"reader_size": 99}) == "invalid_params"
    assert error(local, "preferences", {"reader_theme": "sepia"}) == "invalid_params"
    fresh = Companion(home, Deps())  # another process reads the same preference
    assert fresh.preferences()["fetch_articles"] is False
    assert call(local, "preferences", {"fetch_articles": True})["fetch_articles"] is True
    assert [job.url for job in local.claim_fetches(10)] == ["https://news.example/before"]


def test_the_preference_survives_a_login_and_a_logout(account: Companion, fake: FakePocket
                                                      ) -> None:
    call(account, "preferences", {"fetch_articles": False})
    call(account, "logout", {})
    account.login(server=fake.base_url, fields={"consumer_key": fake.CONSUMER_KEY}, timeout=20)
    assert account.config.load().username
    assert call(account, "preferences", {})["fetch_articles"] is False


def test_an_imported_file_and_a_pull_queue_their_pages(account: Companion, fake: FakePocket,
                                                       home: Path, tmp_path: Path) -> None:
    fake.seed("https://pulled.example/one", title="Pulled")
    fake.advance(5)
    call(account, "sync", {})
    assert listed(account)["https://pulled.example/one"]["article"] == "pending"
    exported = tmp_path / "bookmarks.html"
    exported.write_text('<DL><DT><A HREF="https://imported.example/two">Two</A></DL>')
    assert cli_main(["import", str(exported), "--json"]) == 0
    assert listed(account)["https://imported.example/two"]["article"] == "pending"
    assert cli_main(["import", str(exported), "--dry-run", "--json"]) == 0


def test_a_page_deleted_for_good_takes_its_copy_along(local: Companion, clock: Clock) -> None:
    call(local, "save", {"url": URL})
    call(local, "capture", {"url": URL, "article": article()})
    call(local, "modify", {"url": URL, "op": "delete"})
    assert call(local, "list", {"query": "ledger"})["total"] == 0
    assert error(local, "article", {"item_id": 1}) == "not_found"
    call(local, "modify", {"url": URL, "op": "restore"})  # within the undo time: as it was
    assert call(local, "list", {"query": "ledger"})["total"] == 1
    assert call(local, "article", {"url": URL})["words"] == 16
    call(local, "modify", {"url": URL, "op": "delete"})
    clock.advance(UNDO_SECONDS + 1)
    assert call(local, "status", {})["pending"] == 0  # the page never reached a server: gone
    assert rows(local, "SELECT COUNT(*) FROM items") == [(0,)]
    assert rows(local, "SELECT COUNT(*) FROM articles") == [(0,)]
    assert rows(local, "SELECT COUNT(*) FROM article_state") == [(0,)]


def test_a_page_deleted_on_the_server_takes_its_copy_along(account: Companion,
                                                           fake: FakePocket) -> None:
    call(account, "save", {"url": URL})
    call(account, "capture", {"url": URL, "article": article()})
    call(account, "sync", {})
    fake.advance(5)
    fake.remove(URL)
    fake.advance(5)
    call(account, "sync", {})
    assert listed(account) == {}
    assert rows(account, "SELECT COUNT(*) FROM articles") == [(0,)]
    assert rows(account, "SELECT COUNT(*) FROM article_state") == [(0,)]


def test_reading_progress_is_kept_with_the_copy(local: Companion) -> None:
    call(local, "save", {"url": URL})
    assert error(local, "article_progress", {"item_id": 1, "progress": 0.5}) == "not_found"
    call(local, "capture", {"url": URL, "article": article()})
    assert call(local, "article_progress", {"item_id": 1, "progress": 0.42}) == {
        "progress": 0.42, "images": None}
    assert call(local, "article_progress", {"item_id": 1, "images": True}) == {
        "progress": 0.42, "images": True}  # the person's choice for this page's images
    assert call(local, "article_progress", {"item_id": 1, "progress": 1, "images": None}) == {
        "progress": 1.0, "images": True}
    got = call(local, "article", {"url": URL})
    assert (got["progress"], got["images"]) == (1.0, True)
    for bad in ({"item_id": 1, "progress": 1.5}, {"item_id": 1, "progress": -0.1},
                {"item_id": 1, "progress": True}, {"item_id": 1, "progress": "0.5"},
                {"item_id": 1}, {"progress": 0.5}, {"item_id": "1", "progress": 0.5},
                {"item_id": 0, "progress": 0.5}, {"item_id": 1, "images": "yes"},
                {"item_id": 1, "progress": 10**400}, {"item_id": 1, "progress": float("nan")}):
        assert error(local, "article_progress", bad) == "invalid_params", bad
    assert error(local, "article_progress", {"item_id": 99, "progress": 0.5}) == "not_found"
    for bad in ({}, {"url": URL, "item_id": 1}, {"url": URL, "part": 1},
                {"url": URL, "part": -1}):
        assert error(local, "article", bad) == "invalid_params", bad


def test_the_upgrade_to_version_4_keeps_the_list_and_its_search(tmp_path: Path) -> None:
    from pocket_companion.library import db

    path = tmp_path / "reading-list.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    for migrate in db._MIGRATIONS[:3]:
        migrate(conn)
    conn.execute("INSERT INTO items (url, key, title, saved_at, updated_at, site) VALUES "
                 "('https://old.example/a', 'https://old.example/a', 'An old page', 1, 1, "
                 "'old.example')")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    c = Companion(tmp_path, Deps())
    assert c.store.db.query("PRAGMA user_version")[0][0] == db.SCHEMA_VERSION == 5
    assert [item["url"] for item in call(c, "list", {"query": "old page"})["items"]] == [
        "https://old.example/a"]
    assert listed(c)["https://old.example/a"]["article"] is None  # never tried


def test_the_reader_settings_are_kept_with_the_preferences(
        local: Companion, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert call(local, "preferences", {}) == {"fetch_articles": True, "reader_images": False,
                                              "reader_theme": "system", "reader_size": None}
    changed = call(local, "preferences", {"reader_theme": "dark", "reader_size": 3,
                                          "reader_images": True, "fetch_articles": None})
    assert changed == {"fetch_articles": True, "reader_images": True, "reader_theme": "dark",
                       "reader_size": 3}
    assert ACTIONS["preferences"].params == set(PREFERENCES)  # each one can be set
    raw = (home / "config.json").read_text()
    (home / "config.json").write_text(raw.replace('"reader_size": 3', '"reader_size": true'))
    assert call(local, "preferences", {})["reader_size"] is None  # a damaged value: default
    monkeypatch.setenv(FETCH_ENV, "0")  # a machine that must not fetch: it says so
    assert call(local, "preferences", {"reader_theme": "light"})["fetch_articles"] is False
    monkeypatch.delenv(FETCH_ENV)
    assert call(local, "preferences", {}) == {"fetch_articles": True, "reader_images": True,
                                              "reader_theme": "light", "reader_size": None}
