"""The words the article parts share: a readable copy of a page, a page waiting for a
fetched copy, and how a fetch ended."""

from __future__ import annotations

from typing import NamedTuple


class Article(NamedTuple):
    """A readable copy: from Readability in the user's browser (a capture) or from
    trafilatura on a page the host fetched. ``html`` is sanitized before it is stored."""

    title: str
    byline: str
    site: str
    lang: str
    dir: str  # "ltr", "rtl" or ""
    excerpt: str
    html: str
    text: str
    words: int


class FetchJob(NamedTuple):
    """A saved page waiting for a fetched copy; ``attempts`` made so far."""

    item_id: int
    url: str
    attempts: int


class FetchOutcome(NamedTuple):
    """How a fetch ended: a copy, or an error and whether trying again could help."""

    article: Article | None
    error: str | None = None
    retry: bool = False
