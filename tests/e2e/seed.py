"""Reading lists for the reading-list page's tests, screenshots and benchmark.

Pages look like a real list: titles and sites of many kinds (some with accents, some
with no title), tags, and dates spread over months. They are written with the store's
own ``save`` (one transaction per day, so each day gets its date), then changed through
the host's protocol (``modify_many``) as the page itself would change them.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from pocket_companion.library.store import NewItem, Store

from tests.support.frames import HostProcess

DAY = 86_400.0

SITES = [
    "arstechnica.com", "theguardian.com", "lwn.net", "smashingmagazine.com", "aeon.co",
    "nautil.us", "quantamagazine.org", "blog.rust-lang.org", "martinfowler.com", "wired.com",
    "www.newyorker.com", "www.bbc.co.uk", "www.lemonde.fr", "www.spiegel.de", "github.blog",
    "developer.mozilla.org", "longreads.com", "www.seriouseats.com", "www.atlasobscura.com",
    "jvns.ca", "simonwillison.net", "www.economist.com", "hbr.org", "www.nature.com",
]

TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("async Rust", ("programming", "rust")),
    ("CSS container queries", ("design", "css")),
    ("SQLite full-text search", ("programming", "databases")),
    ("urban beekeeping", ("nature",)),
    ("sourdough baking", ("food",)),
    ("remote work", ("work",)),
    ("quantum error correction", ("science",)),
    ("the James Webb telescope", ("science", "space")),
    ("the Mediterranean diet", ("food", "health")),
    ("open-source funding", ("programming", "economics")),
    ("typography on the web", ("design",)),
    ("sleep science", ("health", "science")),
    ("e-bike commuting", ("cities",)),
    ("Kubernetes networking", ("programming", "ops")),
    ("accessible forms", ("design", "accessibility")),
    ("the history of the paperback", ("books", "history")),
    ("coral reef restoration", ("climate", "nature")),
    ("climate adaptation in cities", ("climate", "cities")),
    ("home espresso", ("food",)),
    ("Python packaging", ("programming", "python")),
    ("WebAssembly", ("programming",)),
    ("public libraries", ("books", "cities")),
    ("the four-day week", ("work", "economics")),
    ("slow travel", ("travel",)),
    ("Japanese woodworking", ("craft",)),
    ("fermentation", ("food", "science")),
    ("chess engines", ("games",)),
    ("deep-sea mining", ("climate", "economics")),
    ("night trains in Europe", ("travel",)),
    ("dark mode design", ("design",)),
]

PATTERNS = [
    "A field guide to {topic}", "Why {topic} matters more than ever",
    "What we learned from ten years of {topic}", "The hidden cost of {topic}",
    "{topic}: a beginner's guide", "Inside the quiet revolution in {topic}",
    "How {topic} changed my mind", "Everything you wanted to know about {topic}",
    "The case against {topic}", "{topic}, explained in five charts",
    "Notes on {topic}", "A short history of {topic}",
]

EXTRAS = [
    ("Un café à Paris : les meilleures adresses", "www.lemonde.fr", ("travel", "food")),
    ("Über die Kunst des Weglassens", "www.spiegel.de", ("culture",)),
    ("Crème brûlée, the éclair and other French pâtisserie", "www.seriouseats.com", ("food",)),
    ("", "example.org", ()),  # a page saved without a title shows its address
]


class Page(NamedTuple):
    url: str
    title: str
    tags: tuple[str, ...]


def pages(count: int, seed: int = 12) -> list[Page]:
    """``count`` varied pages, newest first, the same ones for the same seed."""
    rng = random.Random(seed)
    made: list[Page] = []
    for n in range(count):
        if n % 97 == 5:
            title, site, tags = EXTRAS[(n // 97) % len(EXTRAS)]
        else:
            topic, tags = rng.choice(TOPICS)
            title = rng.choice(PATTERNS).format(topic=topic)
            title = title[0].upper() + title[1:]
            site = rng.choice(SITES)
        slug = re.sub(r"\W+", "-", title.lower()).strip("-")[:48].strip("-") or "page"
        made.append(Page(f"https://{site}/{2026 - n % 3}/{slug}-{n}", title, tuple(tags)))
    return made


def _by_day(items: list[Page], per_day: int) -> Iterator[tuple[int, list[Page]]]:
    for start in range(0, len(items), per_day):
        yield start // per_day, items[start:start + per_day]


def save(home: Path, items: list[Page], per_day: int = 6, now: float | None = None) -> None:
    """Save ``items`` (newest first): ``per_day`` a day going back from ``now``."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    start = time.time() if now is None else now
    clock = [start]
    store = Store(home / "reading-list.sqlite3", clock=lambda: clock[0])
    for days, batch in reversed(list(_by_day(items, per_day))):
        clock[0] = start - days * DAY - 3600
        store.save([NewItem(p.url, p.title, p.tags) for p in reversed(batch)])
    store.db.close()


def change(env: dict[str, str], urls: list[str], op: str) -> None:
    """Change pages through the host's protocol, as the page does."""
    host = HostProcess(env)
    try:
        for start in range(0, len(urls), 1000):
            reply = host.request("modify_many", {"urls": urls[start:start + 1000], "op": op})
            assert reply["ok"], reply
    finally:
        host.close()


def reading_list(home: Path, env: dict[str, str], count: int) -> list[Page]:
    """A list of ``count`` pages: about a third archived, one in nine a favourite."""
    items = pages(count)
    save(home, items)
    change(env, [p.url for n, p in enumerate(items) if n % 3 == 2], "archive")
    change(env, [p.url for n, p in enumerate(items) if n % 9 == 4], "favorite")
    return items
