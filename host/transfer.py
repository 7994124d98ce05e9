"""The protocol's import and export actions (see PROTOCOL.md), for the reading-list page.

A file to import comes in pieces well under the browser's message limits
(``import_begin``, ``import_chunk``..., ``import_finish``); it is kept in a private
folder of the data folder only until it is imported, and an upload left unfinished is
removed after :data:`UPLOAD_HOURS`. An export goes out in replies of at most
:data:`EXPORT_BUDGET` bytes, each naming where the next one starts.
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    try:
        report = importer.run(c.store, [path], dry_run=dry_run,
                              progress=lambda rows: ctx.progress("importing", {"rows": rows}))
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return report.to_dict()


def export(c: Companion, p: Params, ctx: Context) -> Data:
    from pocket_companion.library.listing import listing

    kind = p.choice("format", exports.FORMATS, "netscape")
    query, sort = listing(p)
    after = _cursor(p.text("after", max_chars=64))
    parts = [exports.head(kind)] if after is None else []
    budget = EXPORT_BUDGET - len(json.dumps(parts))
    count, last = 0, after
    for item in exports.listed(c.store, query, oldest=sort == "oldest", after=after):
        piece = exports.entry(kind, item, after is None and count == 0)
        size = len(json.dumps(piece))
        if count and size > budget and last is not None:
            return {"data": "".join(parts), "count": count, "next": f"{last[0]!r}:{last[1]}"}
        budget -= size
        parts.append(piece)
        count += 1
        last = (item.saved_at, item.id)
    parts.append(exports.tail(kind))
    return {"data": "".join(parts), "count": count}


def _cursor(text: str | None) -> tuple[float, int] | None:
    if text is None:
        return None
    try:
        saved_at, item_id = text.rsplit(":", 1)
        return float(saved_at), int(item_id)
    except ValueError:
        raise InvalidParams("'after' is not a cursor from an earlier export reply") from None
