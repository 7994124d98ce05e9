"""The parameters of ``list``, ``modify`` and ``modify_many``, and parts of their replies
(loaded with the store, when one of them first comes in; see PROTOCOL.md)."""

from __future__ import annotations

import json
from typing import Any

from pocket_companion.errors import CompanionError, InvalidParams
from pocket_companion.library.query import MAX_QUERY_CHARS, Filter, Query, parse
from pocket_companion.library.store import MODIFY_OPS, TAG_OPS, Store, Target
from pocket_companion.nativehost.params import Params, parse_tags

Data = dict[str, Any]
SORTS = ("newest", "oldest", "relevance")
TAGS_BUDGET = 900_000  # bytes of tags in a reply, well under the 1 MiB limit


def listing(p: Params) -> tuple[Query, str]:
    """The query of a ``list`` request, its other filters added, and the order asked for."""
    query = parse(p.text("query", max_chars=MAX_QUERY_CHARS) or "")
    extra: list[Filter] = []
    status = p.choice("status", ("unread", "archived", "all"), "all")
    if status != "all":
        extra.append(Filter("is", status))
    if p.flag("favorite"):
        extra.append(Filter("is", "favorite"))
    tag = p.text("tag", max_chars=1000)
    if tag is not None:
        names = parse_tags([tag], "tag")
        if not names:
            raise InvalidParams("'tag' must be a tag name")
        extra.append(Filter("tag", names[0]))
    query = query._replace(filters=(*query.filters, *extra))
    return query, p.choice("sort", SORTS, "relevance" if query.words else "newest")


def tag_list(counts: list[tuple[str, int]]) -> Data:
    """The ``tags`` reply: every tag by name; if they would not fit in a reply, the most
    used ones that do, and ``truncated``."""
    budget, kept = TAGS_BUDGET, set()
    for name, _ in sorted(counts, key=lambda pair: -pair[1]):
        budget -= len(json.dumps(name)) + 32
        if budget < 0:
            break
        kept.add(name)
    reply: Data = {"tags": [{"name": name, "count": count}
                            for name, count in counts if name in kept]}
    if len(kept) < len(counts):
        reply["truncated"] = True
    return reply


def the_op(p: Params, *, tags_replace_needs_tags: bool) -> tuple[str, list[str]]:
    """A change's ``op`` and the ``tags`` it needs."""
    op = p.choice("op", MODIFY_OPS)
    tags = p.tags() if op in TAG_OPS else []
    if op in ("tags_add", "tags_remove") and not tags:
        raise InvalidParams(f"'{op}' needs a non-empty 'tags' list")
    if op == "tags_replace" and tags_replace_needs_tags and not p.has("tags"):
        raise InvalidParams("'tags_replace' needs a 'tags' list (an empty one clears the tags)")
    return op, tags


def target(url: object) -> Target:
    """The page a URL names, by the rules of a save (raises InvalidUrl)."""
    from pocket_companion.library.urls import clean

    return "key", clean(url)[1]


def url_list(p: Params, most: int, most_bytes: int) -> list[str]:
    urls = p.required("urls")
    if not (isinstance(urls, list) and 1 <= len(urls) <= most
            and all(isinstance(url, str) for url in urls)):
        raise InvalidParams(f"'urls' must be a list of 1 to {most} strings")
    if sum(map(len, urls)) > most_bytes:
        raise InvalidParams(f"the URLs exceed {most_bytes // 1024} KiB together: send them in "
                            "smaller batches")
    return urls


def changed_urls(store: Store, urls: list[str], op: str, tags: list[str]) -> list[Data]:
    """Apply ``op`` to every page that can be changed (one transaction); one result per
    URL, in order: ``ok``, or the error that kept that page from being changed."""
    checked: list[Target | CompanionError] = []
    for url in urls:
        try:
            checked.append(target(url))
        except CompanionError as exc:
            checked.append(exc)
    outcomes = iter(store.change([t for t in checked if not isinstance(t, CompanionError)],
                                 op, tags))
    results: list[Data] = []
    for url, checked_url in zip(urls, checked, strict=True):
        outcome = checked_url if isinstance(checked_url, CompanionError) else next(outcomes)
        results.append({"url": url, "ok": True} if isinstance(outcome, int) else
                       {"url": url, "ok": False, "error": outcome.to_dict()})
    return results
