"""The host's sanitizer on the hostile corpus (``tests/fixtures/hostile/``, one trick per
file) and on ordinary article markup: only article tags and attributes are left, every
address is absolute http(s), links open apart with no referrer, nothing that runs or loads
by itself survives, and what comes out is stable when it is parsed and sanitized again."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from pocket_companion.articles.sanitize import ATTRIBUTES, LINK_REL, TAGS, sanitize

CORPUS = sorted((Path(__file__).parent / "fixtures" / "hostile").glob("*.html"))
PAGE = "https://news.example/2026/story.html"
ATTACKER = "attacker.example"


class Tree(HTMLParser):
    """Every element with its attributes, and the text, as a browser's parser reads them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_pi(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.comments.append(decl)


def allowed(tag: str) -> set[str]:
    return ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set()) | ({"target", "rel"} if tag == "a"
                                                           else set())


def check(clean: str) -> Tree:
    """What every sanitized copy must be, whatever went in."""
    tree = Tree(clean)
    assert not tree.comments
    for tag, attrs in tree.elements:
        assert tag in TAGS, (tag, clean)
        assert set(attrs) <= allowed(tag), (tag, attrs)
        for name, value in attrs.items():
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://")), (tag, name, value)
            elif name != "title":
                assert "pwned" not in value and ATTACKER not in value, (tag, name, value)
        if tag == "a":
            assert attrs.get("target") == "_blank" and attrs.get("rel") == LINK_REL, attrs
    assert sanitize(clean, PAGE) == clean  # parsed again, it is the same markup
    return tree


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_every_trick_of_the_hostile_corpus_is_taken_out(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    clean = sanitize(html, PAGE)
    tree = check(clean)
    kept = [value for tag, attrs in tree.elements for name, value in attrs.items()
            if (tag, name) in (("a", "href"), ("img", "src"))]
    # What is left of the attacker's addresses is article content only: links and images.
    assert clean.count(ATTACKER) == sum(value.count(ATTACKER) for value in kept)
    assert [text for text in tree.text if text.strip()], "the article's own text is kept"


def test_the_corpus_has_one_file_per_trick_the_reader_tests_need() -> None:
    names = {path.stem for path in CORPUS}
    assert {"script", "event-handlers", "javascript-links", "entities", "svg", "mathml", "css",
            "forms", "frames", "meta-refresh", "base-href", "srcset", "data-uris",
            "mutation", "privileged", "links", "remote-image"} <= names
    assert len(CORPUS) >= 20


def attrs_of(clean: str, tag: str) -> list[dict[str, str]]:
    return [attrs for name, attrs in Tree(clean).elements if name == tag]


def test_relative_addresses_are_resolved_against_the_page_never_a_base_tag() -> None:
    clean = sanitize((CORPUS[0].parent / "base-href.html").read_text(), PAGE)
    hrefs = [a["href"] for a in attrs_of(clean, "a") if "href" in a]
    assert hrefs == ["https://news.example/2026/relative/link",
                     "https://attacker.example/base-href/protocol-relative",
                     "https://news.example/2026/story.html#footnote-1",
                     "https://news.example/2026/story.html?pwned=1"]
    assert attrs_of(clean, "img")[0]["src"] == "https://news.example/2026/relative/image.png"
    assert "<base" not in clean
    # Without a web address to resolve against, relative addresses are dropped.
    assert attrs_of(sanitize('<a href="x">x</a><img src="y">', "about:blank"), "a") == [
        {"target": "_blank", "rel": LINK_REL}]


def test_only_http_and_https_addresses_stay_however_they_are_spelled() -> None:
    clean = sanitize((CORPUS[0].parent / "links.html").read_text(), PAGE)
    hrefs = [a.get("href") for a in attrs_of(clean, "a")]
    assert hrefs == ["https://attacker.example/links/top", "https://attacker.example/links/ping",
                     "https://attacker.example/links/download",
                     "https://attacker.example/links/opener", None, None, None, None, None]
    for name in ("javascript-links.html", "data-uris.html"):
        found = sanitize((CORPUS[0].parent / name).read_text(), PAGE)
        assert all("href" not in a for a in attrs_of(found, "a")), name
        assert all("src" not in a for a in attrs_of(found, "img")), name
    encoded = sanitize((CORPUS[0].parent / "entities.html").read_text(), PAGE)
    # Each encoded javascript: is decoded and dropped; %-escapes make no scheme, only a path.
    assert [a.get("href") for a in attrs_of(encoded, "a")] == [
        None, None, None, None, None, None,
        "https://news.example/2026/%6A%61%76%61%73%63%72%69%70%74:pwned()", None]


ARTICLE = """<div id="readability-page-1" class="page"><article>
<h1 class="headline">A <em>title</em></h1>
<p>First <strong>paragraph</strong> with a <a href="/more" title="More">link</a>, a
footnote<sup>1</sup>, H<sub>2</sub>O, <code>x = 1</code>, <abbr title="HyperText">HTML</abbr>
and <mark>marked</mark> words.</p>
<figure><img src="https://cdn.news.example/a.jpg" alt="A photo" width="640" height="480">
<figcaption>A caption</figcaption></figure>
<blockquote><p>A quotation.</p></blockquote>
<pre><code>def f():
    return 1 &lt; 2</code></pre>
<ol start="3"><li>three</li><li value="7">seven</li></ol><ul><li>a</li></ul>
<table><caption>Tides</caption><thead><tr><th scope="col">Time</th><th>Height</th></tr></thead>
<tbody><tr><td colspan="2" rowspan="1">06:12</td></tr></tbody></table>
<dl><dt>term</dt><dd>definition</dd></dl><hr><p dir="rtl" lang="ar">نص عربي</p>
<details open><summary>More</summary>Hidden</details><time datetime="2026-05-01">May</time>
</article></div>"""


def test_ordinary_article_markup_is_kept() -> None:
    clean = sanitize(ARTICLE, PAGE)
    check(clean)
    tags = [tag for tag, _ in Tree(clean).elements]
    for tag in ("h1", "em", "strong", "a", "sup", "sub", "code", "abbr", "mark", "figure", "img",
                "figcaption", "blockquote", "pre", "ol", "li", "ul", "table", "caption", "thead",
                "th", "tbody", "td", "dl", "dt", "dd", "hr", "details", "summary", "time"):
        assert tag in tags, tag
    assert 'src="https://cdn.news.example/a.jpg" alt="A photo" width="640" height="480"' in clean
    assert '<th scope="col">' in clean and '<td colspan="2" rowspan="1">' in clean
    assert '<ol start="3">' in clean and '<li value="7">' in clean
    assert '<p dir="rtl" lang="ar">نص عربي</p>' in clean
    assert "return 1 &lt; 2" in clean  # text stays text, escaped
    assert 'href="https://news.example/more"' in clean
    assert "class=" not in clean and "id=" not in clean


def test_a_large_page_is_sanitized_in_reasonable_time() -> None:
    import time

    big = "<p>Words <a href='/x'>and links</a> and <em>more</em> words.</p>" * 40_000  # 2.6 MB
    started = time.perf_counter()
    clean = sanitize(big, PAGE)
    assert time.perf_counter() - started < 5
    assert clean.count("<p>") == 40_000
