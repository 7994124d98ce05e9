"""``python -m bench.badge``: how soon a click on the toolbar button shows something, in
real Chromium with the real host, against a fake Pocket server that answers at once,
2 s late, or never.

The extension runs from a copy whose background also notes the time of every change of
the button (``action.setBadgeText`` / ``setTitle``) and of the port's messages; the rest
is the shipped code. A click is CDP's ``Extensions.triggerAction``, timed from just
before it is sent. Three ways to click:

- *warm*: the background and the host are running (a page was looked up before);
- *cold*: the service worker was stopped (its port closed, so the host exited): the
  click starts both;
- *browser start*: the browser is started afresh with the page, and the click comes as
  soon as the page has loaded (the background's start-up work runs meanwhile).

For each, the median (and range) of the time to the first change of the button (``…``),
to the first result (the page kept on this computer: the host's ``kept`` event), and to
the outcome (on the account, or why it waits). Each server behaviour gets a data folder
and a host of its own. Run it inside ``scripts/with-services`` or anywhere with Chromium
installed; headless without a display.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Playwright, sync_playwright

from tests.e2e.chromium import Chromium
from tests.e2e.harness import CHROMIUM, EXTENSION, Host, wait_until, web_pages
from tests.fakepocket import FakePocket
from tests.fakepocket.faults import Fault

from . import setup

FIRST_TARGET_MS = {"warm": 100, "cold": 300, "browser start": 300}
# The button's titles during a save: working, kept (sending), and the outcomes
SAVE_TITLES = tuple(f"Pocket Companion: {start}" for start in
                    ("Saving", "Kept", "Saved", "Could not save"))
SERVERS = {"at once": None, "2 s late": 2.0, "never": 3600.0}
# a cold click's steps: the worker's script runs, the click reaches it, the host is started,
# its hello answers, the page is on disk (kept), the server's answer is shown (outcome)
PHASES = ("worker", "clicked", "connect", "hello", "kept", "outcome")
# The shipped background, plus notes of when the button changed and what the port carried.
BACKGROUND = """import { createApp } from "./lib/app.js";

const ext = globalThis.chrome;
const log = [["worker", Date.now()]];
globalThis.benchLog = log;
for (const name of ["setBadgeText", "setTitle"]) {
  const real = ext.action[name].bind(ext.action);
  ext.action[name] = (details) => {
    log.push([name, Date.now(), details.tabId, details.text ?? details.title]);
    return real(details);
  };
}
const connect = ext.runtime.connectNative.bind(ext.runtime);
ext.runtime.connectNative = (name) => {
  log.push(["connect", Date.now()]);
  const port = connect(name);
  port.onMessage.addListener((m) => log.push(["received", Date.now(), m.id,
    m.event ? m.data?.stage : "reply"]));
  const post = port.postMessage.bind(port);
  port.postMessage = (m) => {
    log.push(["sent", Date.now(), m.id, m.action]);
    post(m);
  };
  return port;
};
ext.action.onClicked.addListener(() => log.push(["clicked", Date.now()]));
// Chromium installs an extension given by --load-extension afresh at each start, so the
// set-up page would open every time; an installed extension's start is no install.
const app = createApp(ext);
app.onInstalled = () => null;
globalThis.pocketCompanion = app.listen();
"""


def noted_copy(folder: Path) -> Path:
    """The extension with the noting background (same key, so the same id)."""
    shutil.copytree(EXTENSION, folder)
    (folder / "background.js").write_text(BACKGROUND)
    return folder


class Sample(dict[str, float | None]):
    """ms from the click to: ``first`` change, first ``result``, ``outcome``; phases."""


def sample(log: list[list[Any]], tab_id: int, clicked: float) -> Sample | None:
    """What one click did, from the background's notes (None: the click was dropped)."""
    after = [entry for entry in log if entry[1] >= clicked - 1]
    titles = [(at, title) for name, at, tab, title in (e for e in after if e[0] == "setTitle")
              if tab == tab_id and title.startswith(SAVE_TITLES)]
    if not titles:
        return None

    def since(at: float | None) -> float | None:
        return None if at is None else at - clicked

    def first(kind: str, *detail: object) -> float | None:
        return next((e[1] for e in after if e[0] == kind and all(d in e[2:] for d in detail)),
                    None)

    hello = next((e[2] for e in after if e[0] == "sent" and e[3] == "hello"), None)
    result = next((at for at, title in titles if "Saving" not in title), None)
    outcome = next((at for at, title in titles if "Saving" not in title and
                    "sending it" not in title), None)
    return Sample(first=since(titles[0][0]), result=since(result), outcome=since(outcome),
                  worker=since(first("worker")), clicked=since(first("clicked")),
                  connect=since(first("connect")),
                  hello=since(first("received", hello, "reply")) if hello else None,
                  kept=since(first("received", "kept")))


def click(browser: Chromium, url: str, wait_outcome: bool) -> Sample:
    """Click the button on the tab showing ``url``; again if the browser dropped it."""
    page = next(p for p in browser.context.pages if p.url == url)
    target = next(t for t in browser.cdp.send("Target.getTargets", {"filter": [{}]})
                  ["targetInfos"] if t["type"] == "tab" and t["url"] == url)
    for _ in range(3):
        page.bring_to_front()  # another tab (the set-up page at a start) may have come first
        clicked = time.time() * 1000
        browser.cdp.send("Extensions.triggerAction",
                         {"id": browser.id, "targetId": target["targetId"]})
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            log = browser.evaluate("() => globalThis.benchLog")
            found = sample(log, browser.tab_id(page), clicked)
            if found and found["result"] is not None and (found["outcome"] or not wait_outcome):
                return found
            time.sleep(0.02)
        if found is not None:  # it reacted, slowly: wait for the rest
            return wait_until(lambda c=clicked: (s := sample(browser.evaluate(
                "() => globalThis.benchLog"), browser.tab_id(page), c)) and
                (s["outcome"] or not wait_outcome) and s, "the click's outcome", timeout=60)
    log = browser.evaluate("() => globalThis.benchLog")
    raise AssertionError(f"the button did not react to three clicks; the background noted "
                         f"{log[-12:]}")


@contextmanager
def server(fake: FakePocket, late: float | None) -> Iterator[None]:
    """The server answers ``late`` while a browser is measured; before the browser closes,
    it answers what it holds (the browser's end waits for its hosts', and a host finishes
    the request under way first)."""
    if late is not None:
        fake.inject(Fault("slow", seconds=late, processed=True), times=10**6, path="/v3/")
    try:
        yield
    finally:
        fake.clear_faults()


def fresh_host(folder: Path, fake: FakePocket, env: dict[str, str]) -> Host:
    host = Host(folder, fake, env=env)
    host.login()
    return host


def warm_and_cold(playwright: Playwright, folder: Path, extension: Path, host: Host,
                  site: str, runs: int, fake: FakePocket,
                  late: float | None) -> dict[str, list[Sample]]:
    found: dict[str, list[Sample]] = {"warm": [], "cold": []}
    browser = Chromium(playwright, folder, host, extension=extension)
    try:
        with server(fake, late):
            for run in range(runs):
                for kind in ("warm", "cold"):
                    url = f"{site}/{kind}-{run}"
                    page = browser.open(url)
                    # the page's mark is settled (looked up) and the host runs
                    browser.evaluate("(tab) => pocketCompanion.indicator.refresh(tab)",
                                     browser.tab_id(page))
                    if kind == "cold":
                        browser.stop_worker()
                    found[kind].append(click(browser, url,
                                             wait_outcome=late != SERVERS["never"]))
                    page.close()
    finally:
        browser.close()
    return found


def browser_starts(playwright: Playwright, folder: Path, extension: Path, host: Host,
                   site: str, runs: int, fake: FakePocket, late: float | None) -> list[Sample]:
    Chromium(playwright, folder, host, extension=extension).close()  # the install: not counted
    found = []
    for run in range(runs):
        browser = Chromium(playwright, folder, host, extension=extension)
        try:
            with server(fake, late):
                url = f"{site}/start-{run}"
                browser.context.pages[0].goto(url)
                found.append(click(browser, url, wait_outcome=late != SERVERS["never"]))
        finally:
            browser.close()
    return found


def measure(playwright: Playwright, tmp: Path, extension: Path, fake: FakePocket, site: str,
            runs: int, env: dict[str, str]) -> dict[str, dict[str, list[Sample]]]:
    results: dict[str, dict[str, list[Sample]]] = {}
    for name, late in SERVERS.items():
        folder = tmp / name.replace(" ", "-")
        host = fresh_host(folder / "host", fake, env)
        print(f"server answers {name}: {runs} clicks of each kind…", flush=True)
        try:
            # pages of their own: the account keeps the earlier runs' pages, and a new
            # data folder pulls them (a page already saved opens the panel instead)
            pages = f"{site}/{name.replace(' ', '-')}"
            found = warm_and_cold(playwright, folder / "warm", extension, host, pages, runs,
                                  fake, late)
            found["browser start"] = browser_starts(playwright, folder / "start", extension,
                                                    host, pages, runs, fake, late)
        finally:
            host.stop()
        results[name] = found
    return results


def figure(samples: list[Sample], key: str) -> str:
    values = [max(0.0, v) for s in samples if (v := s[key]) is not None]  # ms clocks: ±1
    if not values:
        return "—"
    return f"{statistics.median(values):5.0f} ({min(values):.0f}-{max(values):.0f})"


def report(results: dict[str, dict[str, list[Sample]]], runs: int) -> str:
    head = (f"{'server answers':15} {'click':14} {'first change':>16} {'first result':>16} "
            f"{'outcome':>16}  first result target")
    lines = [f"click → the button, ms: median (min-max) of {runs} clicks each", "", head,
             "-" * len(head)]
    for server_name, kinds in results.items():
        for kind, samples in kinds.items():
            values = [s["result"] for s in samples if s["result"] is not None]
            target = FIRST_TARGET_MS[kind]
            verdict = "met" if values and statistics.median(values) <= target else "MISSED"
            lines.append(f"{server_name:15} {kind:14} {figure(samples, 'first'):>16} "
                         f"{figure(samples, 'result'):>16} {figure(samples, 'outcome'):>16}  "
                         f"≤ {target} ms: {verdict}")
    samples = results["at once"]["cold"]
    parts = [f"{name} {statistics.median(v):.0f}" for name in PHASES
             if (v := [s[name] for s in samples if s.get(name) is not None])]
    lines += ["", "where a cold click's time goes (server at once), median ms after the click:",
              "  " + ", ".join(parts)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.badge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="clicks of each kind")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="hosts compile every module at each start (no .pyc at hand), "
                             "as in a source tree with PYTHONDONTWRITEBYTECODE set")
    args = parser.parse_args(argv)
    if not os.access(CHROMIUM, os.X_OK):
        print(f"Chromium is not installed ({CHROMIUM})", file=sys.stderr)
        return 1
    for package in setup.PACKAGES:  # as `pip install` leaves them: byte-compiled
        compileall.compile_dir(package, quiet=1)
    with tempfile.TemporaryDirectory() as name, FakePocket(user_limit=10**9,
                                                           key_limit=10**9) as fake, \
            web_pages() as site, sync_playwright() as playwright:
        tmp = Path(name)
        env = {"PYTHONPYCACHEPREFIX": str(tmp / "no-bytecode")} if args.no_bytecode else {}
        extension = noted_copy(tmp / "extension")
        results = measure(playwright, tmp, extension, fake, site, args.runs, env)
    print(report(results, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
