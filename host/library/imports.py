"""Reading other programs' reading lists: which format a file is, and its rows.

A file's format is recognised by its content, never its name: Pocket's export (the
``pocket.zip`` itself or its ``part_*.csv`` files), Pocket's older ``ril_export.html``,
Instapaper's CSV, Netscape bookmark files (browsers, Raindrop, linkding, Shaarli,
Pinboard) and this program's own JSON export. :func:`read` yields, in file order, a
:class:`Row` for each item and a :class:`Problem` for each one that cannot be imported
(with the file and line, or the position in the file), so the rest still goes in. Nothing
here touches the reading list; reading never raises for a bad file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, NamedTuple

from pocket_companion.articles.model import Article
from pocket_companion.errors import CompanionError
from pocket_companion.library.urls import clean
from pocket_companion.nativehost.params import MAX_TAG_CHARS, MAX_TITLE_CHARS, _one_line

JSON_FORMAT = "pocket-companion-export"
_SNIFF = 4096


class Row(NamedTuple):
    """One item to import, with its URL already cleaned by the rules of a save."""

    url: str
    key: str
    title: str
    saved_at: float | None  # None: the file does not say when it was saved
    status: str  # "unread" or "archived"
    favorite: bool
    tags: tuple[str, ...]
    where: str  # "file:line" (or "file:item N") for messages
    copy: ImportedCopy | None = None  # a readable copy (this program's JSON export, with text)


class Problem(NamedTuple):
    where: str
    message: str


Entry = Row | Problem


class Raw(NamedTuple):
    """A row as a format reader found it, before the common checks."""

    url: object
    title: str = ""
    saved_at: str | float | None = None
    status: str = "unread"
    favorite: bool = False
    tags: Iterable[str] = ()
    article: object = None  # this program's JSON export: the copy, with "text" beside it
    text: object = None


class ImportedCopy(NamedTuple):
    """A readable copy an import brings: checked, its HTML sanitized; ``source`` as stored
    (``capture`` or ``fetch``)."""

    article: Article
    source: str


def read(path: Path) -> Iterator[Entry]:
    """Every row of ``path`` (any supported format), in order."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF)
            handle.seek(0)
            if head.startswith(b"PK\x03\x04"):
                yield from _zip(path, handle)
                return
            yield from _one(path.name, head, handle)
    except OSError as exc:
        yield Problem(str(path), f"cannot be read: {exc.strerror or exc}")


def _zip(path: Path, handle: IO[bytes]) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(handle)
        names = sorted(n for n in archive.namelist() if n.lower().endswith((".csv", ".html")))
        if not names:
            yield Problem(str(path), "this zip file holds no .csv or .html file to import")
        for name in names:
            with archive.open(name) as member:
                head = member.read(_SNIFF)
            with archive.open(name) as member:
                yield from _one(f"{path.name}:{name}", head, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        yield Problem(str(path), f"is not a readable zip file ({exc})")


def _one(name: str, head: bytes, stream: IO[bytes]) -> Iterator[Entry]:
    from pocket_companion.library import import_csv

    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"{", b"[")):
        reader: Iterator[tuple[str, Raw | str]] = _json_rows(text)
    elif start.startswith(b"<") or b"<a " in start or b"<dt>" in start:
        from pocket_companion.library import import_html  # html.parser: only for HTML

        reader = import_html.rows(text)
    else:
        reader = import_csv.rows(text)
    try:
        for where, raw in reader:
            yield _checked(f"{name}:{where}", raw)
    except (ValueError, UnicodeError, OSError, zipfile.BadZipFile) as exc:  # csv.Error too
        yield Problem(name, f"stopped reading: {exc}")


def _checked(where: str, raw: Raw | str) -> Entry:
    """The common rules: a URL that a save accepts, a readable date, clean title and tags."""
    if isinstance(raw, str):
        return Problem(where, raw)
    try:
        url, key = clean(raw.url.strip() if isinstance(raw.url, str) else raw.url)
    except CompanionError as exc:
        return Problem(where, exc.message)
    try:
        saved_at = _date(raw.saved_at)
    except ValueError:
        return Problem(where, f"the date {raw.saved_at!r} cannot be read")
    title = _one_line(raw.title)[:MAX_TITLE_CHARS]
    if title in (url, raw.url):
        title = ""  # Pocket writes the URL where a page had no title
    try:
        copy = _copy(raw.article, raw.text, url)
    except CompanionError as exc:
        return Problem(where, f"its readable copy cannot be kept: {exc.message}")
    return Row(url, key, title, saved_at, raw.status, raw.favorite, _tags(raw.tags), where,
               copy)


def _copy(article: object, text: object, url: str) -> ImportedCopy | None:
    """An exported copy checked as a capture is, and sanitized as every stored copy is."""
    if article is None:
        return None
    from pocket_companion.articles.capture import article_of
    from pocket_companion.articles.sanitize import sanitize
    from pocket_companion.errors import InvalidParams

    if not isinstance(article, dict) or article.get("source") not in ("capture", "fetch"):
        raise InvalidParams("'article' must be an object with a 'source' of capture or fetch")
    found = article_of({**{k: v for k, v in article.items() if k != "source"}, "text": text})
    if found is None or not found.text.strip():
        raise InvalidParams("'text' is empty")
    return ImportedCopy(found._replace(html=sanitize(found.html, url)), article["source"])


def _tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as the list keeps them (lower-case, 25 characters, no commas), deduplicated."""
    kept: dict[str, None] = {}
    for tag in tags:
        text = _one_line(tag.replace(",", " ")).lower()[:MAX_TAG_CHARS].strip()
        if text:
            kept[text] = None
    return tuple(kept)


def _date(value: str | float | None) -> float | None:
    """Seconds since the epoch from a number (seconds, or milliseconds or microseconds as
    some tools write them) or an ISO 8601 text; None when there is no date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
    else:
        number = float(value)
    while number > 1e11:  # milliseconds or microseconds
        number /= 1000
    if not 0 < number < 32503680000:  # after 1970 and before the year 3000
        raise ValueError(value)
    return number


def _json_rows(text: IO[str]) -> Iterator[tuple[str, Raw | str]]:
    """This program's own export: ``{"format": JSON_FORMAT, "items": [...]}``."""
    import json

    try:
        data = json.load(text)
    except ValueError as exc:
        yield "1", f"not valid JSON ({exc})"
        return
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT or not isinstance(
            items, list):
        yield "1", f"a JSON file, but not a {JSON_FORMAT} file"
        return
    for index, item in enumerate(items, 1):
        yield f"item {index}", _json_item(item)


def _json_item(item: object) -> Raw | str:
    if not isinstance(item, dict):
        return "not an object"
    tags = item.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return "'tags' is not a list of strings"
    title, saved = item.get("title") or "", item.get("saved_at")
    if not isinstance(title, str) or not isinstance(saved, str | int | float | None):
        return "'title' or 'saved_at' has the wrong type"
    status = "archived" if item.get("status") == "archived" else "unread"
    return Raw(item.get("url"), title, saved, status, item.get("favorite") is True, tags,
               item.get("article"), item.get("text"))
