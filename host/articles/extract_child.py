"""``python -P -m pocket_companion.articles.extract_child``: trafilatura on one fetched page.

Run only as its own process, by :class:`~.fetcher.Extractor`; the host never imports
trafilatura or lxml (their memory stays out of a long-lived process, and a page that
makes trafilatura hang, adbar/trafilatura#704, or eat memory costs only this process,
which the host kills after its timeout). It claims its pipes as the host does: whatever
a library prints goes to stderr.

stdin: one line of JSON, ``{"url", "charset", "memory", "cpu"}`` (the page's final
address, the charset its Content-Type named or null, the address-space and CPU-seconds
limits this process sets on itself before it loads anything big), then the page's bytes
until the end. stdout: one line of JSON, ``{"article": {...Article fields} | null}``
(null: no article found) or ``{"error": "..."}``.

:func:`extract_article` is the whole extraction, also called in-process by the accuracy
test and benchmark (``tests/test_extraction_accuracy.py``, ``bench/extraction.py``) so
they measure exactly what the fetcher stores.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import sys
from typing import Any
from urllib.parse import urljoin, urlsplit

from pocket_companion.articles.model import Article

# trafilatura's balance of precision and recall, plus what a reader view shows (links,
# images, emphasis, tables). On the 32 pages of tests/fixtures/articles (bag-of-words
# P/R/F1): balanced 0.966/0.993/0.978, favor_precision 0.979/0.980/0.979, favor_recall
# 0.966/0.996/0.980: alike (F1 within 0.002), so trafilatura's own default stays.
OPTIONS: dict[str, Any] = {
    "include_comments": False, "include_tables": True, "include_images": True,
    "include_links": True, "include_formatting": True, "with_metadata": True,
    "favor_precision": False, "favor_recall": False,
}
EXCERPT = 200
MIN_WORDS = 25  # less is a menu or a sign-in page, not an article (Readability wants 500 chars)
PRESCAN = 4096  # bytes searched for <meta charset> (the HTML standard's prescan: 1024)
DETECT = 64 * 1024  # bytes a charset guess looks at (the whole page can be slow)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_WEB_LATIN1 = {"iso8859-1", "ascii"}  # Python's names; on the web both mean windows-1252
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
# one "word" per character in scripts written without spaces; runs of anything else
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|"
                   r"[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def decode(body: bytes, charset: str | None) -> str:
    """The page's text: its byte order mark, else the header's charset, else the one its
    ``<meta>`` names, else UTF-8 if it is valid, else a guess from its first 64 KiB."""
    for mark, name in _BOMS:
        if body.startswith(mark):
            return body[len(mark):].decode(name, errors="replace")
    found = _META.search(body[:PRESCAN])
    for label in (charset, found.group(1).decode("ascii") if found else None):
        codec = _codec(label)
        if codec:
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    # Among the charsets the bytes read well in, windows-1252 if it is one (browsers fall
    # back to it, and a short French page reads "well" in cp775 too), else the best.
    names = [match.encoding for match in charset_normalizer.from_bytes(body[:DETECT])]
    best = "cp1252" if "cp1252" in names or not names else names[0]
    return body.decode(_codec(best) or "cp1252", errors="replace")


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label; Latin-1 and ASCII mean windows-1252 on the web."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return "cp1252" if name in _WEB_LATIN1 else name


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def extract_article(body: bytes, url: str, charset: str | None = None) -> Article | None:
    """The readable copy trafilatura finds in a page, or None when it finds no article."""
    import trafilatura
    from trafilatura.htmlprocessing import convert_to_html
    from trafilatura.xml import xmltotxt

    tree = trafilatura.load_html(decode(body, charset))
    if tree is None:
        return None
    lang, direction, base = _page_facts(tree, url)
    document = trafilatura.bare_extraction(tree, url=url, **OPTIONS)
    if document is None or isinstance(document, dict) or document.body is None:
        return None
    title = (document.title or "").strip()
    _drop_title(document.body, title)
    text = _text(document.body, xmltotxt)
    if count_words(text) < MIN_WORDS:
        return None
    root = convert_to_html(document.body)  # changes document.body: the text comes first
    html = _inner_html(root, base)
    excerpt = (document.description or "").strip() or _excerpt(text)
    return Article(
        title=title, byline=(document.author or "").strip(),
        site=(document.sitename or urlsplit(url).hostname or "").strip(),
        lang=lang, dir=direction, excerpt=excerpt, html=html, text=text,
        words=count_words(text))


def _drop_title(body: Any, title: str) -> None:
    """Drop the article's first heading when it repeats the title (shown apart)."""
    first = next(iter(body), None)
    if first is None or first.tag != "head" or not title:
        return
    if " ".join("".join(first.itertext()).split()).casefold() == " ".join(title.split()).casefold():
        parent, tail = first.getparent(), first.tail
        if tail and tail.strip():
            body.text = (body.text or "") + tail
        parent.remove(first)


def _text(body: Any, xmltotxt: Any) -> str:
    """The plain text of the article: paragraphs on lines, no markup, no images."""
    import copy

    from lxml.etree import strip_elements, strip_tags  # type: ignore[import-untyped]

    bare = copy.deepcopy(body)
    strip_elements(bare, "graphic", with_tail=False)
    strip_tags(bare, "ref")  # a link's words stay, its target goes (not "[words](url)")
    return str(xmltotxt(bare, False)).strip()


def _page_facts(tree: Any, url: str) -> tuple[str, str, str]:
    """The page's language and direction (from ``<html>``/``<body>``) and the address its
    relative links are relative to (``<base href>`` when it is http(s))."""
    body = tree.find("body")
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip()[:35]
    direction = (tree.get("dir") or (body.get("dir") if body is not None else "") or "")
    direction = direction.strip().lower()
    base = url
    for element in tree.iter("base"):
        href = urljoin(url, (element.get("href") or "").strip())
        if urlsplit(href).scheme in ("http", "https"):
            base = href
        break
    return lang, direction if direction in ("ltr", "rtl") else "", base


def _inner_html(root: Any, base: str) -> str:
    """What is inside the converted ``<body>``, its links and images made absolute."""
    from lxml.html import tostring  # type: ignore[import-untyped]

    for element in root.iter("a", "img"):
        name = "href" if element.tag == "a" else "src"
        value = (element.get(name) or "").strip()
        if value:
            element.set(name, urljoin(base, value))
    body = root.find("body")
    if body is None:
        return ""
    head = body.text or ""
    return head + "".join(tostring(child, encoding="unicode") for child in body)


def _excerpt(text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    if len(first) <= EXCERPT:
        return first
    return first[:EXCERPT].rsplit(" ", 1)[0] + "…"


def _limit(memory: int, cpu: int) -> None:
    """Limit this process's address space and CPU time (where the system can)."""
    if sys.platform == "win32":
        return
    import resource

    for kind, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu)):
        if value > 0:
            _soft, hard = resource.getrlimit(kind)
            limit = value if hard == resource.RLIM_INFINITY else min(value, hard)
            with contextlib.suppress(ValueError, OSError):  # macOS refuses some limits
                resource.setrlimit(kind, (limit, hard))


def answer(request: Any, body: bytes) -> dict[str, Any]:
    """What the child writes for one request (see the module's text)."""
    if not isinstance(request, dict) or not isinstance(request.get("url"), str):
        return {"error": "the extraction got no valid request"}
    charset = request.get("charset") if isinstance(request.get("charset"), str) else None
    try:
        article = extract_article(body, request["url"], charset)
    except MemoryError:
        return {"error": "the page needs too much memory to extract"}
    except RecursionError:
        return {"error": "the page is nested too deeply to extract"}
    except Exception as exc:  # trafilatura or lxml failed on this page: it would again
        print(f"extraction of {request['url']!r} failed: {exc!r}", file=sys.stderr)
        return {"error": f"the extraction failed on this page ({type(exc).__name__})"}
    return {"article": article._asdict() if article is not None else None}


def main() -> int:
    from pocket_companion.nativehost.stdio import claim_protocol_pipes

    reader, writer = claim_protocol_pipes()
    import logging

    logging.disable(logging.WARNING)  # trafilatura's "discarding data" is not news here
    with open(reader.fileno(), "rb", closefd=False) as stream:
        try:
            request = json.loads(stream.readline() or b"null")
        except ValueError:
            request = None
        if isinstance(request, dict):
            _limit(int(request.get("memory") or 0), int(request.get("cpu") or 0))
        body = stream.read()
    try:
        line = json.dumps(answer(request, body), ensure_ascii=False).encode("utf-8")
    except MemoryError:
        line = b'{"error": "the page needs too much memory to extract"}'
    writer.write(line + b"\n")
    writer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
