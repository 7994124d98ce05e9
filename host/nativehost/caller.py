"""Who started the host, and whether the host manifest allows them.

Chrome-family browsers pass the caller's origin (``chrome-extension://ID/``),
on Windows followed by ``--parent-window=N``. Firefox passes the path of the host
manifest it used, then the add-on id. Unknown extra arguments are tolerated.
The allow-lists come from the project's root ``manifest.json``, shipped inside
the package as ``host-manifest.json``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from pocket_companion.errors import ForbiddenCaller
from pocket_companion.nativehost.records import Record

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any

HOST_NAME = "pocket_companion"


@lru_cache(maxsize=1)
def host_manifest() -> dict[str, Any]:
    """The root host manifest as shipped with the package."""
    package = os.path.dirname(os.path.dirname(__file__))  # pocket_companion
    path = os.path.join(package, "host-manifest.json")
    with open(path, encoding="utf-8") as handle:
        manifest: dict[str, Any] = json.load(handle)
    return manifest


class Caller(Record):
    browser: str  # "chromium", "firefox" or "unknown"
    identity: str  # origin, add-on id, or "" when unknown

    def to_dict(self) -> dict[str, str]:
        return {"browser": self.browser, "id": self.identity}


def identify(argv: list[str]) -> Caller:
    """Read the caller from the host's arguments (argv without the program)."""
    positional = [arg for arg in argv if not arg.startswith("--")]
    if positional and positional[0].startswith("chrome-extension://"):
        return Caller("chromium", positional[0])
    if len(positional) >= 2 and positional[0].endswith(".json"):
        return Caller("firefox", positional[1])
    return Caller("unknown", "")


def check_allowed(caller: Caller) -> None:
    """Raise ForbiddenCaller unless the root manifest allows this caller."""
    manifest = host_manifest()
    if caller.browser == "chromium" and caller.identity in manifest["allowed_origins"]:
        return
    if caller.browser == "firefox" and caller.identity in manifest["allowed_extensions"]:
        return
    who = caller.identity or "a caller that is not a browser extension"
    raise ForbiddenCaller(f"{who} is not allowed to use the {HOST_NAME} host")
