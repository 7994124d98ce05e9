"""The protocol's article actions (see PROTOCOL.md): ``capture``, ``article``,
``article_progress`` and ``preferences``, loaded when one of them first comes in.

``article`` sends a copy's HTML in parts, each at most :data:`PART_BYTES` long as it
travels (JSON-escaped, which is never shorter than its UTF-8), so that a reply stays well
under the browsers' 1 MiB limit whatever the script of the text: a part is cut where the
escaped text has :data:`PART_BYTES`, never inside an escape or between the two halves of a
character outside the BMP, and every request cuts the same copy the same way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pocket_companion.errors import InvalidParams, NotFound

if TYPE_CHECKING:
    from pocket_companion.actions import Context
    from pocket_companion.core import Companion
    from pocket_companion.library.items import Item
    from pocket_companion.nativehost.params import Params

Data = dict[str, Any]
PART_BYTES = 512 * 1024
_HIGH_SURROGATES = tuple(f"\\ud{digit}" for digit in "89ab")


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def capture(c: Companion, p: Params, ctx: Context) -> Data:
    """A readable copy from the user's browser, for a page just saved."""
    from pocket_companion.articles.capture import article_of
    from pocket_companion.articles.sanitize import sanitize
    from pocket_companion.library.articles import CAPTURE

    if "article" not in p.raw:
        raise InvalidParams("'article' is required (null when the page has no article)")
    article = article_of(p.raw["article"])
    item = c.lookup(p.required("url"))
    if item is None:
        raise NotFound("that page is not in the reading list: save it before its copy")
    if article is None or not article.text.strip():
        c.articles.no_article(item.id)
        return {"item_id": item.id, "stored": False,
                "reason": "no_article" if article is None else "empty"}
    c.articles.store(item.id, article._replace(html=sanitize(article.html, item.url)), CAPTURE)
    return {"item_id": item.id, "stored": True, "words": article.words}


def _item_id(p: Params) -> int:
    """A page's local number (``capture`` and ``article`` give it; not the server's id)."""
    p.required("item_id")
    return p.integer("item_id", 0, 1, 2**63 - 1)


def _item(c: Companion, p: Params) -> Item:
    """The live page a request names by ``url`` or by ``item_id`` (its local number)."""
    if p.has("url") == p.has("item_id"):
        raise InvalidParams("give exactly one of 'url' and 'item_id'")
    if p.has("url"):
        item = c.lookup(p.required("url"))
    else:
        found = c.store.get([_item_id(p)])
        item = found[0] if found and found[0].deleted_at is None else None
    if item is None:
        raise NotFound("that page is not in the reading list")
    return item


def article(c: Companion, p: Params, ctx: Context) -> Data:
    """A page's readable copy, one part of its HTML at a time."""
    item = _item(c, p)
    copy = c.articles.read(item.id)
    if copy is None:
        raise NotFound("that page has no readable copy")
    escaped = json.dumps(copy.article.html)[1:-1]
    cuts = json_cuts(escaped, PART_BYTES)
    parts = len(cuts) - 1
    part = p.integer("part", 0, 0, 10**6)
    if part >= parts:
        raise InvalidParams(f"'part' must be below {parts}: the copy has {parts} part(s)")
    found = copy.article
    html: str = json.loads(f'"{escaped[cuts[part]:cuts[part + 1]]}"')
    return {"item_id": item.id, "url": item.url, "title": found.title or item.title,
            "byline": found.byline, "site": found.site or item.site, "lang": found.lang,
            "dir": found.dir, "excerpt": found.excerpt, "words": found.words,
            "source": copy.source, "stored_at": _iso(copy.stored_at),
            "saved_at": _iso(item.saved_at), "status": item.status, "favorite": item.favorite,
            "tags": list(item.tags), "progress": copy.progress, "images": copy.images,
            "parts": parts, "part": part, "html": html}


def json_cuts(escaped: str, budget: int) -> list[int]:
    """Where parts of ``escaped`` (the inside of a JSON string as :func:`json.dumps` writes
    it, all ASCII) of at most ``budget`` characters begin, and its end."""
    cuts = [0]
    while len(escaped) - cuts[-1] > budget:
        cuts.append(json_cut(escaped, cuts[-1] + budget))
    return [*cuts, len(escaped)]


def _escape_start(escaped: str, at: int) -> bool:
    """Whether the backslash at ``at`` begins an escape: in a run of backslashes, every
    other one does, from the run's first (the character before a run ends a token)."""
    first = at
    while first > 0 and escaped[first - 1] == "\\":
        first -= 1
    return (at - first) % 2 == 0


def json_cut(escaped: str, end: int) -> int:
    """``end`` (at most ``len(escaped)``), or the start of the escape (or surrogate pair)
    a cut there would split: ``escaped[:cut]`` is whole escaped text."""
    for at in range(end - 1, max(end - 6, 0) - 1, -1):
        if escaped[at] == "\\" and _escape_start(escaped, at):
            if end < at + (6 if escaped[at + 1] == "u" else 2):
                end = at
            break
    if (end >= 6 and escaped.startswith(_HIGH_SURROGATES, end - 6)
            and _escape_start(escaped, end - 6)):
        end -= 6
    return end


def article_progress(c: Companion, p: Params, ctx: Context) -> Data:
    """How far the reader got in a page's copy (0 to 1), and whether its images are shown
    (the person's choice for this page)."""
    value = p.raw.get("progress")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or not 0 <= value <= 1):  # NaN and huge numbers too
        raise InvalidParams("'progress' must be a number from 0 to 1")
    images = p.flag("images") if p.has("images") else None
    if value is None and images is None:
        raise InvalidParams("give 'progress', 'images' or both")
    kept = c.articles.set_progress(_item_id(p), None if value is None else float(value),
                                   images)
    if kept is None:
        raise NotFound("that page has no readable copy")
    return {"progress": kept[0], "images": kept[1]}


def preferences(c: Companion, p: Params, ctx: Context) -> Data:
    """The person's preferences: changed as given (null: left as it is), returned whole."""
    from pocket_companion.preferences import PREFERENCES

    changes: dict[str, object] = {}
    for name, (_, values) in PREFERENCES.items():
        if not p.has(name):
            continue
        if isinstance(values, range):
            changes[name] = p.integer(name, 0, values.start, values.stop - 1)
        elif isinstance(values, tuple):
            changes[name] = p.choice(name, values)
        else:
            changes[name] = p.flag(name)
    return c.set_preferences(**changes) if changes else c.preferences()
