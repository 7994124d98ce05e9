"""Which URLs can be saved, and the one normalisation rule used to recognise them.

The stored URL is what the user saved, minus tracking parameters. The lookup key
additionally lower-cases scheme and host, drops default ports and the fragment,
so the same page is recognised however it was reached.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import InvalidUrl

MAX_URL_BYTES = 8192
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
        "rb_clickid", "s_cid", "srsltid", "__s", "ref_src",
    }
)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f]")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(_is_tracking(name) for name, _ in pairs):
        return query
    return urlencode([(name, value) for name, value in pairs if not _is_tracking(name)])


def clean_url(raw: object) -> str:
    """Validate a URL for saving and strip tracking parameters; raise InvalidUrl."""
    if not isinstance(raw, str):
        raise InvalidUrl("the URL must be a string")
    url = raw.strip()
    if len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        raise InvalidUrl(f"the URL is longer than {MAX_URL_BYTES} bytes")
    if _FORBIDDEN_CHARS.search(url):
        raise InvalidUrl("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise InvalidUrl(f"the URL cannot be parsed: {exc}") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise InvalidUrl("only http and https pages can be saved")
    if not host:
        raise InvalidUrl("the URL has no host name")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl("URLs with a user name or password in them are not saved")
    if port == 0:
        raise InvalidUrl("the URL's port is not valid")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidUrl("the URL is not valid Unicode") from None
    return urlunsplit(parts._replace(query=_clean_query(parts.query)))


def url_key(url: str) -> str:
    """The lookup key of an already cleaned URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{parts.port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))
