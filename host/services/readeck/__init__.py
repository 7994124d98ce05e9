"""Readeck: the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`), and here what
the rest of the program knows of it. Its login is OAuth 2 with no client secret: the
program registers itself with the server, then the person signs in on Readeck's own page
in the login window (authorization code with PKCE, loopback redirect), or approves a code
on another device (device code, where no window can be shown), or pastes an API token.
Tokens do not expire. Readeck keeps a second copy of a URL saved twice, so an add whose
answer was lost is looked up before it is sent again. Nothing here loads the HTTP stack."""

from __future__ import annotations

from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

FIELDS = (
    Field("token", "API token",
          "instead of signing in, paste a token made in Readeck under Profile → API tokens "
          "(with the Bookmarks permissions)", kind="secret", optional=True),
)


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.readeck.adapter import ReadeckService

    return ReadeckService(settings)


SPEC = ServiceSpec(
    name="readeck", title="Readeck", login="oauth", fields=FIELDS,
    capabilities=frozenset({"archive", "favorite", "tags", "delete", "pull"}),
    re_add_merges=False, default_server="", make=make)
