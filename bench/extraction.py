"""``python -m bench.extraction``: how much of each article's main text the two ways of
keeping a readable copy find, on the corpus in ``tests/fixtures/articles``.

- **capture**: what the extension sends when the person saves the page they look at.
  Each page is loaded in Debian's Chromium at its own address (served from memory, every
  other request refused), and the extension's own capture code runs in it: its
  ``Capturer.read`` (``extension/lib/capture.js``) with a ``scripting`` that loads the
  vendored Readability and DOMPurify and calls ``readPage`` in the page, as
  ``scripting.executeScript`` does (in the page's own world rather than an isolated one:
  no page of the corpus touches those names). The text is the ``text`` it would send.
- **fetch**: what the host stores for a page it fetched:
  ``pocket_companion.articles.extract_child.extract_article`` (trafilatura with the
  options the extraction child uses) on the page's bytes; the text is ``Article.text``.

A third column, **all text**, is the baseline every extractor must beat: all the text of
the page's body (no scripts or styles), as ScrapingHub's ``html-text`` baseline.

Each is compared with the page's hand-marked text (``NN-name.txt``: the article body's
words only) as bags of words: lower-cased, ``\\w+`` tokens (punctuation dropped), and one
token per character in Japanese and Chinese script, which has no spaces between words.
Precision is the share of the words found that belong to the article, recall the share
of the article's words found, F1 their harmonic mean; the averages are the means of the
pages' figures. The ScrapingHub benchmark compares 4-word shingles instead of single
words, which also counts words out of order; its F1 is shown on the summary lines.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "articles"
EXTENSION = REPO / "extension"
SERVED = "/__pocket_companion_extension__/"  # where a page finds the extension's files
_TOKEN = re.compile(r"\w+")
_HAN_KANA = re.compile(r"([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
PATHS = ("capture", "fetch", "all text")


class Page(NamedTuple):
    name: str
    url: str
    lang: str
    site: str  # what kind of page it is, in words
    html: bytes
    expected: str


class Score(NamedTuple):
    precision: float
    recall: float
    f1: float


class Reading(NamedTuple):
    """What one path found on one page, and how long it took (ms)."""

    text: str
    ms: float


def corpus(names: Sequence[str] = ()) -> list[Page]:
    """The corpus's pages (those whose names start with one of ``names``, if given)."""
    index = json.loads((CORPUS / "pages.json").read_text(encoding="utf-8"))
    return [Page(name, entry["url"], entry["lang"], entry["site"],
                 (CORPUS / f"{name}.html").read_bytes(),
                 (CORPUS / f"{name}.txt").read_text(encoding="utf-8"))
            for name, entry in sorted(index.items())
            if not names or name.startswith(tuple(names))]


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the measure sees them (see the module's text)."""
    found: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if _HAN_KANA.search(token):  # Japanese or Chinese: each character is a token
            found.extend(part for part in _HAN_KANA.split(token) if part)
        else:
            found.append(token)
    return found


def _score(expected: Counter[tuple[str, ...]], found: Counter[tuple[str, ...]]) -> Score:
    hits = sum((expected & found).values())
    precision = hits / sum(found.values()) if found else 0.0
    recall = hits / sum(expected.values()) if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Score(precision, recall, f1)


def score(expected: str, found: str) -> Score:
    """Bag-of-words precision, recall and F1 of ``found`` against ``expected``."""
    return _score(Counter((word,) for word in tokens(expected)),
                  Counter((word,) for word in tokens(found)))


def shingle_score(expected: str, found: str, n: int = 4) -> Score:
    """The same over runs of ``n`` words (ScrapingHub's article-extraction-benchmark)."""
    def runs(text: str) -> Counter[tuple[str, ...]]:
        words = tokens(text)
        return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)))

    return _score(runs(expected), runs(found))


def fetch_path() -> Callable[[Page], Reading]:
    """The fetcher's extraction, in this process (it is a pure function of the bytes)."""
    from pocket_companion.articles.extract_child import extract_article

    def read(page: Page) -> Reading:
        start = time.perf_counter()
        article = extract_article(page.html, page.url, "utf-8")
        return Reading(article.text if article else "", (time.perf_counter() - start) * 1000)

    return read


class _AllText(html.parser.HTMLParser):
    """Every text node of the page outside scripts, styles and the head, a line each."""

    HIDDEN = frozenset({"head", "script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def all_text(page: Page) -> Reading:
    """The baseline: the whole page's text, boilerplate and all."""
    start = time.perf_counter()
    parser = _AllText()
    parser.feed(page.html.decode("utf-8"))
    parser.close()
    return Reading("".join(parser.parts), (time.perf_counter() - start) * 1000)


# Runs in the page: the extension's Capturer reads it through a `scripting` that does what
# scripting.executeScript does (files: classic scripts; func: called with args), timing
# readPage itself (Readability, DOMPurify and the text: the capture's work in the page).
_CAPTURE = """async (base) => {
  const load = (file) => new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = base + file;
    script.onload = resolve;
    script.onerror = () => reject(new Error("could not load " + file));
    document.documentElement.append(script);
  });
  const { Capturer } = await import(base + "lib/capture.js");
  let ms = 0;
  const scripting = { async executeScript({ files, func, args }) {
    if (files) {
      for (const file of files) await load(file);
      return [];
    }
    const start = performance.now();
    const result = func(...args);
    ms = performance.now() - start;
    return [{ result }];
  } };
  const found = await new Capturer({ scripting, host: {} }).read(0);
  return { text: found?.article?.text ?? "", ms };
}"""


@contextmanager
def capture_path() -> Iterator[Callable[[Page], Reading]]:
    """Chromium running the extension's capture on each page (see the module's text)."""
    from playwright.sync_api import Route, sync_playwright

    from tests.e2e.harness import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])

        def read(page: Page) -> Reading:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))

            def serve(route: Route) -> None:
                url = route.request.url
                if url == page.url:
                    route.fulfill(status=200, body=page.html,
                                  headers={"Content-Type": "text/html; charset=utf-8"})
                elif url.startswith(origin + SERVED):
                    file = (EXTENSION / url[len(origin + SERVED):]).resolve()
                    if EXTENSION.resolve() in file.parents and file.is_file():
                        route.fulfill(path=str(file))
                    else:
                        route.abort()
                else:  # the page's own images, scripts and trackers: not on this machine
                    route.abort()

            tab = browser.new_page()
            try:
                tab.route("**/*", serve)
                tab.goto(page.url, wait_until="load")
                found = tab.evaluate(_CAPTURE, origin + SERVED)
            finally:
                tab.close()
            return Reading(str(found["text"]), float(found["ms"]))

        try:
            yield read
        finally:
            browser.close()


def measure(pages: Sequence[Page], read: Callable[[Page], Reading]
            ) -> list[tuple[Page, Reading, Score]]:
    results = []
    for page in pages:
        reading = read(page)
        results.append((page, reading, score(page.expected, reading.text)))
    return results


def average(scores: Sequence[Score]) -> Score:
    return Score(*(statistics.fmean(values) for values in zip(*scores, strict=True)))


def table(results: dict[str, list[tuple[Page, Reading, Score]]]) -> str:
    """Per page and on average: precision / recall / F1 of each path measured."""
    paths = list(results)
    head = f"{'page':34} {'words':>5}" + "".join(f"  {path + ' P/R/F1':>20}" for path in paths)
    lines = [head, "-" * len(head)]
    for row in zip(*results.values(), strict=True):
        page = row[0][0]
        cells = "".join(f"  {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
                        for _, _, s in row)
        lines.append(f"{page.name:34} {len(tokens(page.expected)):>5}{cells}")
    lines.append("-" * len(head))
    means = [average([s for _, _, s in found]) for found in results.values()]
    lines.append(f"{'average':34} {'':>5}" + "".join(
        f"  {m.precision:6.3f} {m.recall:6.3f} {m.f1:6.3f}" for m in means))
    for path, found in results.items():
        worst = min(found, key=lambda entry: entry[2].f1)
        shingles = average([shingle_score(p.expected, r.text) for p, r, _ in found])
        times = [r.ms for _, r, _ in found]
        lines.append(f"{path}: average F1 {average([s for _, _, s in found]).f1:.3f}, lowest "
                     f"{worst[2].f1:.3f} ({worst[0].name}); 4-word shingles F1 "
                     f"{shingles.f1:.3f}; time per page {statistics.median(times):.0f} ms "
                     f"median, {max(times):.0f} ms most")
    return "\n".join(lines)


def difference(page: Page, reading: Reading) -> str:
    """The words a path missed and the words it added, for a look at one page."""
    expected, found = Counter(tokens(page.expected)), Counter(tokens(reading.text))
    missed = " ".join((expected - found).elements())
    added = " ".join((found - expected).elements())
    return f"{page.name}\n  missed: {missed or '-'}\n  added: {added or '-'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="only the pages whose names start so")
    parser.add_argument("--path", choices=PATHS, action="append",
                        help="measure only this path (default: all three)")
    parser.add_argument("--words", action="store_true",
                        help="also print the words each path missed and added")
    args = parser.parse_args(argv)
    pages = corpus(args.pages)
    if not pages:
        parser.error("no page of the corpus has such a name")
    results: dict[str, list[tuple[Page, Reading, Score]]] = {}
    for path in args.path or PATHS:
        if path == "capture":
            with capture_path() as read:
                results[path] = measure(pages, read)
        else:
            results[path] = measure(pages, fetch_path() if path == "fetch" else all_text)
    print(f"{len(pages)} pages of {CORPUS.relative_to(REPO)}; bag-of-words precision, "
          f"recall and F1 against the hand-marked text\n")
    print(table(results))
    if args.words:
        for path, found in results.items():
            print(f"\n== {path}")
            for page, reading, _ in found:
                print(difference(page, reading))
    return 0


if __name__ == "__main__":
    sys.exit(main())
