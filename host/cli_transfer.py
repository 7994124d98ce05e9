"""``pocket-companion import`` and ``export``: other programs' lists in, ours out.

Both read and write files here, through the same code as the host's actions
(:mod:`.importer`, :mod:`.exports`). On a terminal they show a progress bar (tqdm) on
stderr; with ``--json``, or when stderr is not a terminal, they say nothing until done.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pocket_companion.cli import Outcome
from pocket_companion.errors import InvalidParams
from pocket_companion.text import for_terminal

if TYPE_CHECKING:
    from pocket_companion.core import Companion
    from pocket_companion.library.articles import Copy

Data = dict[str, Any]


@contextmanager
def _bar(show: bool, total: int | None, unit: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (only when asked and on a terminal); yields ``update(done)``."""
    if not (show and sys.stderr.isatty()):
        yield lambda done: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr, leave=False) as bar:
        def update(done: int) -> None:
            bar.update(done - bar.n)

        yield update


def cmd_import(c: Companion, args: argparse.Namespace) -> Outcome:
    from pocket_companion.library import importer

    paths = [Path(name) for name in args.files]
    with _bar(not args.json, None, " rows") as update:  # a host fetches their copies
        report = importer.run(c.store, paths, dry_run=args.dry_run, progress=update,
                              then=c.fetch_queue())
    failures = [f"{for_terminal(p.where)}: {for_terminal(p.message)}" for p in report.problems]
    if report.problem_count > len(report.problems):
        failures.append(f"... and {report.problem_count - len(report.problems)} more rows that "
                        "could not be imported")
    if args.json:
        return Outcome(report.to_dict(), failures)
    verb = ("Would add", "would update", "would stay") if args.dry_run else (
        "Added", "updated", "unchanged")
    lines = [f"{verb[0]} {report.added:,}, {verb[1]} {report.updated:,}, {report.unchanged:,} "
             f"{verb[2]} as they were; {report.problem_count:,} rows could not be imported"]
    if args.dry_run:
        lines.append("Nothing was written (--dry-run).")
    elif c.config.load().username and report.added + report.updated:
        lines.append("They are sent to your account in the background; pocket-companion "
                     "status shows how far, pocket-companion sync sends them now.")
    return Outcome("\n".join(lines), failures)


def cmd_export(c: Companion, args: argparse.Namespace) -> Outcome:
    from pocket_companion.library import exports
    from pocket_companion.library.listing import listing
    from pocket_companion.nativehost.params import Params

    params = {"query": args.search, "tag": args.tag, "favorite": args.favorite or None,
              "status": args.status, "sort": args.sort}
    query, sort = listing(Params({k: v for k, v in params.items() if v is not None},
                                 tuple(params)))
    if args.with_text and args.format not in exports.WITH_TEXT:
        raise InvalidParams(f"--with-text needs --format {' or '.join(exports.WITH_TEXT)}: a "
                            "bookmarks file has no place for the text")
    total = c.store.page(1, 0, query)[1]
    items = exports.listed(c.store, query, oldest=sort == "oldest")
    copy_of = (lambda item: c.articles.exported(item.id)) if args.with_text else None
    with _bar(bool(args.output) and not args.json, total, " pages") as update:
        counted = _counting(items, update)
        if args.output:
            count = _to_file(Path(args.output), args.format, counted, copy_of)
        else:
            count = exports.write(args.format, counted, sys.stdout, copy_of)
    summary = {"format": args.format, "count": count, "file": args.output}
    if args.json:
        return Outcome(summary, [])
    shown = f"Exported {count:,} pages to {for_terminal(args.output)}" if args.output else ""
    return Outcome(shown, [])


def _counting(items: Iterator[Any], update: Callable[[int], None]) -> Iterator[Any]:
    for done, item in enumerate(items, 1):
        if done % 1000 == 0:
            update(done)
        yield item


def _to_file(path: Path, kind: str, items: Iterator[Any],
             copy_of: Callable[[Any], Copy | None] | None) -> int:
    """Written beside the file and renamed, private (0600): it is your whole list."""
    from pocket_companion.library import exports

    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = exports.write(kind, items, out, copy_of)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


def register(command: Callable[..., argparse.ArgumentParser]) -> None:
    imported = command("import", cmd_import,
                       "add the pages of other programs' exports to the reading list")
    imported.add_argument("files", nargs="+", metavar="FILE",
                          help="Pocket's pocket.zip or part_*.csv, ril_export.html, "
                               "Instapaper's CSV, a bookmarks file, or our own JSON export")
    imported.add_argument("--dry-run", action="store_true",
                          help="say what would change, and write nothing")
    exported = command("export", cmd_export, "write the reading list to a file")
    exported.add_argument("--format", choices=("netscape", "csv", "json"), default="netscape",
                          help="netscape: a bookmarks file browsers and other services import; "
                               "csv: the columns of Pocket's export; json: every field")
    exported.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    exported.add_argument("--search", metavar="Q", help="only pages this search finds")
    exported.add_argument("--tag", metavar="T", help="only pages with this tag")
    exported.add_argument("--favorite", action="store_true", help="only favourites")
    exported.add_argument("--status", choices=("unread", "archived", "all"), default="all")
    exported.add_argument("--sort", choices=("newest", "oldest"), default="newest")
    exported.add_argument("--with-text", action="store_true",
                          help="add each page's readable copy as plain text (json, csv)")
