"""The protocol's import and export actions (see PROTOCOL.md), for the reading-list page.

A file to import comes in pieces well under the browser's message limits
(``import_begin``, ``import_chunk``..., ``import_finish``); it is kept in a private
folder of the data folder only until it is imported, and an upload left unfinished is
removed after :data:`UPLOAD_HOURS`. An export goes out in replies of at most
:data:`EXPORT_BUDGET` bytes, each naming where the next one starts: after the last page it
holds whole and, when a page's entry (with its text, up to 4 MiB) is too large for what is
left, how much of that page's entry it holds (the next reply checks that the entry is still
the same, with a CRC-32 of it, and goes on from there).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import shutil
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pocket_companion.errors import InvalidParams, NotFound
from pocket_companion.files import private_folder
from pocket_companion.library import exports, importer
from pocket_companion.nativehost.params import Params

if TYPE_CHECKING:
    from pocket_companion.actions import Context
    from pocket_companion.core import Companion

Data = dict[str, Any]
CHUNK_BYTES = 256 * 1024  # of the file per import_chunk (base64 makes it a third larger)
MAX_UPLOAD = 512 * 1024 * 1024
UPLOAD_HOURS = 1.0
EXPORT_BUDGET = 800_000  # bytes of a reply's data, as JSON, under the 1 MiB limit
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _uploads(c: Companion) -> Path:
    return Path(private_folder(os.path.join(c.home, "uploads")))


def _upload(c: Companion, p: Params) -> Path:
    token = p.text("upload", max_chars=64) or ""
    if not _TOKEN.fullmatch(token):
        raise InvalidParams("'upload' is not an upload this host gave out")
    found = [path for path in (_uploads(c) / token).glob("*") if path.is_file()]
    if not found:
        raise NotFound("no such upload: it was finished, or left unfinished too long; "
                       "start again")
    return found[0]


def _clear_stale(folder: Path) -> None:
    for upload in folder.iterdir():
        if time.time() - upload.stat().st_mtime > UPLOAD_HOURS * 3600:
            shutil.rmtree(upload, ignore_errors=True)


def import_begin(c: Companion, p: Params, ctx: Context) -> Data:
    name = os.path.basename(p.text("name", max_chars=255) or "")
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._")[:100] or "upload"
    size = p.integer("size", 0, 1, MAX_UPLOAD)
    folder = _uploads(c)
    _clear_stale(folder)
    token = secrets.token_urlsafe(18)
    os.mkdir(folder / token, 0o700)
    os.close(os.open(folder / token / safe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return {"upload": token, "chunk_bytes": CHUNK_BYTES, "size": size}


def import_chunk(c: Companion, p: Params, ctx: Context) -> Data:
    path = _upload(c, p)
    offset = p.integer("offset", 0, 0, MAX_UPLOAD)
    text = p.text("data", max_chars=2 * CHUNK_BYTES) or ""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParams("'data' is not base64") from None
    if offset != path.stat().st_size:
        raise InvalidParams(f"'offset' must be {path.stat().st_size}: pieces go in order")
    if offset + len(data) > MAX_UPLOAD:
        raise InvalidParams(f"a file to import is at most {MAX_UPLOAD // 2**20} MiB")
    with path.open("ab") as handle:
        handle.write(data)
    return {"received": offset + len(data)}


def import_finish(c: Companion, p: Params, ctx: Context) -> Data:
    path = _upload(c, p)
    dry_run = p.flag("dry_run")
    queue = c.fetch_queue()  # the pages it writes get a readable copy
    try:
        report = importer.run(c.store, [path], dry_run=dry_run, then=queue,
                              progress=lambda rows: ctx.progress("importing", {"rows": rows}))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
        if queue is not None and not dry_run:
            c.on_fetches(None)
    return report.to_dict()


class _Cursor(NamedTuple):
    """Where an export reply starts: after the page ``after`` (None: at the start), and
    ``sent`` characters into the next page's entry, whose CRC-32 is ``crc``."""

    after: tuple[float, int] | None
    sent: int = 0
    crc: int = 0

    def __str__(self) -> str:
        position = "" if self.after is None else f"{self.after[0]!r}:{self.after[1]}"
        return f"{position}@{self.sent}:{self.crc:08x}" if self.sent else position


class _Reply:
    """The data of one export reply, within :data:`EXPORT_BUDGET` (as JSON)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.budget = EXPORT_BUDGET
        self.count = 0  # entries that end in this reply

    def add(self, piece: str) -> bool:
        size = len(json.dumps(piece))
        if size > self.budget:
            return False
        self.parts.append(piece)
        self.budget -= size
        return True

    def data(self, following: _Cursor | None = None) -> Data:
        reply: Data = {"data": "".join(self.parts), "count": self.count}
        if following is not None:
            reply["next"] = str(following)
        return reply


def export(c: Companion, p: Params, ctx: Context) -> Data:
    from pocket_companion.library.listing import listing

    kind = p.choice("format", exports.FORMATS, "netscape")
    with_text = p.flag("with_text")
    if with_text and kind not in exports.WITH_TEXT:
        raise InvalidParams(f"a {kind} file has no place for the pages' text: export it as "
                            f"{' or '.join(exports.WITH_TEXT)}")
    query, sort = listing(p)
    start = _cursor(p.text("after", max_chars=100))
    reply = _Reply()
    if start.after is None and not start.sent:
        reply.add(exports.head(kind, with_text=with_text))
    last = start.after
    for index, item in enumerate(exports.listed(c.store, query, oldest=sort == "oldest",
                                                after=start.after)):
        copy = c.articles.exported(item.id) if with_text else None
        piece = exports.entry(kind, item, start.after is None and index == 0,
                              with_text=with_text, copy=copy)
        sent = _resumed(start, piece) if index == 0 else 0
        if reply.add(piece[sent:]):
            reply.count += 1
            last = (item.saved_at, item.id)
            continue
        if reply.count and len(json.dumps(piece[sent:])) <= EXPORT_BUDGET // 4:
            return reply.data(_Cursor(last))  # a small entry: whole in the next reply
        return reply.data(_Cursor(last, sent + _fill(reply, piece[sent:]),
                                  zlib.crc32(piece.encode("utf-8"))))
    reply.add(exports.tail(kind))
    return reply.data()


def _resumed(start: _Cursor, piece: str) -> int:
    """How much of the first page's entry earlier replies held (checked: the same entry)."""
    if start.sent and (start.sent > len(piece) or zlib.crc32(piece.encode("utf-8")) != start.crc):
        raise InvalidParams("the list changed while it was being exported: start again")
    return start.sent


def _fill(reply: _Reply, piece: str) -> int:
    """As much of ``piece`` as the reply has room for, added; how many characters."""
    from pocket_companion.articles.actions import json_cut

    escaped = json.dumps(piece)[1:-1]
    cut = json_cut(escaped, max(0, reply.budget - 2))
    head: str = json.loads(f'"{escaped[:cut]}"')
    reply.add(head)
    return len(head)


def _cursor(text: str | None) -> _Cursor:
    if text is None:
        return _Cursor(None)
    position, into, part = text.partition("@")
    try:
        after = None
        if position:
            saved_at, item_id = position.rsplit(":", 1)
            after = float(saved_at), int(item_id)
        if not into:
            return _Cursor(after)
        sent, _, crc = part.partition(":")
        if not sent.isdigit() or len(crc) != 8:
            raise ValueError(part)
        return _Cursor(after, int(sent), int(crc, 16))
    except ValueError:
        raise InvalidParams("'after' is not a cursor from an earlier export reply") from None
