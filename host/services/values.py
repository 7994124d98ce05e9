"""The values of the services' replies and logins, read the one way every adapter and client
reads them: JSON fields and objects that may be missing or of another type, times (ISO 8601
text, an HTTP ``Date``) in Unix seconds, a pull's cursor kept as JSON, names once each, and
the token a person pastes in a login form.

What a service means by its own values (its ids, its date formats, how it spells a tag)
stays in its adapter.
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pocket_companion.errors import FieldRejected, ServiceUnavailable
from pocket_companion.logs import register_secret


def text_of(raw: Mapping[str, Any], name: str) -> str:
    """A text field of a reply, trimmed ("" when it is missing or not text)."""
    value = raw.get(name)
    return value.strip() if isinstance(value, str) else ""


def objects_in(value: Any) -> list[dict[str, Any]]:
    """The JSON objects of a list, in order (none when ``value`` is not a list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def json_object(data: Any, message: str) -> dict[str, Any]:
    """``data`` when it is a JSON object; else the reply is not the service's, and this raises
    :class:`~pocket_companion.errors.ServiceUnavailable` with ``message`` (the request was
    sent)."""
    if not isinstance(data, dict):
        raise ServiceUnavailable(message, sent=True)
    return data


def iso_seconds(value: Any) -> float | None:
    """Unix seconds of an ISO 8601 time (``…Z``, ``…+02:00``, ``…+0000``; one without an
    offset is UTC); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def http_date(value: str | None) -> float | None:
    """Unix seconds of an HTTP date (a ``Date`` header: the server's clock); None when it is
    missing or unreadable."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def json_cursor(text: str | None, clock: str) -> tuple[float, dict[str, str]] | None:
    """A pull's cursor kept as a JSON object: its time (the number under ``clock``) and its
    ``seen`` map of ids to text (other entries dropped; none when it has no map). None for no
    cursor, or one of another shape (a cursor this adapter did not write)."""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get(clock), int | float):
        return None
    seen = data.get("seen")
    return float(data[clock]), ({key: value for key, value in seen.items()
                                 if isinstance(value, str)} if isinstance(seen, dict) else {})


def unique(names: Iterable[str], key: Callable[[str], str] | None = None) -> list[str]:
    """The names that are not empty, each once (the same ``key``, when given, is the same
    name), in order, the first spelling kept."""
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        marked = key(name) if key else name
        if name and marked not in seen:
            seen.add(marked)
            kept.append(name)
    return kept


def pasted_token(secrets: Mapping[str, str], missing: str) -> str:
    """The token pasted in a login form's ``token`` field, trimmed, and from now on kept out
    of the logs; an empty field is refused with ``missing``."""
    token = (secrets.get("token") or "").strip()
    if not token:
        raise FieldRejected("token", missing)
    register_secret(token)
    return token
