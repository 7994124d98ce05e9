"""Readeck as a :class:`~pocket_companion.services.base.ReadingService`, with its logins
(:mod:`.oauth`).

Pushes send one request per change (:func:`~pocket_companion.services.each.push_each`;
Readeck has no batch call): a save is ``POST /api/bookmarks``, every other change a ``PATCH``
of the bookmark's fields (``is_archived``, ``is_marked``, ``labels``, ``add_labels``,
``remove_labels``) or a ``DELETE`` (a bookmark already gone counts as deleted).

Readeck keeps a second copy of a URL saved twice, so :meth:`ReadeckService.find_saved`
really looks: the bookmarks created in the days since a little before the first uncertain
send (``range_start``, on the creation time), newest first, matched by lookup key (Readeck
stores the URL without its ``#fragment``, which the key leaves out too).

Pulls read Readeck's change log, ``/api/bookmarks/sync?since=`` (Readeck 0.20 and later):
the ids updated or deleted since a time, then the updated bookmarks by id, 50 a request.
Its times are the server's own; a ``since`` is compared to the second (SQLite), so the
cursor keeps the newest time it saw and the ids changed at exactly that time, and what the
log repeats is left out. A server without the log is listed whole: what changed since the
cursor comes, and the ``known`` ids it no longer lists are reported deleted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from pocket_companion.library.urls import key_of
from pocket_companion.services.base import (
    Change,
    ChangeResult,
    Credentials,
    DeviceCode,
    Grant,
    LoginTicket,
    PullPage,
    RemoteItem,
)
from pocket_companion.services.each import push_each
from pocket_companion.services.http import SessionFactory, default_session
from pocket_companion.services.readeck.client import PAGE, Page, ReadeckClient, is_uid
from pocket_companion.services.readeck.oauth import ReadeckLogins
from pocket_companion.services.values import iso_seconds, text_of

if TYPE_CHECKING:
    from pocket_companion.config import Settings

BY_ID = 50  # bookmarks asked for by id in one request (the URL stays short)
MAX_PAGES = 10_000
LOOKUP_SLACK = 600.0  # seconds before the first uncertain send that a look-up covers
_FLAGS: dict[str, dict[str, Any]] = {
    "archive": {"is_archived": True}, "readd": {"is_archived": False},
    "favorite": {"is_marked": True}, "unfavorite": {"is_marked": False},
    "tags_clear": {"labels": []},
}
_LABELS = {"tags_add": "add_labels", "tags_remove": "remove_labels", "tags_replace": "labels"}


def parse_time(value: Any) -> float | None:
    """Unix seconds of a time as Readeck writes it (RFC 3339, nanoseconds cut to micro)."""
    return iso_seconds(value.strip() if isinstance(value, str) else None)


def remote_item(raw: Mapping[str, Any]) -> RemoteItem | None:
    """A bookmark of a list; None for one that says nothing usable. A bookmark still being
    extracted (``"loaded": false``) may have no title yet: it comes with its URL."""
    uid, url = raw.get("id"), raw.get("url")
    if not isinstance(uid, str) or not uid:
        return None
    url = url if isinstance(url, str) else ""
    if raw.get("is_deleted") is True:  # its deletion is scheduled
        return RemoteItem(uid, url, "deleted")
    if not url:
        return None
    labels = raw.get("labels")
    return RemoteItem(
        remote_id=uid, url=url, status="archived" if raw.get("is_archived") is True else "unread",
        title=text_of(raw, "title"),
        favorite=raw.get("is_marked") is True,
        tags=tuple(x for x in labels if isinstance(x, str) and x)
        if isinstance(labels, list) else None,
        time_added=parse_time(raw.get("created")))


class Entry(NamedTuple):
    """A change the server dated: when (None: unreadable), as it wrote it, and which."""

    when: float | None
    text: str
    uid: str


class Mark(NamedTuple):
    """Where a pull left off: the newest change time seen, as the server wrote it, and the
    ids changed at exactly that time (already brought)."""

    text: str
    when: float
    ids: frozenset[str]

    @property
    def cursor(self) -> str:
        return f"{self.text}|{','.join(sorted(self.ids))}"

    @classmethod
    def parse(cls, cursor: str | None) -> Mark | None:
        text, _, ids = (cursor or "").partition("|")
        when = parse_time(text)
        return None if when is None else cls(text, when, frozenset(filter(None, ids.split(","))))

    def is_new(self, entry: Entry) -> bool:
        return (entry.when is None or entry.when > self.when
                or (entry.when == self.when and entry.uid not in self.ids))

    @classmethod
    def after(cls, mark: Mark | None, entries: Iterable[Entry]) -> Mark:
        """The mark once ``entries`` are brought."""
        dated = [e for e in entries if e.when is not None]
        newest = max((e.when for e in dated if e.when is not None), default=None)
        base = mark or EPOCH
        if newest is None or newest < base.when:
            return base
        at = [e for e in dated if e.when == newest]
        if newest == base.when:
            return base._replace(ids=base.ids | {e.uid for e in at})
        return cls(at[0].text, newest, frozenset(e.uid for e in at))


EPOCH = Mark("1970-01-01T00:00:00Z", 0.0, frozenset())


def _patch(change: Change) -> dict[str, Any] | None:
    """The fields a modify change sets; None for a change Readeck cannot make."""
    if change.op in _FLAGS:
        return _FLAGS[change.op]
    if change.op in _LABELS:
        return {_LABELS[change.op]: list(change.tags)}
    return None


class ReadeckService:
    batch_size = 20  # changes handed to one push (each is its own request)

    def __init__(self, settings: Settings, session_factory: SessionFactory = default_session,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = ReadeckClient(settings.server, session_factory)
        self._clock = clock
        self.logins = ReadeckLogins(self.client)

    # --- logins (see .oauth) --------------------------------------------------------------

    def sign_in(self, secrets: Mapping[str, str]) -> Grant:
        return self.logins.sign_in(secrets)

    def begin_login(self, redirect_uri: str, state: str) -> LoginTicket:
        return self.logins.begin_login(redirect_uri, state)

    def finish_login(self, ticket: LoginTicket, reply: Mapping[str, str]) -> Grant:
        return self.logins.finish_login(ticket, reply)

    def begin_device(self) -> DeviceCode:
        return self.logins.begin_device()

    def poll_device(self, code: DeviceCode) -> Grant | DeviceCode:
        return self.logins.poll_device(code)

    def revoke(self, creds: Credentials) -> None:
        self.logins.revoke(creds)

    def refresh(self, creds: Credentials) -> Credentials | None:
        return None  # Readeck's tokens do not expire; a refused one needs a new login

    # --- pushes ----------------------------------------------------------------------------

    def push(self, creds: Credentials, changes: Sequence[Change]) -> list[ChangeResult]:
        return push_each(changes, lambda change: self._one(creds.secret, change))

    def _one(self, token: str, change: Change) -> ChangeResult:
        if change.op == "add":
            return ChangeResult(True, self.client.create(token, change.url, change.title,
                                                         change.tags))
        fields = _patch(change)
        if fields is None and change.op != "delete":
            return ChangeResult(False, error=f"Readeck cannot do {change.op!r}")
        uid = change.remote_id
        if uid is None or not is_uid(uid):
            return ChangeResult(False, error=f"{uid!r} is not a Readeck bookmark id")
        if fields is None:
            self.client.delete(token, uid)  # one that is gone already is deleted too
        else:
            self.client.update(token, uid, fields)
        return ChangeResult(True, uid)

    # --- pulls -------------------------------------------------------------------------------

    def pull(self, creds: Credentials, cursor: str | None, known: Collection[str] = ()
             ) -> Iterator[PullPage]:
        mark = Mark.parse(cursor)
        log = self.client.sync(creds.secret, mark.text if mark else None)
        if log is None:
            yield from self._pull_listing(creds.secret, mark, known)
            return
        entries = [(Entry(parse_time(e.get("time")), str(e.get("time")), str(e.get("id"))),
                    e.get("type")) for e in log if isinstance(e.get("id"), str)]
        fresh = [(entry, kind) for entry, kind in entries if mark is None or mark.is_new(entry)]
        gone = {e.uid for e, kind in fresh if kind == "delete"}
        changed = list(dict.fromkeys(e.uid for e, kind in fresh
                                     if kind != "delete" and e.uid not in gone))
        end = Mark.after(mark, (entry for entry, _ in entries)).cursor
        items = [RemoteItem(uid, status="deleted") for uid in sorted(gone)]
        chunks = [changed[n:n + BY_ID] for n in range(0, len(changed), BY_ID)] or [[]]
        for n, chunk in enumerate(chunks):
            items += self._by_id(creds.secret, chunk)
            yield PullPage(items, end if n == len(chunks) - 1 else None)
            items = []

    def _by_id(self, token: str, uids: list[str]) -> list[RemoteItem]:
        """These bookmarks as they are now (one deleted meanwhile is left out: the change
        log reports its deletion next time)."""
        if not uids:
            return []
        page = self.client.bookmarks(token, [*(("id", uid) for uid in uids),
                                             ("limit", str(len(uids)))])
        wanted = set(uids)
        return [item for raw in page.items
                if (item := remote_item(raw)) and item.remote_id in wanted]

    def _pull_listing(self, token: str, mark: Mark | None, known: Collection[str]
                      ) -> Iterator[PullPage]:
        """A pull from a server without a change log: every bookmark is listed, oldest
        first, and those changed since ``mark`` come. A list that changed while it was read
        (its total moved) reports no deletion and keeps the old cursor: the next pull reads
        it again."""
        entries: list[Entry] = []
        totals: set[int | None] = set()
        for page in self._pages(token, [("sort", "created")]):
            totals.add(page.total)
            changed = []
            for raw in page.items:
                item = remote_item(raw)
                if item is None:
                    continue
                entry = Entry(parse_time(raw.get("updated")), str(raw.get("updated")),
                              item.remote_id)
                entries.append(entry)
                if mark is None or mark.is_new(entry) or item.status == "deleted":
                    changed.append(item)
            if changed:
                yield PullPage(changed)
        seen = {entry.uid for entry in entries}
        counted = {total for total in totals if total is not None}
        if len(counted) > 1 or counted - {len(seen)}:
            yield PullPage([], (mark or EPOCH).cursor)
            return
        gone = [RemoteItem(uid, status="deleted") for uid in known if uid not in seen]
        yield PullPage(gone, Mark.after(mark, entries).cursor)

    def _pages(self, token: str, params: list[tuple[str, str]]) -> Iterator[Page]:
        """``GET /api/bookmarks`` page after page, until the last."""
        offset = 0
        for _ in range(MAX_PAGES):
            page = self.client.bookmarks(token, [*params, ("limit", str(PAGE)),
                                                 ("offset", str(offset))])
            yield page
            offset += len(page.items)
            more = (offset < page.total if page.total is not None
                    else page.has_next or len(page.items) >= PAGE)
            if not page.items or not more:
                return

    # --- look-ups ----------------------------------------------------------------------------

    def find_saved(self, creds: Credentials, urls: Sequence[str], since: float
                   ) -> dict[str, str]:
        """Readeck has no look-up by URL: the bookmarks created since a little before the
        first uncertain send are read, newest first, and matched by lookup key. The window
        is given in days back from the server's own clock (``range_start=-3d``), so that a
        clock here that is off does not move it; a day more covers a server whose time zone
        is not UTC."""
        wanted: dict[str, list[str]] = {}
        for url in urls:
            key = key_of(url)
            if key:
                wanted.setdefault(key, []).append(url)
        found: dict[str, str] = {}
        days = math.ceil(max(0.0, self._clock() - since + LOOKUP_SLACK) / 86400) + 1
        params = [("range_start", f"-{days}d"), ("sort", "-created")]
        for page in self._pages(creds.secret, params):
            for raw in page.items:
                item = remote_item(raw)
                if item is None or item.status == "deleted":
                    continue
                for url in wanted.get(key_of(item.url) or "", ()):
                    found.setdefault(url, item.remote_id)  # the newest copy
        return found
