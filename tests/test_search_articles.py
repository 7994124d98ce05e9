"""Searching the text of readable copies: article words are found, titles and tags still
rank first, results carry a snippet of the text around the first match (words marked,
accents and case folded as the index folds them), the index follows every change of a
page and of its copy, and the CLI shows the snippets and the copies' totals."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from pocket_companion.cli import call
from pocket_companion.core import Companion
from pocket_companion.library.search import SNIPPET_CHARS

from tests.support.clock import Clock
from tests.support.frames import REPO

FILLER = "Plain words about weather, ferries and the price of bread in the town. " * 8


def keep(c: Companion, url: str, text: str, title: str = "", tags: tuple[str, ...] = ()
         ) -> None:
    call(c, "save", {"url": url, "title": title, "tags": list(tags)})
    article = {"title": title, "byline": "", "site": "", "lang": "en", "dir": "", "excerpt": "",
               "html": f"<p>{text}</p>", "text": text, "words": len(text.split())}
    assert call(c, "capture", {"url": url, "article": article})["stored"]


def search(c: Companion, query: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = call(c, "list", {"query": query, "limit": 100,
                                                   **params})["items"]
    return items


def test_article_words_are_found_and_titles_and_tags_still_rank_first(
        local: Companion, clock: Clock) -> None:
    keep(local, "https://a.example/body", FILLER + "The clock, the clock, the clock again.",
         "Harbour notes")
    keep(local, "https://b.example/title", FILLER, "The clock tower")
    keep(local, "https://c.example/tag", FILLER + "A clock.", "Ferries", ("clock",))
    for n in range(6):  # the word is in fewer than half of the pages: ranked by bm25
        keep(local, f"https://other.example/{n}", FILLER, f"Other page {n}")
        clock.advance(60)
    found = [item["url"] for item in search(local, "clock")]
    assert found == ["https://b.example/title", "https://c.example/tag",
                     "https://a.example/body"]
    assert [item["url"] for item in search(local, "clock", sort="newest")] == [
        "https://c.example/tag", "https://b.example/title", "https://a.example/body"]
    assert len(search(local, "bread")) == 9 and search(local, "bread -clock")[0]["url"] \
        .startswith("https://other.example/")
    assert [item["url"] for item in search(local, "harbour clock")] == [
        "https://a.example/body"]  # one word in the title, the other in the text


def test_a_snippet_shows_the_text_around_the_first_match(local: Companion) -> None:
    text = (FILLER + "At the Café de Flore the writers met. " + FILLER
            + "Later the CAFE closed, and café owners moved on. " + FILLER)
    keep(local, "https://paris.example/flore", text, "A Paris story")
    [item] = search(local, "cafe")
    snippet = item["snippet"]
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "\x02Café\x03 de Flore" in snippet
    assert len(snippet.replace("\x02", "").replace("\x03", "")) <= SNIPPET_CHARS + 2
    assert snippet.index("\x02") < 60  # the match near the start, some words before it
    assert "\x02de Flore\x03" in search(local, '"de flore"')[0]["snippet"]
    assert "\x02writers\x03" in search(local, "writ")[0]["snippet"]  # the last word: a prefix
    assert search(local, "writ paris") == []  # only the last word is a prefix
    both = search(local, "flore writers")[0]["snippet"]
    assert "\x02Flore\x03" in both and "\x02writers\x03" in both
    assert "snippet" not in search(local, "paris")[0]  # only the title has it
    assert all("snippet" not in item for item in call(local, "list", {"query": "is:unread"})[
        "items"])


def test_a_snippet_cut_after_a_sentence_keeps_a_space_before_its_ellipsis(
        local: Companion) -> None:
    sentence = "The spare key sits in the old kitchen drawer now. "  # 50: cut after one
    keep(local, "https://home.example/key", sentence * 20, "Keys")
    snippet = search(local, "kitchen")[0]["snippet"]
    assert snippet.endswith("now. …") and ".…" not in snippet


def test_snippets_of_text_without_spaces_stay_short(local: Companion) -> None:
    text = "東京の港には古い時計があります。" * 60 + " 時計 " + "毎朝だれかが手で巻きます。" * 60
    keep(local, "https://tokyo.example/clock", text, "港の時計")
    [item] = search(local, "時計")
    assert "\x02時計\x03" in item["snippet"]
    assert len(item["snippet"]) <= SNIPPET_CHARS + 4


def test_the_index_follows_the_page_and_its_copy(local: Companion, clock: Clock) -> None:
    url = "https://news.example/story"
    keep(local, url, "An article about lighthouses.", "A story")
    call(local, "modify", {"url": url, "op": "tags_add", "tags": ["sea"]})
    assert [i["url"] for i in search(local, "lighthouses tag:sea")] == [url]
    call(local, "save", {"url": url, "title": "A story, saved again"})
    assert [i["url"] for i in search(local, "lighthouses again")] == [url]
    keep(local, url, "An article about tides now.")  # a new capture replaces the words
    assert search(local, "lighthouses") == [] and len(search(local, "tides")) == 1
    call(local, "modify", {"url": url, "op": "delete"})
    assert search(local, "tides") == []
    call(local, "modify", {"url": url, "op": "restore"})
    assert len(search(local, "tides")) == 1
    indexed = local.store.db.query("SELECT rowid, body FROM items_fts")
    assert [tuple(row) for row in indexed] == [(1, "An article about tides now.")]


def cli(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "pocket_companion", *args], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_cli_shows_snippets_and_the_copies(local: Companion) -> None:
    keep(local, "https://news.example/tide", FILLER + "The tide clock is wound by hand.",
         "Harbour")
    lines = cli("list", "--search", "wound").splitlines()
    assert "Harbour <https://news.example/tide>" in lines[0]
    assert lines[1].startswith("      …") and "«wound»" in lines[1]
    assert "\x02" not in "".join(lines)
    status = cli("status")
    assert "Readable copies: 1 (0.0 MB)" in status
    assert "copies of pages saved without one: off" in cli("preferences", "--fetch-articles",
                                                           "off")
    assert "fetching pages is off" in cli("status")
    assert local.fetching() is False
