"""The person's preferences, kept in ``config.json`` under ``preferences``, beside the
account (0600, written whole or not at all), for every host and the CLI.

Each has a default and the values it may take; a stored value that is not one of them
(a hand edit, a later release's) reads as the default. ``POCKET_COMPANION_FETCH_ARTICLES``
(``0`` or ``1``) overrides ``fetch_articles`` where it is set (tests, machines that must
not fetch), without being written to the file. Loaded when a handler first needs it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pocket_companion.files import atomic_write

Values = type | tuple[str, ...] | range
# Each preference: its default, and the values it takes (a type, or the choices).
PREFERENCES: dict[str, tuple[object, Values]] = {
    "fetch_articles": (True, bool),  # hosts fetch the pages the browser did not capture
    "reader_images": (False, bool),  # the reader view shows the copies' images
    "reader_theme": ("system", ("system", "light", "dark")),
    "reader_size": (None, range(21)),  # the reader view's text size, a step of its own
}
FETCH_ENV = "POCKET_COMPANION_FETCH_ARTICLES"


def _config(path: str) -> dict[str, Any]:
    """``config.json`` as stored (empty when it is missing or unreadable)."""
    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _allowed(value: object, values: Values) -> bool:
    """Whether a stored value is one the preference takes (True is no size)."""
    if isinstance(values, type):
        return isinstance(value, values)
    return not isinstance(value, bool) and value in values


def _stored(raw: dict[str, Any]) -> dict[str, Any]:
    found = raw.get("preferences")
    return found if isinstance(found, dict) else {}


def load(config_path: str) -> dict[str, Any]:
    """Every preference: as stored, else its default; the environment's override applied."""
    stored = _stored(_config(config_path))
    found = {name: stored[name] if name in stored and _allowed(stored[name], values)
             else default for name, (default, values) in PREFERENCES.items()}
    if os.environ.get(FETCH_ENV) in ("0", "1"):
        found["fetch_articles"] = os.environ[FETCH_ENV] == "1"
    return found


def update(config_path: str, changes: dict[str, object]) -> dict[str, Any]:
    """Keep ``changes`` (values the caller checked) with the rest of the file; returns
    every preference as :func:`load` reads it."""
    raw = _config(config_path)
    raw["preferences"] = {**_stored(raw), **changes}
    atomic_write(config_path, json.dumps(raw, indent=2).encode(), 0o600)
    return load(config_path)
