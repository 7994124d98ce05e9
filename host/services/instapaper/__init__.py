"""Instapaper (API v2): the HTTP client (:mod:`.client`), the adapter (:mod:`.adapter`),
and here what the rest of the program knows of it. Its login is a personal access token,
pasted once; it does not expire. Nothing here loads the HTTP stack."""

from __future__ import annotations

from pocket_companion.services.spec import Field, ServiceSpec

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from pocket_companion.config import Settings
    from pocket_companion.services.base import ReadingService

FIELDS = (
    Field("token", "Personal access token",
          "on instapaper.com/developers: create an application, then Generate a personal "
          "access token on its page", kind="secret"),
)


def make(settings: Settings) -> ReadingService:
    from pocket_companion.services.instapaper.adapter import InstapaperService

    return InstapaperService(settings)


SPEC = ServiceSpec(
    name="instapaper", title="Instapaper", login="token", fields=FIELDS,
    capabilities=frozenset({"archive", "favorite", "tags", "delete", "pull"}),
    re_add_merges=True, default_server="https://www.instapaper.com", make=make)
