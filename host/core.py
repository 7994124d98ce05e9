"""The companion's operations, shared by the native messaging host and the CLI.

Everything outside (clock, keychain, service, login page opener) is injected;
the defaults are the real ones. The SQLite store is opened on first use so that
``hello`` stays fast and touches no disk beyond the config file.

Readable copies: pages saved without a capture from the browser (links, several tabs, an
import, a pull) wait in a queue for the host's fetcher (:meth:`Companion.claim_fetches`,
:meth:`Companion.finish_fetch`), while the user's ``fetch_articles`` preference is on; a
page saved from the toolbar waits :data:`CAPTURE_WAIT` seconds for its capture first.
The person's preferences are :mod:`.preferences`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from functools import cached_property

from pocket_companion import PROTOCOL_VERSION, __version__
from pocket_companion.config import Config, Settings, check_server, options_of
from pocket_companion.errors import CompanionError, FieldRejected, InvalidParams
from pocket_companion.logs import get_logger
from pocket_companion.nativehost.records import Record
from pocket_companion.services import SERVICES, spec_of

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any

    from pocket_companion.account.login.oauth import Progress
    from pocket_companion.account.login.openers import Opener
    from pocket_companion.account.secrets.keychain import TokenStore
    from pocket_companion.articles.model import FetchJob, FetchOutcome
    from pocket_companion.library.articles import Articles
    from pocket_companion.library.store import Item, NewItem, Store, Then
    from pocket_companion.services.base import ReadingService
    from pocket_companion.services.spec import ServiceSpec
    from pocket_companion.sync.engine import ServiceFactory, Syncer

log = get_logger(__name__)
CAPTURE_WAIT = 30.0  # seconds a page saved from the browser waits for its capture
def make_service(settings: Settings) -> ReadingService:
    """The adapter of the settings' service, at its server, with its login fields."""
    return spec_of(settings.service).make(settings)


class Deps:
    """What the companion talks to; tests replace any of it. The defaults are made when first
    used (a ``hello`` needs none of them, and a cold start should not load them)."""

    def __init__(self, clock: Callable[[], float] = time.time, tokens: TokenStore | None = None,
                 service_factory: ServiceFactory = make_service,
                 opener: Opener | None = None, browser: Opener | None = None,
                 make_tokens: Callable[[], TokenStore] | None = None) -> None:
        self.clock = clock
        self.service_factory = service_factory
        self._tokens, self._opener, self._browser = tokens, opener, browser
        self._make_tokens = make_tokens  # ``tokens``, made when first needed

    @cached_property
    def tokens(self) -> TokenStore:
        if self._tokens is None and self._make_tokens is not None:
            return self._make_tokens()
        from pocket_companion.account.secrets.keychain import KeyringTokenStore

        return self._tokens or KeyringTokenStore()

    @cached_property
    def browser(self) -> Opener:
        """Logins in the web browser: when asked, and when no window can be shown."""
        from pocket_companion.account.login.openers import SystemBrowser

        return self._browser or SystemBrowser()

    @cached_property
    def opener(self) -> Opener:
        """Logins in a window of our own."""
        from pocket_companion.account.login.window import EmbeddedWindow

        return self._opener or EmbeddedWindow(self.browser)


def _needed(spec: ServiceSpec, target: Settings, secrets: dict[str, str]) -> dict[str, str]:
    """The secrets given, once every field the login needs is there; a missing one is named
    (the form shows its hint)."""
    names = {field.name for field in spec.fields if field.secret}
    unknown = set(secrets) - names
    if unknown:
        raise InvalidParams(f"a {spec.title} login has no secret {sorted(unknown)[0]!r}")
    given = {name: value for name, value in secrets.items() if value.strip()}
    for field in spec.fields:
        if field.optional or field.kind == "flag" or field.env:
            continue
        if not (given.get(field.name) if field.secret else target.option(field.name)):
            raise FieldRejected(field.name, f"the {spec.title} login needs the "
                                f"{field.label.lower()} ({field.hint})")
    return given


class SaveOutcome(Record):
    items: list[Item]
    warning: CompanionError | None


class Companion:
    def __init__(self, home: str | os.PathLike[str], deps: Deps | None = None) -> None:
        self.home = home
        self.deps = deps or Deps()
        self.config = Config(home)
        self._services: dict[tuple[Settings, int], ReadingService] = {}
        # Told when pages join the fetch queue or the preferences change (the host's fetcher).
        # (given when the queued pages are due, if it is known).
        self.on_fetches: Callable[[float | None], None] = lambda due: None
        self._preferences: tuple[object, dict[str, Any]] | None = None  # (file seen, values)

    @cached_property
    def store(self) -> Store:
        from pathlib import Path  # loaded by the store anyway; not at start-up

        from pocket_companion.library.store import Store

        return Store(Path(self.home, "reading-list.sqlite3"), self.deps.clock)

    @cached_property
    def articles(self) -> Articles:
        from pocket_companion.library.articles import Articles

        return Articles(self.store.db, self.deps.clock)

    @cached_property
    def syncer(self) -> Syncer:
        from pocket_companion.library.outbox import Outbox
        from pocket_companion.sync.engine import Syncer

        return Syncer(self.store, Outbox(self.store), self.config, self.deps.tokens,
                      self._service)

    def _service(self, settings: Settings) -> ReadingService:
        """One service (and HTTP session) per service, server and fields, kept for warm
        reuse, and per thread: a pull pages beside a save's push, each on its own session."""
        account = Settings(settings.service, settings.server, options=settings.options)
        key = (account, threading.get_ident())
        if key not in self._services:
            self._services[key] = self.deps.service_factory(account)
        return self._services[key]

    def hello(self) -> dict[str, Any]:
        """Versions, the account, and its service (the one a login would use when there is
        no account): its login fields and what it can do."""
        settings = self.config.load()
        spec = SERVICES.get(settings.service)
        return {"version": __version__, "protocol": PROTOCOL_VERSION,
                "account": settings.account,
                "service": spec.describe() if spec else None,
                "services": [other.describe() for other in SERVICES.values()]}

    def status(self) -> dict[str, Any]:
        settings = self.config.load()
        held, reason = self.syncer.held_for()
        last = self.store.get_meta("last_sync").get("last_sync")
        return {
            "account": settings.account, "server": settings.server,
            "pending": self.store.pending_count(),
            "last_sync": float(last) if last else None,
            "last_error": self.syncer.outbox.last_error(),
            "held": {"seconds": round(held), "reason": reason} if held else None,
            "import": self._import_progress(),
            "articles": self.articles.counts(),
            "fetch_articles": self.fetching(),
        }

    def _import_progress(self) -> dict[str, int] | None:
        from pocket_companion.library.importer import progress

        return progress(self.store)

    def sync_quietly(self, *, retry_now: bool = False, pull: bool = False, push: bool = True
                     ) -> CompanionError | None:
        """Sync what is due (see :meth:`Syncer.run`); a failure is returned (and logged),
        never raised."""
        since = self.deps.clock()
        try:
            self.syncer.run(retry_now=retry_now, pull=pull, push=push)
        except CompanionError as exc:
            log.info("sync postponed: %s (%s)", exc.code, exc.message)
            return exc
        finally:
            if pull:  # the pages a pull wrote, even one cut short
                self.queue_fetches_since(since)
        return None

    def commit(self, entries: list[NewItem], *, capture_may_come: bool = False) -> list[int]:
        """Step one of a save: durably in the local list (no network). In the same
        transaction, pages without a copy join the fetch queue (:meth:`fetch_queue`); one
        saved from the browser (``capture_may_come``) is due after :data:`CAPTURE_WAIT`
        seconds."""
        self.syncer.prepare()
        delay = CAPTURE_WAIT if capture_may_come else 0.0
        queue = self.fetch_queue(delay)
        ids = self.store.save(entries, then=queue)
        if queue is not None:
            self.on_fetches(self.deps.clock() + delay)
        return ids

    def fetch_queue(self, delay: float = 0.0) -> Then | None:
        """What a write transaction calls with the pages it wrote so that those without a
        copy join the fetch queue, due in ``delay`` seconds (None while fetching is off)."""
        from pocket_companion.library.articles import queue_in

        if not self.fetching():
            return None
        due = self.deps.clock() + delay
        return lambda conn, ids: queue_in(conn, ids, due)

    def push_saved(self, ids: list[int]) -> SaveOutcome:
        """Step two: sync what is due, then report the saved items' states."""
        warning = self.sync_quietly()
        return SaveOutcome(self.store.get(ids), warning)

    def save(self, entries: list[NewItem]) -> SaveOutcome:
        return self.push_saved(self.commit(entries))

    def lookup(self, url: object) -> Item | None:
        from pocket_companion.library.urls import clean_url

        return self.store.find(clean_url(url))

    def sync(self) -> tuple[int, int, int]:
        """Push everything queued now, then pull the account's changes: (changes synced,
        pages still pending, the account's items that came)."""
        since = self.deps.clock()
        try:
            synced, pulled = self.syncer.run(force=True, pull=True)
        finally:
            self.queue_fetches_since(since)
        return synced, self.store.pending_count(), pulled

    def preferences(self) -> dict[str, Any]:
        """The person's preferences (see :mod:`.preferences`), read again only when the
        file has changed (each save asks)."""
        from pocket_companion import preferences

        try:
            stat = os.stat(self.config.path)
            seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            seen = None
        if self._preferences is None or self._preferences[0] != seen:
            self._preferences = (seen, preferences.load(self.config.path))
        return dict(self._preferences[1])

    def fetching(self) -> bool:
        return bool(self.preferences()["fetch_articles"])

    def set_preferences(self, **changes: object) -> dict[str, Any]:
        """Change preferences (values checked by the caller); returns them all."""
        from pocket_companion import preferences

        found = preferences.update(self.config.path, changes)
        self.on_fetches(None)  # fetching may start or stop
        return found

    def queue_fetches_since(self, since: float) -> None:
        """The pages an import or a pull wrote since ``since`` get a fetched copy too."""
        if self.fetching() and self.articles.queue_changed_since(since):
            self.on_fetches(None)

    def claim_fetches(self, limit: int) -> list[FetchJob]:
        """Pages due for a fetch, held for the caller (none while fetching is off)."""
        return self.articles.claim(limit) if self.fetching() else []

    def finish_fetch(self, job: FetchJob, outcome: FetchOutcome) -> None:
        """A fetch's outcome settled; a copy is tidied and sanitized before it is kept."""
        from pocket_companion.articles.capture import tidy
        from pocket_companion.articles.sanitize import sanitize

        if outcome.article is not None:
            article = tidy(outcome.article)
            outcome = outcome._replace(article=article._replace(
                html=sanitize(article.html, job.url)))
        self.articles.finish(job, outcome)

    def _target(self, service: str | None, server: str | None, fields: dict[str, str]
                ) -> Settings:
        """The account a login is for: the given service (else the current one), its server
        (else the current one, or the service's own) and fields (else the stored ones)."""
        current = self.config.load()
        spec = spec_of(service or current.service)
        same = spec.name == current.service
        kept = {field.name for field in spec.fields if not field.secret}
        unknown = set(fields) - kept
        if unknown:
            name = sorted(unknown)[0]
            secret = name in {field.name for field in spec.fields}
            raise InvalidParams(f"a {spec.title} login's {name!r} is a secret: give it with "
                                "the secrets, never kept in the settings" if secret else
                                f"a {spec.title} login has no field {name!r}")
        base = current.server if same else spec.default_server
        flags = {field.name for field in spec.fields if field.kind == "flag"}
        stored = {k: v for k, v in current.options if k not in flags} if same else {}
        if server:
            base = check_server(server)
        if not base:
            raise FieldRejected("server", f"{spec.title} needs the address of your server")
        return Settings(spec.name, base, options=options_of({**stored, **fields}))

    def login(self, *, service: str | None = None, server: str | None = None,
              fields: dict[str, str] | None = None, secrets: dict[str, str] | None = None,
              timeout: float = 300.0, cancel: threading.Event | None = None,
              progress: Progress | None = None, show_in: str = "window") -> dict[str, str]:
        """Connect an account (see :mod:`.account.login.flows` for the kinds of login);
        ``secrets`` (passwords, tokens) go to the service once and are never kept but in
        what the keychain stores for the account."""
        from pocket_companion.account.login.flows import LoginRequest, sign_in
        from pocket_companion.account.login.oauth import quiet

        current = self.config.load()
        target = self._target(service, server, fields or {})
        spec = spec_of(target.service)
        given = _needed(spec, target, secrets or {})
        adapter = self.deps.service_factory(target)
        self.deps.tokens.get(target.keychain_name)  # fail now, not after the user approved
        opener = self.deps.browser if show_in == "browser" else self.deps.opener
        grant = sign_in(spec, adapter, LoginRequest(given, show_in, timeout,
                                                    cancel or threading.Event(),
                                                    progress or quiet), opener)
        account = target._replace(username=grant.username)
        self.deps.tokens.set(account.keychain_name, grant.credentials.to_text())
        if current.username and current.keychain_name != account.keychain_name:
            self.deps.tokens.delete(current.keychain_name)
        self.config.update(service=account.service, server=account.server,
                           username=account.username, options=account.options)
        self.store.rebind(account.keychain_name)
        return {"username": grant.username, "server": account.server,
                "service": account.service}

    def logout(self) -> None:
        settings = self.config.load()
        if settings.username:
            self.deps.tokens.delete(settings.keychain_name)
        self.config.update(username=None)
