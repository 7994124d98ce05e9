"""/v3/send actions, processed in order; a failing action never aborts the batch (§4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .items import (
    STATUS_ARCHIVED,
    STATUS_UNREAD,
    Item,
    UserItems,
    clean_tag,
    parse_item_id,
    parse_tags,
    parse_time,
)

JsonDict = dict[str, Any]


class ActionFailed(Exception):
    """A per-action failure: reported as false + an error object, the batch goes on."""


def action_error(message: str) -> JsonDict:
    """Error object shape of the proxy (legacy shape unknown, §4)."""
    return {"message": message, "type": "Bad request", "code": 130}


@dataclass
class SendContext:
    """What the actions need from the server state."""

    items: UserItems
    now: int
    save: Callable[[str, str, list[str], int | None], JsonDict]  # url, title, tags, time
    url_for: Callable[[str], str | None]  # item_id -> the URL first saved under it
    id_of: Callable[[str], str | None]  # URL -> item_id it is saved under (merges followed)


Handler = Callable[[JsonDict, SendContext, int | None], object]
Mutator = Callable[[Item, list[str], int], None]


def run_actions(
    actions: list[object], ctx: SendContext
) -> tuple[list[object], list[JsonDict | None]]:
    """Run every action; returns (action_results, action_errors)."""
    results: list[object] = []
    errors: list[JsonDict | None] = []
    for raw in actions:
        result, error = _run_one(raw, ctx)
        results.append(result)
        errors.append(error)
    return results, errors


def _run_one(raw: object, ctx: SendContext) -> tuple[object, JsonDict | None]:
    if not isinstance(raw, dict):
        return False, action_error("Invalid Action: ''")
    name = raw.get("action")
    handler = HANDLERS.get(name) if isinstance(name, str) else None
    if handler is None:
        return False, action_error(f"Invalid Action: '{'' if name is None else name}'")
    try:
        when = parse_time(raw.get("time"))
    except ValueError:
        return False, action_error("Invalid time")
    try:
        return handler(raw, ctx, when), None
    except ActionFailed as exc:
        return False, action_error(str(exc))


def _find(action: JsonDict, ctx: SendContext, include_deleted: bool) -> Item | None:
    """The targeted item, by item_id (string or number) or by url; None if not in the list."""
    try:
        item_id = parse_item_id(action.get("item_id"))
    except ValueError as exc:
        raise ActionFailed("Invalid item_id") from exc
    if item_id is not None:
        return ctx.items.get(item_id, include_deleted=include_deleted)
    url = action.get("url")
    if not isinstance(url, str) or not url:
        raise ActionFailed("Missing item_id")
    found = ctx.id_of(url)
    return None if found is None else ctx.items.get(found, include_deleted=include_deleted)


def _tags_param(action: JsonDict) -> list[str]:
    if action.get("tags") is None:
        raise ActionFailed("Missing tags")
    tags = parse_tags(action.get("tags"))
    if tags is None:
        raise ActionFailed("Invalid tags")
    return tags


def _tag_param(action: JsonDict, name: str) -> str:
    raw = action.get(name)
    tag = clean_tag(raw) if isinstance(raw, str) else ""
    if not tag:
        raise ActionFailed(f"Missing {name}")
    return tag


def _item_action(mutate: Mutator, *, needs_tags: bool = False, undelete: bool = False) -> Handler:
    def handler(action: JsonDict, ctx: SendContext, when: int | None) -> object:
        tags = _tags_param(action) if needs_tags else []
        item = _find(action, ctx, include_deleted=undelete)
        if item is None:
            # Quirk §6.4: legacy reported success for items that are not in the list.
            return True
        mutate(item, tags, ctx.now if when is None else when)
        item.time_updated = ctx.now
        return True

    return handler


def _archive(item: Item, _tags: list[str], when: int) -> None:
    item.status, item.time_read = STATUS_ARCHIVED, when


def _readd(item: Item, _tags: list[str], _when: int) -> None:
    item.status, item.time_read = STATUS_UNREAD, 0


def _favorite(item: Item, _tags: list[str], when: int) -> None:
    item.favorite, item.time_favorited = True, when


def _unfavorite(item: Item, _tags: list[str], _when: int) -> None:
    item.favorite, item.time_favorited = False, 0


def _delete(item: Item, _tags: list[str], _when: int) -> None:
    item.mark_deleted()


def _tags_add(item: Item, tags: list[str], _when: int) -> None:
    item.tags.extend(t for t in tags if t not in item.tags)


def _tags_remove(item: Item, tags: list[str], _when: int) -> None:
    item.tags = [t for t in item.tags if t not in tags]


def _tags_replace(item: Item, tags: list[str], _when: int) -> None:
    item.tags = list(tags)


def _tags_clear(item: Item, _tags: list[str], _when: int) -> None:
    item.tags = []


def _tag_rename(action: JsonDict, ctx: SendContext, _when: int | None) -> object:
    old, new = _tag_param(action, "old_tag"), _tag_param(action, "new_tag")
    for item in ctx.items:
        if not item.deleted and old in item.tags:
            renamed = [new if t == old else t for t in item.tags]
            item.tags = list(dict.fromkeys(renamed))
            item.time_updated = ctx.now
    return True


def _tag_delete(action: JsonDict, ctx: SendContext, _when: int | None) -> object:
    tag = _tag_param(action, "tag")
    for item in ctx.items:
        if not item.deleted and tag in item.tags:
            item.tags = [t for t in item.tags if t != tag]
            item.time_updated = ctx.now
    return True


def _add(action: JsonDict, ctx: SendContext, when: int | None) -> object:
    """Result is the item object itself, not wrapped (§4, quirk §6.5)."""
    tags = parse_tags(action.get("tags"))
    if tags is None:
        raise ActionFailed("Invalid tags")
    title = action.get("title")
    url = action.get("url")
    if not isinstance(url, str) or not url:
        try:
            item_id = parse_item_id(action.get("item_id"))
        except ValueError as exc:
            raise ActionFailed("Invalid item_id") from exc
        url = ctx.url_for(item_id) if item_id is not None else None
        if url is None:
            raise ActionFailed("Missing url")
    return ctx.save(url, title if isinstance(title, str) else "", tags, when)


HANDLERS: dict[str, Handler] = {
    "add": _add,
    "archive": _item_action(_archive),
    "readd": _item_action(_readd, undelete=True),
    "favorite": _item_action(_favorite),
    "unfavorite": _item_action(_unfavorite),
    "delete": _item_action(_delete),
    "tags_add": _item_action(_tags_add, needs_tags=True),
    "tags_remove": _item_action(_tags_remove, needs_tags=True),
    "tags_replace": _item_action(_tags_replace, needs_tags=True),
    "tags_clear": _item_action(_tags_clear),
    "tag_rename": _tag_rename,
    "tag_delete": _tag_delete,
}
