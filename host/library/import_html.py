"""HTML reading lists: Pocket's ``ril_export.html`` and Netscape bookmark files.

One reader serves both. A link is an ``<A HREF>``; its date is ``time_added`` (Pocket) or
``ADD_DATE`` (Netscape), its tags the comma-separated ``tags`` attribute. Pocket's links
under ``<h1>Read Archive</h1>`` are archived. In bookmark files ``TOREAD="0"`` (linkding,
Pinboard, Shaarli) and linkding's ``linkding:archived`` tag mean archived, our own
exports' ``FAVORITE="1"`` a favourite, and **the
folders a link sits in become its tags**, except the browser's own top folders (the
bookmarks bar or toolbar, the bookmarks menu, other, mobile and unsorted bookmarks).
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import IO

from pocket_companion.library.imports import Raw

_ROOT_FOLDERS = frozenset({
    "bookmarks bar", "bookmarks toolbar", "bookmarks menu", "other bookmarks",
    "mobile bookmarks", "favorites bar", "unsorted bookmarks", "unsorted",
})
_ROOT_MARKS = ("personal_toolbar_folder", "unfiled_bookmarks_folder")
_LINKDING_ARCHIVED = "linkding:archived"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, Raw]] = []
        self.folders: list[str] = []
        self.heading: list[str] | None = None  # text of an <h1>/<h3> being read
        self.folder_next: str | None = None  # an <h3>'s name, waiting for its <dl>
        self.root_heading = False
        self.archive = False  # inside Pocket's "Read Archive" section
        self.link: tuple[str, dict[str, str], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key.lower(): value or "" for key, value in attrs}
        if tag in ("h1", "h3"):
            self.heading, self.root_heading = [], any(m in named for m in _ROOT_MARKS)
        elif tag == "dl":
            self.folders.append(self.folder_next or "")
            self.folder_next = None
        elif tag == "a" and "href" in named:
            self.link = (str(self.getpos()[0]), named, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h3") and self.heading is not None:
            name = " ".join("".join(self.heading).split())
            if tag == "h1":
                self.archive = name.lower() == "read archive"
            elif not self.root_heading and name.lower() not in _ROOT_FOLDERS:
                self.folder_next = name
            self.heading = None
        elif tag == "dl" and self.folders:
            self.folders.pop()
        elif tag == "a" and self.link is not None:
            line, named, text = self.link
            self.found.append((line, self._raw(named, "".join(text))))
            self.link = None

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link[2].append(data)
        elif self.heading is not None:
            self.heading.append(data)

    def _raw(self, named: dict[str, str], title: str) -> Raw:
        tags = [tag for tag in named.get("tags", "").split(",") if tag.strip()]
        archived = (self.archive or named.get("toread") == "0"
                    or _LINKDING_ARCHIVED in (tag.strip().lower() for tag in tags))
        tags = [tag for tag in tags if tag.strip().lower() != _LINKDING_ARCHIVED]
        folders = [folder for folder in self.folders if folder]
        return Raw(named["href"], title, named.get("time_added") or named.get("add_date"),
                   "archived" if archived else "unread", named.get("favorite") == "1",
                   [*folders, *tags])


def rows(text: IO[str]) -> Iterator[tuple[str, Raw | str]]:
    """(line, row) for every link, read a block at a time (memory stays small)."""
    parser = _Links()
    while block := text.read(1 << 16):
        parser.feed(block)
        yield from parser.found
        parser.found.clear()
    parser.close()
    yield from parser.found
