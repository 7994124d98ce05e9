"""A readable copy keeps the article: on the corpus of article pages in
``tests/fixtures/articles`` (see its README), the words of each page's main text that the
two ways of keeping a copy find, against the hand-marked text.

- the capture path: the extension's own capture code (Readability, DOMPurify, its text)
  run in each page in real Chromium (``bench.extraction.capture_path``);
- the fetch path: the host's extraction (``extract_child.extract_article``, trafilatura).

Each must reach an average F1 of :data:`TARGET` and keep every page above :data:`FLOOR`.
``python -m bench.extraction`` prints the table these tests check.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from bench.extraction import (
    CORPUS,
    Page,
    Reading,
    Score,
    all_text,
    average,
    capture_path,
    corpus,
    fetch_path,
    measure,
    score,
    shingle_score,
    table,
    tokens,
)
from tests.conftest import need
from tests.e2e.harness import CHROMIUM

TARGET = 0.90  # the target: average F1 of each path
# No page below this. The lowest pages (a forum thread, ~0.81-0.83 on both paths) keep each
# post's author box (rank, post count, joined, location) and the "similar topics" table:
# boilerplate a reader skims past. Below 0.80 a reader notices: a missing section (recall
# under ~0.8 is a fifth of the article gone) or a comment thread or teaser list as long as
# the article itself. The margin allows for small changes between library versions.
FLOOR = 0.80
Results = list[tuple[Page, Reading, Score]]


def _report(results: dict[str, Results]) -> str:
    return "\n" + table(results)


def test_the_corpus_is_what_its_readme_says() -> None:
    pages = corpus()
    names = sorted(path.stem for path in CORPUS.glob("*.html"))
    assert len(pages) >= 30 and [page.name for page in pages] == names
    assert sorted(path.stem for path in CORPUS.glob("*.txt")) == names
    for page in pages:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", page.name), page.name
        assert 5 * 1024 <= len(page.html) <= 80 * 1024, (page.name, len(page.html))
        assert 300 <= len(tokens(page.expected)) <= 3000, page.name
        assert page.url.startswith(("http://", "https://")), page.name
    languages = {page.lang for page in pages}
    assert {"en", "fr", "de", "es", "ja", "ar"} <= languages
    index = json.loads((CORPUS / "pages.json").read_text(encoding="utf-8"))
    assert len({entry["site"] for entry in index.values()}) >= 20  # varied site templates


def test_the_measure_counts_words() -> None:
    text = "The council voted 7-2 on Wednesday; the line opens in 2031."
    assert score(text, text) == Score(1.0, 1.0, 1.0)
    assert score(text, "") == Score(0.0, 0.0, 0.0)
    # case and punctuation do not count; order does not count for bags of words
    assert score(text, "2031 IN OPENS LINE THE ... WEDNESDAY ON 2 7 VOTED COUNCIL THE").f1 == 1.0
    assert shingle_score(text, "2031 in opens line the wednesday on 2 7 voted council the").f1 == 0
    # words glued together by a careless text conversion are words not found
    glued = score("Harbor Point\nCanal Street", "Harbor PointCanal Street")
    assert glued.recall == pytest.approx(0.5) and glued.precision == pytest.approx(2 / 3)
    # twice the article: every word found, half of what was found is extra
    assert score(text, text + " " + text)[:2] == (0.5, 1.0)
    # Japanese has no spaces: a word per character, words of Latin script kept whole
    assert tokens("Raspberry Piとrsyncで自宅") == ["raspberry", "pi", "と", "rsync", "で", "自",
                                                  "宅"]


def test_the_corpus_needs_an_extractor() -> None:
    """The whole page's text scores far below the target: the pages carry enough menus,
    teasers, comments and banners that reaching it takes finding the article."""
    results = measure(corpus(), all_text)
    assert average([found for _, _, found in results]).f1 < 0.8, _report({"all text": results})


def test_the_fetch_path_keeps_the_article() -> None:
    results = measure(corpus(), fetch_path())
    report = _report({"fetch": results})
    assert average([found for _, _, found in results]).f1 >= TARGET, report
    assert all(found.f1 >= FLOOR for _, _, found in results), report


@pytest.mark.slow
def test_the_capture_path_keeps_the_article() -> None:
    need(os.access(CHROMIUM, os.X_OK), f"Chromium is not installed ({CHROMIUM})")
    with capture_path() as read:
        results = measure(corpus(), read)
    report = _report({"capture": results})
    # every page is an article: none kept as a link only, the 2004 table layout (31) too,
    # which Readability's quick test doubts (see capture.js, MIN_CHARS)
    assert all(reading.text for _, reading, _ in results), report
    assert average([found for _, _, found in results]).f1 >= TARGET, report
    assert all(found.f1 >= FLOOR for _, _, found in results), report
