"""Pocket v3: the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`), and here what
the rest of the program knows of it: a redirect login that needs the app's consumer key, and
every capability. Nothing here loads the HTTP stack (``hello`` reports it)."""

from __future__ import annotations

from pocket_companion.errors import InvalidParams
from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

CONSUMER_KEY = Field(
    "consumer_key", "Consumer key",
    "the key of an app registered with the Pocket server (its administrator gives it out)",
    env="POCKET_CONSUMER_KEY")


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.pocket.adapter import PocketService
    from pocket_companion.services.pocket.client import PocketClient

    key = settings.option(CONSUMER_KEY.name)
    if not key:
        raise InvalidParams(
            "the Pocket login needs a consumer key: give it in the login form (or with "
            "`pocket-companion login --consumer-key`, or in POCKET_CONSUMER_KEY)")
    return PocketService(PocketClient(settings.server, key))


SPEC = ServiceSpec(
    name="pocket", title="Pocket", login="redirect", fields=(CONSUMER_KEY,),
    capabilities=frozenset({"archive", "favorite", "tags", "delete", "pull"}), re_add_merges=True,
    default_server="https://getpocket.com", make=make)
