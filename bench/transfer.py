"""Import and export through the command, as a person runs them (process start included).

- import: a Pocket CSV export of ``rows`` pages into a new data folder, against the same
  rows read with :mod:`csv` and written by a bare ``sqlite3`` ``executemany`` into a
  one-table file, by a process of its own, in the same run (medians of 3, interleaved);
- export: the 100,000-page list in each format, to a file;
- peak memory of an export of 10,000 and of 100,000 pages: it must not grow with the list.
"""

from __future__ import annotations

import csv
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import procs, setup
from .cases import Row

BARE = """
import csv, sqlite3, sys
conn = sqlite3.connect(sys.argv[2])
conn.execute("CREATE TABLE rows (title, url, time_added, tags, status)")
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    next(reader)
    conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", reader)
conn.commit()
"""


def pocket_csv(path: Path, rows: int) -> None:
    """A Pocket export's rows: realistic URLs (a fifth with tracking parameters), titles,
    two-thirds archived, a few tags."""
    rng = random.Random(7)
    words = [
        "climate",
        "city",
        "food",
        "design",
        "python",
        "privacy",
        "history",
        "science",
        "books",
        "travel",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "url", "time_added", "tags", "status"])
        for i in range(rows):
            url = f"https://www.site{i % 700}.example/{rng.choice(words)}/{i}-{rng.choice(words)}"
            if rng.random() < 0.2:
                url += "?utm_source=pocket&utm_medium=reader"
            writer.writerow(
                [
                    f"{rng.choice(words).title()} and {rng.choice(words)} ({i})",
                    url,
                    1500000000 + i * 3000,
                    "|".join(rng.sample(words, rng.randint(0, 2))),
                    rng.choice(["unread", "archive", "archive"]),
                ]
            )


# The command run in-process, writing its peak resident memory (VmHWM, of this process
# image only) to the file named first. A child's ``ru_maxrss`` would not do: Linux carries
# the high-water mark across fork and exec, so it would report the benchmark's own size.
PEAK = """
import atexit, runpy, sys
def peak(path=sys.argv[1]):
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            open(path, "w").write(line.split()[1])
atexit.register(peak)
sys.argv = ["pocket-companion", *sys.argv[2:]]
runpy.run_module("pocket_companion", run_name="__main__", alter_sys=True)
"""


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds one command takes."""
    start = time.perf_counter()
    result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, check=False)
    assert result.returncode in (0, 1), command
    return time.perf_counter() - start


def _measured(tmp: Path, env: dict[str, str], *args: str) -> tuple[float, float]:
    """Seconds and peak resident MB of ``pocket-companion ARGS``."""
    peak = tmp / "peak.txt"
    seconds = _timed([sys.executable, "-c", PEAK, str(peak), *args], env)
    return seconds, int(peak.read_text()) / 1024


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pocket_companion", *args]


def imports(tmp: Path, rows: int) -> list[Row]:
    source = tmp / "part_000000.csv"
    pocket_csv(source, rows)
    ours, bare = [], []
    for run in range(3):
        home = tmp / f"import-{run}"
        env = procs.clean_env(POCKET_COMPANION_HOME=str(home))
        ours.append(_timed(_cli("import", str(source)), env))
        bare.append(
            _timed([sys.executable, "-c", BARE, str(source), str(tmp / f"bare-{run}")], env)
        )
        shutil.rmtree(home)
    value, baseline = statistics.median(ours), statistics.median(bare)
    return [
        Row(
            f"import a {rows}-row Pocket CSV (command)",
            value * 1000,
            baseline * 1000,
            "ms",
            "<= 2 s, <= 10x",
            value <= 2.0 and value <= 10 * baseline,
        )
    ]


def exports(tmp: Path, home: Path, count: int, small: int) -> list[Row]:
    env = procs.clean_env(POCKET_COMPANION_HOME=str(home))
    rows, peaks = [], {}
    for kind in ("netscape", "csv", "json"):
        seconds, peaks[kind] = _measured(
            tmp, env, "export", "--format", kind, "-o", str(tmp / f"export.{kind}"))
        rows.append(
            Row(
                f"export {count} pages ({kind})",
                seconds * 1000,
                float("nan"),
                "ms",
                "<= 3 s",
                seconds <= 3.0,
            )
        )
    setup.fill(tmp / "small", small)
    small_env = procs.clean_env(POCKET_COMPANION_HOME=str(tmp / "small"))
    little = _measured(tmp, small_env, "export", "--format", "json", "-o",
                       str(tmp / "small.json"))[1]
    rows.append(
        Row(
            f"export peak RSS, {count} vs {small} pages",
            peaks["json"],
            little,
            "MB",
            "same within 15 MB",
            peaks["json"] - little <= 15,
        )
    )
    return rows
