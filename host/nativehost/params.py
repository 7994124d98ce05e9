"""Checking a request's ``params``: types, ranges and unknown names, with clear errors."""

from __future__ import annotations

from collections.abc import Collection

from pocket_companion.errors import InvalidParams

TYPE_CHECKING = False  # typing is not loaded at start-up (see records.py)
if TYPE_CHECKING:
    from typing import Any

MAX_TAGS = 100
MAX_TAG_CHARS = 25  # Pocket's own limit
MAX_TITLE_CHARS = 2000
# Dropped from titles and tags: C0 and C1 controls and DEL (the whitespace ones become spaces),
# and the bidi embedding, override and isolate controls, which reorder the text after them.
# Other format characters (joiners in emoji and scripts, direction marks) are text and stay.
_CONTROLS = {point: " " if chr(point).isspace() else None
             for point in (*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A))}


def _one_line(value: str) -> str:
    """Title or tag text on one line: controls dropped, whitespace runs as one space, trimmed."""
    if not value.isprintable():  # the usual title is: no controls to look for
        value = value.translate(_CONTROLS)
    return " ".join(value.split())


def _valid_text(value: str, name: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidParams(f"'{name}' is not valid Unicode (lone surrogate)") from None
    return value


class Params:
    def __init__(self, raw: dict[str, Any], allowed: Collection[str]) -> None:
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise InvalidParams(f"unknown parameter(s): {', '.join(map(repr, unknown))}")
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def text(self, name: str, *, max_chars: int = 10_000) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidParams(f"'{name}' must be a string")
        if len(value) > max_chars:
            raise InvalidParams(f"'{name}' is longer than {max_chars} characters")
        return _valid_text(value, name)

    def required(self, name: str) -> object:
        """A required value of any type (URLs are checked by their own rules)."""
        if self.raw.get(name) is None:
            raise InvalidParams(f"'{name}' is required")
        return self.raw[name]

    def title(self) -> str:
        return _one_line(self.text("title", max_chars=MAX_TITLE_CHARS) or "")

    def tags(self, name: str = "tags") -> list[str]:
        return parse_tags(self.raw.get(name), name)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParams(f"'{name}' must be an integer")
        if not low <= value <= high:
            raise InvalidParams(f"'{name}' must be between {low} and {high}")
        return value

    def flag(self, name: str) -> bool:
        """An optional boolean (absent or null: false)."""
        value = self.raw.get(name)
        if value is not None and not isinstance(value, bool):
            raise InvalidParams(f"'{name}' must be true or false")
        return bool(value)

    def texts(self, name: str, *, max_chars: int = 1000) -> dict[str, str]:
        """An optional object of short strings (a login form's fields)."""
        value = self.raw.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or len(value) > 20:
            raise InvalidParams(f"'{name}' must be an object of at most 20 strings")
        inner = Params(value, value)
        return {key: text for key in value if (text := inner.text(key, max_chars=max_chars))}

    def choice(self, name: str, choices: Collection[str], default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if not isinstance(value, str) or value not in choices:
            raise InvalidParams(f"'{name}' must be one of {', '.join(sorted(choices))}")
        return str(value)


def parse_tags(value: object, name: str = "tags") -> list[str]:
    """Tags as Pocket keeps them: trimmed, lower-case, at most 25 characters, no commas
    (and, as titles, without control characters)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidParams(f"'{name}' must be a list of strings")
    if len(value) > MAX_TAGS:
        raise InvalidParams(f"at most {MAX_TAGS} tags")
    tags: list[str] = []
    for raw in value:
        tag = _valid_text(_one_line(raw).lower(), name)
        if not tag:
            continue
        if "," in tag or len(tag) > MAX_TAG_CHARS:
            raise InvalidParams(
                f"tag {tag!r} must be at most {MAX_TAG_CHARS} characters, without commas")
        if tag not in tags:
            tags.append(tag)
    return tags
