"""What the program knows of a service before it talks to it: its name, the login it needs,
the fields a login form asks for and what it can do. ``hello`` reports it, so this module
and the services' ``spec`` modules load at start-up: no :mod:`typing`, no HTTP stack."""

from __future__ import annotations

from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from collections.abc import Callable

    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

CAPABILITIES = frozenset({"archive", "favorite", "tags", "delete", "pull"})
LOGINS = ("redirect", "password", "token", "oauth")
KINDS = ("text", "secret", "flag")


class Field(Record):
    """A value a login form asks for, besides the server. ``text`` fields are kept in the
    config (no secrets); ``secret`` ones go to the service once, at login, and only the
    keychain keeps what the login gives back; a ``flag`` is a yes/no choice."""

    name: str
    label: str
    hint: str = ""  # one sentence: what it is and where the service shows it
    env: str | None = None  # an environment variable that overrides the stored value
    kind: str = "text"  # of KINDS
    optional: bool = False

    @property
    def secret(self) -> bool:
        return self.kind == "secret"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "label": self.label, "hint": self.hint, "kind": self.kind,
                "optional": self.optional}


class ServiceSpec(Record):
    name: str  # as settings, the protocol and the CLI say it
    title: str  # as people read it
    # "redirect": the service's page in a window (Pocket); "password": the form's fields
    # are exchanged for tokens (wallabag); "token": a pasted token; "oauth": the service's
    # page in a window, a code shown for another device, or a pasted token (Readeck)
    login: str
    fields: tuple[Field, ...]
    capabilities: frozenset[str]  # of CAPABILITIES
    re_add_merges: bool  # an add sent twice leaves one item (else find_saved is a must)
    default_server: str  # "" when the person must name their own server
    make: Callable[[Settings], ReadingService]  # loads the adapter and its HTTP stack

    def describe(self) -> dict[str, object]:
        """The spec as ``hello`` and the extension see it."""
        return {"name": self.name, "title": self.title, "login": self.login,
                "fields": [field.to_dict() for field in self.fields],
                "capabilities": sorted(self.capabilities),
                "default_server": self.default_server}
