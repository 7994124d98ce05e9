"""The search field's language, parsed into terms and filters (no SQL is built here).

    word        every word must match, in the title, tags, site or URL; the last word
                also matches as a prefix, so results follow the typing
    "a phrase"  these words next to each other (an unclosed quote runs to the end)
    -word       leaves out what matches (also ``-"a phrase"`` and ``-tag:x``, ``-is:...``)
    tag:NAME    the exact tag (``tag:"two words"``)
    is:archived, is:unread, is:favorite (is:favourite, is:fav)
    site:example.org   that host and its subdomains (``www.`` and a scheme are ignored)

Any other ``name:value`` is a plain word, and so is ``is:`` with an unknown value. An
operator with nothing after its colon is ignored: it is still being typed. Matching is
case- and accent-insensitive (the index's tokenizer folds both). :mod:`.search` quotes
every term before it reaches FTS5, so no input is query syntax.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

MAX_QUERY_CHARS = 500
_IS = {"archived": "archived", "unread": "unread", "favorite": "favorite",
       "favourite": "favorite", "fav": "favorite"}
_OPERATOR = re.compile(r"(tag|is|site):", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_START = re.compile(r"\S")


class Term(NamedTuple):
    """Words to find next to each other; ``prefix``: the last one may continue."""

    text: str
    prefix: bool = False


class Filter(NamedTuple):
    kind: str  # "tag", "site" or "is"
    value: str
    negated: bool = False


class Query(NamedTuple):
    words: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    filters: tuple[Filter, ...] = ()


def _token_char(char: str) -> bool:
    """What FTS5's unicode61 tokenizer keeps in a token: letters, digits, private use."""
    return char.isalnum() or unicodedata.category(char) == "Co"


def searchable(text: str) -> str:
    """``text`` with what cannot be in a token and could upset a query string (double
    quotes, control characters) turned into spaces: the same tokens, always quotable."""
    return "".join(" " if char == '"' or unicodedata.category(char) == "Cc" else char
                   for char in text)


def has_words(text: str) -> bool:
    return any(map(_token_char, text))


def _read_value(text: str, pos: int) -> tuple[str, bool, int]:
    """The value at ``pos``: a quoted phrase or a bare word; (value, quoted, end)."""
    if text.startswith('"', pos):
        end = text.find('"', pos + 1)
        end = len(text) if end < 0 else end
        return text[pos + 1:end], True, end + 1
    match = _SPACE.search(text, pos)
    end = match.start() if match else len(text)
    return text[pos:end], False, end


def site_value(value: str) -> str:
    """A ``site:`` value as sites are stored: the lower-case ASCII host, no ``www.``."""
    host = value.strip().lower()
    host = host.partition("://")[2] or host
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    if host.startswith("["):  # an IPv6 address, stored without its brackets and port
        host = host[1:].partition("]")[0]
    else:
        host = host.partition(":")[0].rstrip(".")
    if not host.isascii():
        import idna  # as stored: the IDNA (punycode) form

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except UnicodeError:  # idna.IDNAError is one: no stored site is like it
            return host
    return host.removeprefix("www.")


def _filter(name: str, value: str, negated: bool) -> Filter | None:
    """The operator's filter, or None when ``name:value`` is a plain word after all."""
    if name == "is":
        status = _IS.get(value.lower())
        return Filter("is", status, negated) if status else None
    if name == "tag":
        return Filter("tag", " ".join(value.split()).lower(), negated)
    return Filter("site", site_value(value), negated)


class _Parts:
    def __init__(self) -> None:
        self.words: list[tuple[str, bool]] = []  # (text, quoted)
        self.excluded: list[Term] = []
        self.filters: list[Filter] = []

    def word(self, text: str, quoted: bool, negated: bool) -> None:
        if not has_words(text):
            return
        if negated:
            self.excluded.append(Term(searchable(text)))
        else:
            self.words.append((searchable(text), quoted))

    def query(self) -> Query:
        words = [Term(text) for text, _ in self.words]
        if self.words and not self.words[-1][1]:  # a bare last word: search as you type
            words[-1] = Term(words[-1].text, prefix=True)
        return Query(tuple(words), tuple(self.excluded), tuple(self.filters))


def parse(text: str) -> Query:
    """The query in ``text`` (any string: nothing in it is an error)."""
    parts = _Parts()
    pos = 0
    while (match := _START.search(text, pos)) is not None:
        pos = match.start()
        negated = text[pos] == "-" and pos + 1 < len(text) and not text[pos + 1].isspace()
        pos += negated
        operator = _OPERATOR.match(text, pos)
        start = operator.end() if operator else pos
        value, quoted, pos = _read_value(text, start)
        if operator is None:
            parts.word(value, quoted, negated)
            continue
        found = _filter(operator.group(1).lower(), value, negated) if value.strip() else None
        if found is not None:
            parts.filters.append(found)
        elif value.strip():
            parts.word(f"{operator.group(0)}{value}", quoted, negated)
    return parts.query()
