"""/v3/get: parameters, filters, sorting, paging and the legacy envelope (§5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .items import UNTAGGED, Item, clean_tag, parse_time, url_host
from .render import get_shape

JsonDict = dict[str, Any]
STATES: dict[str, int | None] = {"unread": 0, "queue": 0, "archive": 1, "read": 1, "all": None}
DETAIL_TYPES = ("simple", "complete")


def _site(url: str) -> str:
    """Sort key of `sort=site`: the URL without scheme and "www.", case-insensitive."""
    return url.split("://", 1)[-1].lower().removeprefix("www.")


SortKey = Callable[[Item], tuple[Any, ...]]
SORTS: dict[str, tuple[SortKey, bool]] = {  # name -> (key, reverse)
    "newest": (lambda i: i.sort_key, True),
    "oldest": (lambda i: i.sort_key, False),
    "title": (lambda i: (i.title.lower(), i.sort_key), False),
    "site": (lambda i: (_site(i.given_url), i.sort_key), False),
}


@dataclass
class Query:
    state: int | None = None
    favorite: bool | None = None
    tag: str | None = None
    search: str | None = None
    domain: str | None = None
    sort: str = "newest"
    complete: bool = False
    count: int | None = None
    offset: int = 0
    total: bool = False
    since: int | None = None


def _text(params: Mapping[str, object], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    return str(raw).strip()


def _flag(params: Mapping[str, object], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "" or isinstance(raw, bool):
        return raw if isinstance(raw, bool) else None
    text = str(raw).strip().lower()
    if text not in ("0", "1", "true", "false"):
        raise ValueError(f"invalid {name}")
    return text in ("1", "true")


def _number(params: Mapping[str, object], name: str, minimum: int) -> int | None:
    text = _text(params, name)
    if text is None:
        return None
    if not text.isdigit() or int(text) < minimum:
        raise ValueError(f"invalid {name}")
    return int(text)


def _choice(params: Mapping[str, object], name: str, allowed: Iterable[str], default: str) -> str:
    value = (_text(params, name) or default).lower()
    if value not in allowed:
        raise ValueError(f"invalid {name}")
    return value


def parse_query(params: Mapping[str, object]) -> Query:
    """Validate /v3/get parameters; ValueError -> the server answers 400/130.

    FAKE CHOICE: invalid enumerations are rejected (as the proxy did) instead of ignored, so
    client bugs show up in tests. `contentType` is accepted and ignored.
    """
    tag = _text(params, "tag")
    return Query(
        state=STATES[_choice(params, "state", STATES, "all")],
        favorite=_flag(params, "favorite"),
        tag=None if tag is None else (UNTAGGED if tag == UNTAGGED else clean_tag(tag)),
        search=_text(params, "search"),
        domain=_text(params, "domain"),
        sort=_choice(params, "sort", SORTS, "newest"),
        complete=_choice(params, "detailType", DETAIL_TYPES, "simple") == "complete",
        count=_number(params, "count", 1),
        offset=_number(params, "offset", 0) or 0,
        total=bool(_flag(params, "total")),
        since=parse_time(params.get("since")) or None,
    )


def _filters_ok(item: Item, q: Query) -> bool:
    if q.state is not None and item.status != q.state:
        return False
    if q.favorite is not None and item.favorite != q.favorite:
        return False
    if q.tag is not None and (bool(item.tags) if q.tag == UNTAGGED else q.tag not in item.tags):
        return False
    if q.search is not None:
        needle = q.search.lower()
        if needle not in item.title.lower() and needle not in item.given_url.lower():
            return False
    return q.domain is None or url_host(item.given_url) == q.domain.lower().removeprefix("www.")


def _matches(item: Item, q: Query) -> bool:
    # `since` keeps items modified at or after it (>=: a change in the same second is never
    # missed, at the price of being reported twice).
    if q.since is not None and item.time_updated < q.since:
        return False
    if item.deleted:
        return q.since is not None  # deleted stubs only appear in delta syncs
    return _filters_ok(item, q)


def run_query(items: Iterable[Item], q: Query, cap: int | None, now: int) -> JsonDict:
    """The legacy envelope; `list` is [] (an array!) and status 2 when nothing matches."""
    key, reverse = SORTS[q.sort]
    matched = sorted((i for i in items if _matches(i, q)), key=key, reverse=reverse)
    limit = q.count if cap is None else min(q.count or cap, cap)  # silent cap, quirk §6.11
    end = None if limit is None else q.offset + limit
    page = matched[q.offset : end]
    listing = {item.item_id: get_shape(item, n, q.complete) for n, item in enumerate(page)}
    envelope: JsonDict = {
        "status": 1 if page else 2,
        "complete": 0 if q.since else 1,
        "list": listing or [],
        "error": None,
        "search_meta": {"search_type": "normal"},
        "since": now,
    }
    if q.total:
        envelope["total"] = str(len(matched))
    return envelope
