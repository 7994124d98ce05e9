"""Where data lives and which server to talk to.

The data folder (``POCKET_COMPANION_HOME``, else the platform's user data folder)
holds ``config.json`` (server, consumer key, connected user name: no secrets),
the SQLite reading list and the logs. ``POCKET_BASE_URL`` and
``POCKET_CONSUMER_KEY`` override what the config says.
"""

from __future__ import annotations

import json
import os

from .errors import InvalidParams
from .files import atomic_write, private_folder
from .records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pathlib import Path

HOME_ENV = "POCKET_COMPANION_HOME"
SERVER_ENV = "POCKET_BASE_URL"
CONSUMER_KEY_ENV = "POCKET_CONSUMER_KEY"
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
    server: str = DEFAULT_SERVER
    consumer_key: str | None = None
    username: str | None = None

    @property
    def account(self) -> dict[str, str] | None:
        if not self.username:
            return None
        return {"username": self.username, "server": self.server}

    @property
    def keychain_name(self) -> str:
        """The keychain entry that holds this account's access token."""
        return f"{self.username}@{self.server}"


class Config:
    """``config.json`` in the data folder, with environment overrides applied on read."""

    def __init__(self, home: str | os.PathLike[str]) -> None:
        self.path = os.path.join(home, "config.json")

    def _stored(self) -> Settings:
        try:
            with open(self.path, encoding="utf-8") as handle:
                raw = json.load(handle)
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError):
            return Settings()
        if not isinstance(raw, dict):
            return Settings()
        fields = {k: v for k, v in raw.items() if k in Settings._fields}
        return Settings(**{k: v for k, v in fields.items() if isinstance(v, str)})

    def stamp(self) -> int:
        """Changes whenever the stored config is written (a login, a logout)."""
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def load(self) -> Settings:
        settings = self._stored()
        server = os.environ.get(SERVER_ENV)
        key = os.environ.get(CONSUMER_KEY_ENV)
        if server:
            settings = settings._replace(server=check_server(server))
        if key:
            settings = settings._replace(consumer_key=key.strip())
        return settings

    def update(self, **changes: str | None) -> Settings:
        """Change stored values (not the environment's) atomically, file mode 0600."""
        settings = Settings(**{**self._stored()._asdict(), **changes})
        atomic_write(self.path, json.dumps(settings._asdict(), indent=2).encode(), 0o600)
        return self.load()
