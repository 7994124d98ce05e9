"""``python -m bench.list_page``: the reading-list page's speed and memory in real Chromium.

A reading list of 100,000 pages (``--items``), the real host, Debian's Chromium with the
extension. Each run opens the page the way the shortcut does (``listTab.open()`` in the
background) and reads the page's ``first-rows`` mark: the time from the tab's navigation
start until the first rows are in the document, and from the command until then. Runs
alternate between a host already running (warm: the background's port is open) and none
(cold: the port is closed first, so the host starts while the tab opens). Then the page's
JavaScript heap and DOM size after the first rows and after scrolling to 1,000 rows, and
the host's resident memory. Run it inside ``scripts/with-services`` or anywhere with
Chromium installed; headless without a display.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.e2e import seed
from tests.e2e.chromium import Chromium
from tests.e2e.harness import Host, wait_until
from tests.fakepocket import FakePocket

TARGET_MS = 300
FIRST_ROWS = """(() => {
    const mark = performance.getEntriesByName('first-rows')[0];
    return mark && {navigation: mark.startTime, epoch: performance.timeOrigin + mark.startTime};
})()"""


def open_list(browser: Chromium, cold: bool) -> tuple[Page, float, float]:
    """Open the list as the shortcut does; (page, ms since navigation, ms since the command)."""
    if cold:
        browser.evaluate("() => pocketCompanion.host.close()")
        time.sleep(0.3)  # the host process exits
    with browser.context.expect_page() as opened:
        started: float = browser.evaluate(
            "async () => { const t = Date.now(); await pocketCompanion.listTab.open(); return t; }")
    page = opened.value
    mark = wait_until(lambda: page.evaluate(FIRST_ROWS), "the first rows", timeout=60)
    return page, mark["navigation"], mark["epoch"] - started


def metrics(page: Page) -> dict[str, float]:
    """The page's JS heap (after a garbage collection) and DOM nodes, from DevTools."""
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    session.send("Performance.enable")
    found = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    session.detach()
    return {"heap_mb": found["JSHeapUsedSize"] / 2**20, "nodes": found["Nodes"]}


def scroll_to(page: Page, rows: int) -> int:
    """Scroll down (infinite scroll loads pages) until ``rows`` rows are shown."""
    count = 0
    deadline = time.monotonic() + 120
    while count < rows and time.monotonic() < deadline:
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(100)
        count = page.evaluate("document.querySelectorAll('#results .item').length")
    return int(count)


def host_rss_mb(home: Path) -> float | None:
    """Resident memory of the host process serving this data folder."""
    marker = f"POCKET_COMPANION_HOME={home}".encode()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes().split(b"\0"):
                status = (proc / "status").read_text()
                if "python" in (proc / "comm").read_text():
                    kb = next(line for line in status.splitlines() if line.startswith("VmRSS"))
                    return int(kb.split()[1]) / 1024
        except OSError:
            continue
    return None


def run(items: int, runs: int, tmp: Path) -> dict[str, Any]:
    with FakePocket() as fake, sync_playwright() as playwright:
        host = Host(tmp / "host", fake)
        began = time.monotonic()
        seed.save(host.home, seed.pages(items), per_day=max(6, items // 200))
        print(f"{items:,} pages saved in {time.monotonic() - began:.1f} s", flush=True)
        browser = Chromium(playwright, tmp, host)
        try:
            timings: dict[str, list[tuple[float, float]]] = {"warm": [], "cold": []}
            open_list(browser, cold=True)[0].close()  # the first start of all is not counted
            for _ in range(runs):
                for kind in ("warm", "cold"):
                    page, navigation, command = open_list(browser, cold=kind == "cold")
                    timings[kind].append((navigation, command))
                    page.close()
            page, _, _ = open_list(browser, cold=False)
            first = metrics(page)
            shown = scroll_to(page, 1000)
            scrolled = metrics(page)
            rss = host_rss_mb(host.home)
            page.close()
        finally:
            browser.close()
            host.stop()
    return {"timings": timings, "first": first, "scrolled": scrolled, "shown": shown, "rss": rss}


def report(items: int, results: dict[str, Any]) -> str:
    lines = [f"reading list of {items:,} pages; medians of {len(results['timings']['warm'])} "
             "runs (min-max)", ""]
    for kind, label in (("warm", "host running"), ("cold", "host started by the open")):
        for index, since in ((0, "the tab's navigation start"), (1, "the command")):
            values = [run[index] for run in results["timings"][kind]]
            median = statistics.median(values)
            verdict = "met" if median <= TARGET_MS else "MISSED"
            lines.append(f"first rows after {since:27} ({label:24}) {median:6.0f} ms "
                         f"({min(values):.0f}-{max(values):.0f})  target ≤ {TARGET_MS} ms: "
                         f"{verdict}")
    first, scrolled = results["first"], results["scrolled"]
    lines += ["",
              f"page JS heap, first rows shown:     {first['heap_mb']:6.1f} MB, "
              f"{first['nodes']:,.0f} DOM nodes",
              f"page JS heap, {results['shown']:,} rows loaded:  {scrolled['heap_mb']:6.1f} MB, "
              f"{scrolled['nodes']:,.0f} DOM nodes"]
    rss = results["rss"]
    lines.append("host resident memory:               " +
                 (f"{rss:6.1f} MB" if rss is not None else "(host process not found)"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.list_page", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000, help="pages in the list")
    parser.add_argument("--runs", type=int, default=7, help="openings of each kind")
    args = parser.parse_args(argv)
    if not os.access("/usr/lib/chromium/chromium", os.X_OK):
        print("Chromium is not installed (/usr/lib/chromium/chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as name:
        results = run(args.items, args.runs, Path(name))
    print(report(args.items, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
