"""Karakeep (formerly Hoarder): the HTTP client (:mod:`.client`), the adapter
(:mod:`.adapter`), and here what the rest of the program knows of it. Its login is an API
key, pasted once, for the server the person names (their own, or Karakeep Cloud). Nothing
here loads the HTTP stack."""

from __future__ import annotations

from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

FIELDS = (
    Field("token", "API key",
          "in Karakeep, User settings → API keys → New API key (it starts with ak2_)",
          kind="secret"),
)


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.karakeep.adapter import KarakeepService

    return KarakeepService(settings)


SPEC = ServiceSpec(
    name="karakeep", title="Karakeep", login="token", fields=FIELDS,
    capabilities=frozenset({"archive", "favorite", "tags", "delete", "pull"}),
    re_add_merges=True, default_server="https://cloud.karakeep.app", make=make)
