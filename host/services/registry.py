"""Every service the program can connect to, by name."""

from __future__ import annotations

from pocket_companion.errors import InvalidParams
from pocket_companion.services.pocket.spec import SPEC as POCKET
from pocket_companion.services.spec import ServiceSpec

SERVICES: dict[str, ServiceSpec] = {spec.name: spec for spec in (POCKET,)}
DEFAULT = POCKET.name


def spec_of(name: str) -> ServiceSpec:
    try:
        return SERVICES[name]
    except KeyError:
        raise InvalidParams(f"unknown service {name!r}: this program knows "
                            f"{', '.join(sorted(SERVICES))}") from None
