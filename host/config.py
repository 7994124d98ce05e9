"""Where data lives and which server to talk to.

The data folder (``POCKET_COMPANION_HOME``, else the platform's user data folder)
holds ``config.json`` (the service, its server, the connected user name and the service's
login fields, such as Pocket's consumer key: no secrets), the SQLite reading list and the
logs. ``POCKET_BASE_URL`` overrides a Pocket account's server, and a field's own variable
(Pocket's ``POCKET_CONSUMER_KEY``) its value. A ``config.json`` of an earlier release (no
``service``, a top-level ``consumer_key``) reads as a Pocket account.
"""

from __future__ import annotations

import json
import os

from pocket_companion.errors import InvalidParams
from pocket_companion.files import atomic_write, private_folder
from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

HOME_ENV = "POCKET_COMPANION_HOME"
SERVER_ENV = "POCKET_BASE_URL"
DEFAULT_SERVER = "https://getpocket.com"
APP_NAME = "pocket-companion"
_LOOPBACK = {"127.0.0.1", "::1"}


def data_folder() -> str:
    """The data folder, created 0700 (missing parents too) and refused if other users could
    change it (a string: pathlib is not loaded at start-up)."""
    override = os.environ.get(HOME_ENV)
    if override:
        path = os.path.expanduser(override)
    else:
        from platformdirs import user_data_dir

        path = user_data_dir(APP_NAME, appauthor=False)
    return private_folder(path)


def data_dir() -> Path:
    """:func:`data_folder` as a :class:`~pathlib.Path`."""
    from pathlib import Path

    return Path(data_folder())


def check_server(url: str) -> str:
    """Accept https servers, and plain http only on this machine's loopback address.

    ``localhost`` is a name the system (or a proxy) may resolve anywhere: plain http needs
    the address itself, ``127.0.0.1`` or ``[::1]``. A user name or password in the URL, a
    query or a fragment are refused: the app's key and the account's token identify you.
    """
    from urllib.parse import urlsplit

    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidParams(f"server {url!r} is not a valid URL") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidParams("a server URL must not contain a user name or password")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise InvalidParams(f"server {url!r} must not have a ?query or #fragment")
    if (parts.scheme == "https" and host) or (parts.scheme == "http" and host in _LOOPBACK):
        return text.rstrip("/")
    raise InvalidParams(f"server {url!r} is not an https URL (plain http is allowed only on "
                        "this machine: 127.0.0.1 or [::1])")


class Settings(Record):
    service: str = "pocket"
    server: str = DEFAULT_SERVER
    username: str | None = None
    options: tuple[tuple[str, str], ...] = ()  # the service's login fields, sorted by name

    def option(self, name: str) -> str | None:
        return dict(self.options).get(name)

    @property
    def account(self) -> dict[str, str] | None:
        if not self.username:
            return None
        return {"username": self.username, "server": self.server, "service": self.service}

    @property
    def keychain_name(self) -> str:
        """The keychain entry that holds this account's credentials (a Pocket account's
        name has no service in it, as release 0.1 named it)."""
        name = f"{self.username}@{self.server}"
        return name if self.service == "pocket" else f"{self.service}:{name}"


def options_of(values: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """Field values as :class:`Settings` keeps them: the non-empty strings, by name."""
    return tuple(sorted((k, v.strip()) for k, v in values.items()
                        if isinstance(v, str) and v.strip()))


def _settings(raw: dict[str, object]) -> Settings:
    """A stored config, of this release or an earlier one (a Pocket account whose consumer
    key sat beside the server)."""
    options = raw.get("options")
    fields = dict(options) if isinstance(options, dict) else {}
    if isinstance(raw.get("consumer_key"), str) and "consumer_key" not in fields:
        fields["consumer_key"] = raw["consumer_key"]
    text = {k: v for k, v in raw.items()
            if k in ("service", "server", "username") and isinstance(v, str)}
    return Settings(**text, options=options_of(fields))


class Config:
    """``config.json`` in the data folder, with environment overrides applied on read."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.path = os.path.join(home, "config.json")

    def _raw(self) -> dict[str, Any]:
        """``config.json`` as stored; empty when it is missing or unreadable."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                raw = json.load(handle)
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def _stored(self) -> Settings:
        return _settings(self._raw())

    def stamp(self) -> int:
        """Changes whenever the stored config is written (a login, a logout)."""
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def load(self) -> Settings:
        from pocket_companion.services import SERVICES

        settings = self._stored()
        server = os.environ.get(SERVER_ENV)
        if server and settings.service == "pocket":  # Pocket's variable, as its fields' are
            settings = settings._replace(server=check_server(server))
        spec = SERVICES.get(settings.service)
        given = {f.name: os.environ.get(f.env, "") for f in spec.fields if f.env} if spec else {}
        given = {name: value for name, value in given.items() if value.strip()}
        if given:
            settings = settings._replace(options=options_of({**dict(settings.options), **given}))
        return settings

    def update(self, **changes: Any) -> Settings:
        """Change stored values (not the environment's) atomically, file mode 0600."""
        raw = self._raw()
        settings = _settings(raw)._replace(**changes)
        data = {"service": settings.service, "server": settings.server,
                "username": settings.username, "options": dict(settings.options)}
        if isinstance(raw.get("preferences"), dict):  # the person's, kept by preferences.py
            data["preferences"] = raw["preferences"]
        atomic_write(self.path, json.dumps(data, indent=2).encode(), 0o600)
        return self.load()
