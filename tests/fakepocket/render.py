"""JSON shapes of items: legacy /v3/add items (§3) and /v3/get items (§5.3).

Almost every scalar is a string; `sort_id` and `listen_duration_estimate` are integers.
"""

from __future__ import annotations

import time
from typing import Any

from .items import Item, digits_of, normalize_url, url_host

JsonDict = dict[str, Any]
NO_DATE = "0000-00-00 00:00:00"


def _date(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def add_shape(item: Item, now: int) -> JsonDict:
    """The `item` of a /v3/add answer, and an `add` result of /v3/send.

    The fake resolves instantly: resolved_id == item_id, resolved_url == given_url unless a
    merge made the item's URL resolve elsewhere (`PocketState.merge_url`).
    Tags are never echoed (§3).
    """
    domain_id = digits_of(url_host(item.given_url))
    resolved = item.resolved_url or item.given_url
    return {
        "item_id": item.item_id,
        "normal_url": item.normal_url,
        "resolved_id": item.item_id,
        "extended_item_id": item.item_id,
        "resolved_url": resolved,
        "domain_id": domain_id,
        "origin_domain_id": domain_id,
        "response_code": "200",
        "mime_type": "text/html",
        "content_length": "0",
        "encoding": "utf-8",
        "date_resolved": _date(now),
        "date_published": NO_DATE,
        "title": item.title,
        "excerpt": "",
        "word_count": "0",
        "innerdomain_redirect": "0",
        "login_required": "0",
        "has_image": "0",
        "has_video": "0",
        "is_index": "0",
        "is_article": "0",
        "used_fallback": "0",
        "lang": "",
        "time_first_parsed": "0",
        "authors": [],
        "images": [],
        "videos": [],
        "resolved_normal_url": normalize_url(resolved) or item.normal_url,
        "given_url": item.given_url,
    }


def unsaved_add_shape(url: str) -> JsonDict:
    """Answer for a URL without http(s) scheme: looks like a pending item, nothing is saved.

    Quirk §6.13 (legacy answered such adds without an error yet did not save them). The
    pending-item field values follow §3 ("0"/"", zero dates, null lang); item_id "0" is a
    fake choice since no item exists.
    """
    return {
        "item_id": "0",
        "normal_url": url,
        "resolved_id": "0",
        "resolved_url": "",
        "domain_id": "0",
        "origin_domain_id": "0",
        "response_code": "0",
        "mime_type": "",
        "content_length": "0",
        "encoding": "",
        "date_resolved": NO_DATE,
        "date_published": NO_DATE,
        "title": "",
        "excerpt": "",
        "word_count": "0",
        "has_image": "0",
        "has_video": "0",
        "is_index": "0",
        "is_article": "0",
        "lang": None,
        "time_first_parsed": None,
        "authors": [],
        "images": [],
        "videos": [],
        "given_url": url,
    }


def get_shape(item: Item, sort_id: int, complete: bool) -> JsonDict:
    """A /v3/get list entry; deleted items are stubs {"item_id", "status": "2"} (§5.3)."""
    if item.deleted:
        return {"item_id": item.item_id, "status": "2"}
    shape: JsonDict = {
        "item_id": item.item_id,
        "resolved_id": item.item_id,
        "given_url": item.given_url,
        "given_title": item.title,
        "favorite": "1" if item.favorite else "0",
        "status": str(item.status),
        "time_added": str(item.time_added),
        "time_updated": str(item.time_updated),
        "time_read": str(item.time_read),
        "time_favorited": str(item.time_favorited),
        "sort_id": sort_id,
        "resolved_title": item.title,
        "resolved_url": item.resolved_url or item.given_url,
        "excerpt": "",
        "is_article": "0",
        "is_index": "0",
        "has_video": "0",
        "has_image": "0",
        "word_count": "0",
        "lang": "",
        "listen_duration_estimate": 0,
    }
    if complete:  # legacy `simple` omitted tags and the media objects (§5.3)
        if item.tags:
            shape["tags"] = {t: {"item_id": item.item_id, "tag": t} for t in item.tags}
        shape.update(authors=[], images=[], videos=[])  # empty ones came as [] (quirk §6.1)
    return shape
