"""A capture's ``article`` checked and made into an :class:`~.model.Article`.

The extension runs Readability on the page the user saved and sends what it found; the
host trusts none of it. Types and sizes are checked (``html`` at most :data:`MAX_HTML`
bytes of UTF-8, ``text`` at most :data:`MAX_TEXT`); the short fields are put on one line
as titles are (control and bidi-override characters dropped) and cut to their limits; a
language tag or a direction that is not one is dropped. The text keeps its line breaks and
tabs but loses every other control character, so that nothing in it can pass for the
markers search snippets use (``\\x02``, ``\\x03``) or reach a terminal. The HTML is not
cleaned here: :mod:`.sanitize` does that before it is stored.
"""

from __future__ import annotations

import re

from pocket_companion.articles.model import Article
from pocket_companion.errors import InvalidParams
from pocket_companion.nativehost.params import MAX_TITLE_CHARS, Params

MAX_HTML = 8 * 1024 * 1024
MAX_TEXT = 4 * 1024 * 1024
MAX_WORDS = 10_000_000
FIELDS = ("title", "byline", "site", "lang", "dir", "excerpt", "html", "text", "words")
_LINES = {"title": MAX_TITLE_CHARS, "byline": 500, "site": 500, "excerpt": 2000}  # kept
_LANG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
# C0 controls but tab and newline, DEL and the C1 controls go; a carriage return ends a line.
_TEXT_CONTROLS = {point: None for point in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                                            *range(0x7F, 0xA0))} | {0x0D: "\n"}


def _sized(p: Params, name: str, most: int) -> str:
    """A required string of at most ``most`` bytes of UTF-8."""
    value = p.raw.get(name)
    if not isinstance(value, str):
        raise InvalidParams(f"'article.{name}' must be a string")
    if len(value) > most or len(value.encode("utf-8", "surrogatepass")) > most:
        raise InvalidParams(f"'article.{name}' is larger than {most // 2**20} MiB")
    return p.text(name, max_chars=most) or ""


def _short(p: Params, name: str) -> str:
    """An optional short field: a string, or null or missing (empty)."""
    value = p.raw.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidParams(f"'article.{name}' must be a string or null")
    return (p.text(name, max_chars=len(value)) or "") if value else ""


def _words(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WORDS:
        raise InvalidParams(f"'article.words' must be an integer from 0 to {MAX_WORDS}")
    return value


def article_of(raw: object) -> Article | None:
    """The article of a ``capture`` request, tidied (None: Readability found none)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidParams("'article' must be an object or null")
    p = Params(raw, FIELDS)
    return tidy(Article(
        title=_short(p, "title"), byline=_short(p, "byline"), site=_short(p, "site"),
        lang=_short(p, "lang"), dir=_short(p, "dir"), excerpt=_short(p, "excerpt"),
        html=_sized(p, "html", MAX_HTML), text=_sized(p, "text", MAX_TEXT),
        words=_words(raw.get("words"))))


def _line(value: str, most: int) -> str:
    """A short field on one line, as titles are stored, cut to ``most`` characters."""
    return Params({"title": value[:MAX_TITLE_CHARS]}, ("title",)).title()[:most]


def tidy(article: Article) -> Article:
    """An article as it is stored, from a capture or a fetch: the short fields on one line
    and cut, a language tag and a direction only when they are one, the text without
    control characters but line breaks and tabs (the HTML is for :mod:`.sanitize`)."""
    short = {name: _line(getattr(article, name), most) for name, most in _LINES.items()}
    lang, direction = _line(article.lang, 64), article.dir.strip().lower()
    return article._replace(
        **short, lang=lang if _LANG.fullmatch(lang) else "",
        dir=direction if direction in ("ltr", "rtl") else "", words=max(0, article.words),
        text=article.text.replace("\r\n", "\n").translate(_TEXT_CONTROLS))
