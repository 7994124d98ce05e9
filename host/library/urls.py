"""Which URLs can be saved, and the one normalisation rule used to recognise them.

The stored URL is what the user saved, minus tracking parameters, and made safe to show:
a host name with non-ASCII letters is stored in its ASCII (punycode) form, and characters
that show no glyph (controls, bidi and other format characters, non-ASCII spaces) are
percent-encoded in the rest, as a browser sends them. The lookup key additionally
lower-cases scheme and host, drops default ports and the fragment, so the same page is
recognised however it was reached.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

from pocket_companion.errors import InvalidUrl

MAX_URL_BYTES = 8192
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
        "rb_clickid", "s_cid", "srsltid", "__s", "ref_src", "ref",
    }
)
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f]")
# Non-ASCII characters that show no glyph: percent-encoded outside the host.
_INVISIBLE = frozenset({"Cc", "Cf", "Cn", "Co", "Zl", "Zp", "Zs"})
# Most saved URLs: http(s), a lower-case host name, no port, user, query or fragment, and a
# plain ASCII path. Nothing in them to clean, and they already are their own lookup key.
_PLAIN = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*",
                    re.ASCII)


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
    return clean(raw)[0]


def clean(raw: object) -> tuple[str, str]:
    """:func:`clean_url` and the cleaned URL's lookup key, from one parse."""
    url = _text(raw)
    if _PLAIN.fullmatch(url):
        return url, url  # nothing to clean and already in the key's form
    return _clean_parsed(url)


def _clean_parsed(url: str) -> tuple[str, str]:
    parts, host, port = _parts(url)
    if not url.isascii():
        parts = _shown_safely(parts)
    query = _clean_query(parts.query)
    cleaned = urlunsplit(parts if query == parts.query else parts._replace(query=query))
    if cleaned != url:  # rebuilt differently: the key is the cleaned URL's own
        if url.isascii():  # the same parts, with the cleaned query: no second parse
            return cleaned, _key(parts.scheme.lower(), host, port, parts.path, query)
        return cleaned, url_key(cleaned)
    if parts.netloc == host and parts.path and not parts.fragment and host[-1] != ".":
        return cleaned, cleaned  # already in the key's form (lower-case, no port, ...)
    return cleaned, _key(parts.scheme.lower(), host, port, parts.path, parts.query)


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidUrl("the URL must be a string")
    url = raw.strip()
    if len(url.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES:
        raise InvalidUrl(f"the URL is longer than {MAX_URL_BYTES} bytes")
    if _FORBIDDEN_CHARS.search(url):
        raise InvalidUrl("the URL contains spaces or control characters")
    return url


def _parts(url: str) -> tuple[SplitResult, str, int | None]:
    """The URL split, with its host name and port, if it is one that can be saved."""
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
    if "@" in parts.netloc:  # a user name, a password or both
        raise InvalidUrl("URLs with a user name or password in them are not saved")
    if port == 0:
        raise InvalidUrl("the URL's port is not valid")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidUrl("the URL is not valid Unicode") from None
    return parts, host, port


def _shown_safely(parts: SplitResult) -> SplitResult:
    """The host in IDNA's ASCII form; characters without a glyph percent-encoded elsewhere."""
    netloc = parts.netloc if parts.netloc.isascii() else _ascii_netloc(parts.netloc)
    return parts._replace(netloc=netloc, path=_visible(parts.path),
                          query=_visible(parts.query), fragment=_visible(parts.fragment))


def _ascii_netloc(netloc: str) -> str:
    """``host[:port]`` with the host name converted as browsers do (UTS #46, IDNA 2008)."""
    import idna  # only for non-ASCII host names: browsers hand over the ASCII form

    name, colon, port = netloc.partition(":")  # user names are refused, [IPv6] is ASCII
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except UnicodeError:  # idna.IDNAError is one
        raise InvalidUrl("the URL's host name is not a valid international domain name "
                         "(IDNA)") from None
    return f"{ascii_name}{colon}{port}"


def _visible(text: str) -> str:
    """Path, query or fragment with its non-ASCII characters that show no glyph encoded."""
    if text.isascii():
        return text
    import unicodedata

    return "".join(quote(char, safe="") if unicodedata.category(char) in _INVISIBLE else char
                   for char in text)


def _key(scheme: str, host: str, port: int | None, path: str, query: str) -> str:
    host = host.rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, path or "/", query, ""))


def site_of(key: str) -> str:
    """The site of a page, from its lookup key: the host name in lower case and ASCII
    (IDNA) form, without a leading ``www.``, a port or an IPv6 address's brackets."""
    netloc = key.partition("://")[2].partition("/")[0]
    host = netloc[1:].partition("]")[0] if netloc.startswith("[") else netloc.partition(":")[0]
    return host.removeprefix("www.")


def key_of(raw: object) -> str | None:
    """The lookup key of any URL as a save would clean it (another program's, a server's);
    None for one a save refuses."""
    try:
        return clean(raw)[1]
    except (InvalidUrl, ValueError):
        return None


def url_key(url: str) -> str:
    """The lookup key of an already cleaned URL."""
    parts = urlsplit(url)
    return _key(parts.scheme.lower(), parts.hostname or "", parts.port, parts.path, parts.query)
