"""Reading-list services behind one seam (:mod:`.base`: what an adapter does; :mod:`.spec`:
what the rest of the program knows of a service), one folder per service, and here the
services this program knows, by name. Loaded by ``hello``: no typing, no HTTP stack."""

from __future__ import annotations

from pocket_companion.errors import InvalidParams
from pocket_companion.services.instapaper import SPEC as INSTAPAPER
from pocket_companion.services.karakeep import SPEC as KARAKEEP
from pocket_companion.services.linkding import SPEC as LINKDING
from pocket_companion.services.pocket import SPEC as POCKET
from pocket_companion.services.readeck import SPEC as READECK
from pocket_companion.services.spec import ServiceSpec
from pocket_companion.services.wallabag import SPEC as WALLABAG

SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec for spec in (POCKET, WALLABAG, READECK, INSTAPAPER, KARAKEEP, LINKDING)}


def spec_of(name: str) -> ServiceSpec:
    try:
        return SERVICES[name]
    except KeyError:
        raise InvalidParams(f"unknown service {name!r}: this program knows "
                            f"{', '.join(sorted(SERVICES))}") from None
