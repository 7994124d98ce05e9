"""One small function per protocol action (documented in PROTOCOL.md).

A handler checks its params, does the local part at once and returns either
the reply's data or a :class:`Later`: the network part, which the host runs on
its network thread. So a save is committed (and visible to ``lookup``) before
any network call, and the reply still tells whether it reached the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pocket_companion.errors import CompanionError, InvalidParams, RateLimited, ServiceUnavailable
from pocket_companion.logs import register_secret
from pocket_companion.nativehost.caller import Caller
from pocket_companion.nativehost.params import Params
from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:  # the store (and sqlite3) loads when a handler first needs it
    from typing import Any

    from pocket_companion.core import Companion, SaveOutcome
    from pocket_companion.library.store import Item, NewItem

    Data = dict[str, Any]

MAX_BATCH = 1000
MAX_BATCH_URL_BYTES = 512 * 1024
LIST_BUDGET = 900_000  # bytes of items per list page, well under the 1 MiB reply limit


class Later(Record):
    run: Callable[[], Data]


class Context(Record):
    caller: Caller
    progress: Callable[[str, Data], None]
    cancel: threading.Event
    cancel_logins: Callable[[], int]


Handler = Callable[["Companion", Params, Context], "Data | Later"]


class Action(Record):
    handler: Handler
    params: frozenset[str] = frozenset()
    # "inline": runs on the reader thread (a returned Later runs on the network thread);
    # "network": runs wholly on the network thread; "login": runs on a thread of its own.
    kind: str = "inline"


def _warning(error: CompanionError | None) -> Data:
    return {"warning": error.to_dict()} if error else {}


def _brief(item: Item) -> Data:
    data: Data = {"state": item.state, "url": item.url, "status": item.status}
    if item.remote_id:
        data["item_id"] = item.remote_id
    return data


def _briefs(entries: list[NewItem], ids: list[int], items: list[Item]) -> list[Data]:
    """Each saved page as it stands; one deleted before the reply is reported as saved."""
    found = {item.id: item for item in items}
    return [_brief(found[item_id]) if item_id in found else {"state": "pending", "url": entry.url}
            for entry, item_id in zip(entries, ids, strict=True)]


def _entries(raws: list[Any], *, keep_title: bool = False, keep_archived: bool = False
             ) -> list[NewItem | CompanionError]:
    """Each raw item checked: the entry to save, or why it cannot be saved."""
    from pocket_companion.library.store import NewItem
    from pocket_companion.library.urls import clean  # urllib.parse loads only when a URL comes in

    checked: list[NewItem | CompanionError] = []
    for raw in raws:
        try:
            if not isinstance(raw, dict):
                raise InvalidParams("each item must be an object {url, title?, tags?}")
            params = Params(raw, ("url", "title", "tags"))
            url, key = clean(params.required("url"))
            title = params.title() if "title" in raw else ""  # most come without
            tags = tuple(params.tags()) if "tags" in raw else ()
            checked.append(NewItem(url, title, tags, key, keep_title, keep_archived))
        except CompanionError as exc:
            checked.append(exc)
    return checked


def _results(results: list[Data | None], entries: list[NewItem], ids: list[int],
             items: list[Item]) -> list[Data]:
    """A batch's results in order: the errors as checked, the saved pages as they stand."""
    saved = iter(_briefs(entries, ids, items))
    return [result if result is not None else next(saved) for result in results]


def _why_waiting(c: Companion, outcome: SaveOutcome) -> CompanionError | None:
    """Why saved pages still wait: the sync's failure, else the pause on syncs after saves
    that follows a failure or a rate limit (that sync was not even tried)."""
    if outcome.warning or not any(item.pending for item in outcome.items):
        return outcome.warning
    held, reason = c.syncer.held_for()
    if not held or not c.config.load().username:
        return None
    if reason == "rate_limited":
        return RateLimited(f"the server asked to slow down; syncing resumes in {held:.0f} s",
                           held)
    return ServiceUnavailable("the server could not be reached a moment ago; trying again in "
                              f"{held:.0f} s", sent=False)


def hello(c: Companion, p: Params, ctx: Context) -> Data:
    return {**c.hello(), "capabilities": sorted(ACTIONS), "caller": ctx.caller.to_dict()}


def status(c: Companion, p: Params, ctx: Context) -> Data:
    return c.status()


def save(c: Companion, p: Params, ctx: Context) -> Later:
    fields = {name: value for name, value in p.raw.items()
              if name not in ("keep_title", "capture")}
    [entry] = _entries([fields], keep_title=p.flag("keep_title"))
    capture = p.flag("capture")  # the browser sends a readable copy next
    if isinstance(entry, CompanionError):
        raise entry
    entries = [entry]
    ids = c.commit(entries, capture_may_come=capture)
    ctx.progress("kept", _briefs(entries, ids, c.store.get(ids))[0])  # before any network

    def finish() -> Data:
        outcome = c.push_saved(ids)
        return {**_briefs(entries, ids, outcome.items)[0],
                **_warning(_why_waiting(c, outcome))}

    return Later(finish)


def _batch(p: Params) -> list[Any]:
    raw = p.required("items")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCH:
        raise InvalidParams(f"'items' must be a list of 1 to {MAX_BATCH} items")
    size = sum(len(str(item.get("url", ""))) for item in raw if isinstance(item, dict))
    if size > MAX_BATCH_URL_BYTES:
        raise InvalidParams("the batch's URLs exceed 512 KiB: send it in smaller batches")
    return raw


def save_many(c: Companion, p: Params, ctx: Context) -> Later:
    checked = _entries(_batch(p), keep_archived=True)  # saving tabs is not reading them again
    results = [{"error": e.to_dict()} if isinstance(e, CompanionError) else None for e in checked]
    entries = [e for e in checked if not isinstance(e, CompanionError)]
    ids = c.commit(entries)
    ctx.progress("kept", {"results": _results(results, entries, ids, c.store.get(ids))})

    def finish() -> Data:
        outcome = c.push_saved(ids)
        return {"results": _results(results, entries, ids, outcome.items),
                **_warning(_why_waiting(c, outcome))}

    return Later(finish)


def lookup(c: Companion, p: Params, ctx: Context) -> Data:
    item = c.lookup(p.required("url"))
    if item is None:
        return {"saved": False}
    return {"saved": True, **item.to_dict(), "article": c.articles.states([item.id]).get(item.id)}


def list_items(c: Companion, p: Params, ctx: Context) -> Data:
    from pocket_companion.library.listing import listing

    limit = p.integer("limit", 50, 1, 1000)
    offset = p.integer("offset", 0, 0, 10**9)
    query, sort = listing(p)
    items, total = c.store.page(limit, offset, query, sort)
    ids = [item.id for item in items]
    states = c.articles.states(ids)
    snippets = c.articles.snippets(query, [i for i in ids if states.get(i) == "stored"])
    page: list[Data] = []
    budget = LIST_BUDGET
    for item in items:
        data = {**item.to_dict(), "article": states.get(item.id)}
        if item.id in snippets:
            data["snippet"] = snippets[item.id]
        budget -= len(str(data)) + 2 * len(item.url) + 64  # generous: escapes and quoting
        budget -= 5 * len(snippets.get(item.id, ""))  # non-ASCII letters are escaped
        if budget < 0 and page:
            break
        page.append(data)
    reply: Data = {"items": page, "total": total}
    if offset + len(page) < total:
        reply["next_offset"] = offset + len(page)
    return reply


def tags(c: Companion, p: Params, ctx: Context) -> Data:
    from pocket_companion.library.listing import tag_list

    return tag_list(c.store.tags())


def sync(c: Companion, p: Params, ctx: Context) -> Data:
    synced, pending, pulled = c.sync()
    return {"synced": synced, "pending": pending, "pulled": pulled}


def login(c: Companion, p: Params, ctx: Context) -> Data:
    fields = p.texts("fields")
    legacy = p.text("consumer_key", max_chars=100)  # before services had fields
    if legacy and "consumer_key" not in fields:
        fields["consumer_key"] = legacy
    secrets = p.texts("secrets", max_chars=4096)
    for value in secrets.values():
        register_secret(value)  # never in a log line, whatever fails next
    return c.login(service=p.text("service", max_chars=40),
                   server=p.text("server", max_chars=8192), fields=fields, secrets=secrets,
                   timeout=p.integer("timeout", 300, 1, 3600),
                   show_in=p.choice("show_in", ("window", "browser", "device"), "window"),
                   cancel=ctx.cancel, progress=ctx.progress)


def login_cancel(c: Companion, p: Params, ctx: Context) -> Data:
    return {"cancelled": ctx.cancel_logins()}


def logout(c: Companion, p: Params, ctx: Context) -> Data:
    c.logout()
    return {}


def modify(c: Companion, p: Params, ctx: Context) -> Later:
    from pocket_companion.library.listing import target, the_op

    op, tags = the_op(p, tags_replace_needs_tags=False)
    if p.has("url") == p.has("item_id"):
        raise InvalidParams("give exactly one of 'url' and 'item_id'")
    url = p.raw.get("url")
    [outcome] = c.store.change([target(url) if url is not None
                                else ("remote_id", p.text("item_id") or "")], op, tags)
    if isinstance(outcome, CompanionError):
        raise outcome

    def finish() -> Data:
        warning = c.sync_quietly()
        fresh = c.store.get([outcome]) if op != "delete" else []
        return {"item": fresh[0].to_dict() if fresh else None, **_warning(warning)}

    return Later(finish)


def modify_many(c: Companion, p: Params, ctx: Context) -> Later:
    from pocket_companion.library.listing import changed_urls, the_op, url_list

    op, tags = the_op(p, tags_replace_needs_tags=True)
    urls = url_list(p, MAX_BATCH, MAX_BATCH_URL_BYTES)
    results = changed_urls(c.store, urls, op, tags)

    def finish() -> Data:
        warning = c.sync_quietly()
        return {"results": results, "applied": sum(r["ok"] for r in results),
                **_warning(warning)}

    return Later(finish)


def _transfer(name: str) -> Handler:
    """An import or export handler of :mod:`.transfer`, loaded when first asked for."""

    def handler(c: Companion, p: Params, ctx: Context) -> Data:
        from pocket_companion import transfer

        result: Data = getattr(transfer, name)(c, p, ctx)
        return result

    return handler


def _article(name: str) -> Handler:
    """A handler of :mod:`.articles.actions` (readable copies), loaded when first asked for."""

    def handler(c: Companion, p: Params, ctx: Context) -> Data:
        from pocket_companion.articles import actions

        result: Data = getattr(actions, name)(c, p, ctx)
        return result

    return handler


ACTIONS: dict[str, Action] = {
    "hello": Action(hello),
    "status": Action(status),
    "save": Action(save, frozenset({"url", "title", "tags", "keep_title", "capture"})),
    "save_many": Action(save_many, frozenset({"items"})),
    "lookup": Action(lookup, frozenset({"url"})),
    "list": Action(list_items, frozenset({"limit", "offset", "status", "favorite", "tag",
                                          "query", "sort"})),
    "tags": Action(tags),
    "sync": Action(sync, kind="network"),
    "login": Action(login, frozenset({"service", "server", "fields", "secrets", "consumer_key",
                                      "timeout", "show_in"}), "login"),
    "login_cancel": Action(login_cancel),
    "logout": Action(logout),
    "modify": Action(modify, frozenset({"url", "item_id", "op", "tags"})),
    "modify_many": Action(modify_many, frozenset({"urls", "op", "tags"})),
    "import_begin": Action(_transfer("import_begin"), frozenset({"name", "size"})),
    "import_chunk": Action(_transfer("import_chunk"), frozenset({"upload", "offset", "data"})),
    "import_finish": Action(_transfer("import_finish"), frozenset({"upload", "dry_run"}),
                            "network"),
    "export": Action(_transfer("export"), frozenset({"format", "after", "query", "tag",
                                                     "favorite", "status", "sort", "with_text"})),
    "capture": Action(_article("capture"), frozenset({"url", "article"})),
    "article": Action(_article("article"), frozenset({"url", "item_id", "part"})),
    "article_progress": Action(_article("article_progress"),
                               frozenset({"item_id", "progress", "images"})),
    "preferences": Action(_article("preferences"), frozenset({  # preferences.PREFERENCES
        "fetch_articles", "reader_images", "reader_theme", "reader_size"})),
}
