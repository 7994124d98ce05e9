"""wallabag v2 (and the servers that speak its API: Lion Reader, Articler, Wombag,
wallabean): the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`), and here what
the rest of the program knows of it. Its login is OAuth2's password grant: a form asks for
the API client's id and secret, the user name and the password once; the keychain keeps the
tokens (1 h access, 14 days' refresh) and the client secret, and the password only when the
person asks to stay connected past 14 idle days. Nothing here loads the HTTP stack."""

from __future__ import annotations

from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

FIELDS = (
    Field("client_id", "Client ID",
          "the ID of an API client: in wallabag, Developer → Create a new client, then copy "
          "its Client ID"),
    Field("username", "User name", "the name you sign in to wallabag with"),
    Field("client_secret", "Client secret",
          "shown beside the Client ID on wallabag's Developer page", kind="secret"),
    Field("password", "Password", "your wallabag password: sent once to get a token, "
          "not kept unless you tick the box below", kind="secret"),
    Field("stay_connected", "Stay connected past 14 idle days",
          "keeps the password in the system keychain so that a token can be renewed after "
          "two weeks without a sync", kind="flag", optional=True),
)


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.wallabag.adapter import WallabagService

    return WallabagService(settings)


SPEC = ServiceSpec(
    name="wallabag", title="wallabag", login="password", fields=FIELDS,
    capabilities=frozenset({"archive", "favorite", "tags", "delete", "pull"}),
    re_add_merges=True, default_server="https://app.wallabag.it", make=make)
