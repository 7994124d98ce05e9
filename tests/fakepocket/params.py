"""Request parameters: query string and body (JSON or form), merged (§1.2, §1.3)."""

from __future__ import annotations

import codecs
import json
from typing import Any
from urllib.parse import parse_qs

FORM = "application/x-www-form-urlencoded"


def content_type(header: str | None) -> tuple[str, str]:
    """(mime type, codec name) of a Content-Type header value."""
    mime, _, rest = (header or "").partition(";")
    charset = "utf-8"
    for part in rest.split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    if charset in ("utf8", "utf-8"):  # legacy tolerated `charset=utf8` (Kobo, §1.3)
        charset = "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return mime.strip().lower(), charset


def parse_form(raw: str, charset: str = "utf-8") -> dict[str, Any]:
    """Form/query decoding; a repeated name keeps its last value (PHP semantics)."""
    pairs = parse_qs(raw, keep_blank_values=True, encoding=charset, errors="replace")
    return {name: values[-1] for name, values in pairs.items()}


def _is_json(mime: str, text: str) -> bool:
    if mime == "application/json" or mime.endswith("+json"):
        return True
    return mime != FORM and text.lstrip().startswith("{")  # sniff untyped JSON bodies


def parse_body(body: bytes, header: str | None) -> dict[str, Any]:
    """Body parameters; ValueError for malformed JSON, non-object JSON or multipart."""
    if not body.strip():
        return {}
    mime, charset = content_type(header)
    text = body.decode(charset, errors="replace")
    if _is_json(mime, text):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a JSON body must be an object")
        return data
    if mime.startswith("multipart/"):
        raise ValueError("multipart bodies are not supported by the fake")
    return parse_form(text, charset)


def merge_params(query: str, body: bytes, header: str | None) -> dict[str, Any]:
    """Query string and body merged; body values win on conflicts."""
    params = parse_form(query)
    params.update(parse_body(body, header))
    return params
