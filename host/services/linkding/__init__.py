"""linkding: the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`), and here what
the rest of the program knows of it. Its login is a REST API token, pasted once, for the
person's own server. A bookmark manager: archive and tags, but no favourites. Nothing here
loads the HTTP stack."""

from __future__ import annotations

from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

FIELDS = (
    Field("token", "REST API token",
          "in linkding, Settings → Integrations → REST API: create a token and copy it",
          kind="secret"),
)


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.linkding.adapter import LinkdingService

    return LinkdingService(settings)


SPEC = ServiceSpec(
    name="linkding", title="linkding", login="token", fields=FIELDS,
    capabilities=frozenset({"archive", "tags", "delete", "pull"}),
    re_add_merges=True, default_server="", make=make)
