"""The measurements. Each returns rows: (name, value, baseline, unit, target text, ok)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import requests

from tests.fakepocket import FakePocket, Fault

from . import procs, setup


class Row(NamedTuple):
    name: str
    value: float
    baseline: float
    unit: str
    target: str
    ok: bool | None  # None: shown for information, no target

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")


class Sizes(NamedTuple):
    cold: int
    warm: int
    tabs: int
    wan_tabs: int
    rounds: int  # save-all-tabs runs on each side (medians)
    saves: int
    items: int
    lookups: int
    searches: int  # list requests of each kind (typical word, word everywhere, no query)
    imported: int  # rows of the Pocket CSV the import benchmark reads
    pulled: int  # items of the account the first pull brings


FULL = Sizes(cold=21, warm=300, tabs=1000, wan_tabs=200, rounds=5, saves=1000,
             items=100_000, lookups=500, searches=200, imported=20_000,
             pulled=10_000)
TINY = Sizes(cold=3, warm=10, tabs=40, wan_tabs=10, rounds=1, saves=20, items=500, lookups=20,
             searches=10, imported=200, pulled=300)
WAN_DELAY = 0.02  # seconds added to every answer of the "distant" server


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _interleaved(n: int, *runs: Callable[[int], float]) -> list[list[float]]:
    """Alternate the runs so that machine noise hits both sides alike."""
    results: list[list[float]] = [[] for _ in runs]
    for i in range(n):
        for samples, run in zip(results, runs, strict=True):
            samples.append(run(i))
    return results


def cold_hello(tmp: Path, sizes: Sizes) -> list[Row]:
    env = procs.clean_env(POCKET_COMPANION_HOME=str(tmp / "hello"))
    hello = {"action": "hello", "params": {}}

    def host(_: int) -> float:
        elapsed, reply = procs.cold(procs.host_command(), env, **hello)
        assert reply["ok"], reply
        return elapsed

    def echo(_: int) -> float:
        return procs.cold(procs.echo_command(), env, **hello)[0]

    ours, base = _interleaved(sizes.cold, host, echo)
    value, baseline = median_ms(ours), median_ms(base)
    return [Row("cold hello (spawn -> first reply)", value, baseline, "ms", "<= 1.5x",
                value <= 1.5 * baseline)]


def cold_save(tmp: Path, sizes: Sizes, fake: FakePocket, keyenv: dict[str, str]) -> list[Row]:
    """Cold saves as they usually are (the token cache answers), and with every start
    reading the keychain (the cache off, as after each login or on macOS and Windows)."""
    home, token = setup.account_home(tmp, fake, "cold-save")
    env = procs.clean_env(POCKET_COMPANION_HOME=str(home), **keyenv)
    uncached = {**env, "POCKET_COMPANION_TOKEN_CACHE": "0"}
    base_env = procs.clean_env(BENCH_SERVER=fake.base_url, BENCH_KEY=fake.CONSUMER_KEY,
                               BENCH_TOKEN=token)

    def save(host_env: dict[str, str], name: str) -> Callable[[int], float]:
        def run(i: int) -> float:
            elapsed, reply = procs.cold(procs.host_command(), host_env, "save",
                                        {"url": f"https://example.org/{name}/{i}"})
            assert reply["data"]["state"] == "synced", reply
            return elapsed
        return run

    def echo(i: int) -> float:
        return procs.cold(procs.echo_command("post"), base_env, "save",
                          {"url": f"https://example.org/raw/{i}"})[0]

    save(env, "first")(0)  # the first read after login fills the token cache
    ours, keychain, base = _interleaved(sizes.cold, save(env, "cold"),
                                        save(uncached, "keychain"), echo)
    setup.forget_account(home)
    value, baseline = median_ms(ours), median_ms(base)
    return [Row("cold save with an account", value, baseline, "ms", "<= 1.3x",
                value <= 1.3 * baseline),
            Row("  the same, reading the keychain (cache off)", median_ms(keychain), baseline,
                "ms", "(information)", None)]


def warm(tmp: Path, sizes: Sizes, fake: FakePocket, keyenv: dict[str, str]) -> list[Row]:
    """Warm saves, save-all-tabs and memory, all on one open port."""
    home, token = setup.account_home(tmp, fake, "warm")
    port = procs.Port(procs.host_command(),
                      procs.clean_env(POCKET_COMPANION_HOME=str(home), **keyenv))
    session = requests.Session()
    port.call("save", {"url": "https://example.org/warm-up"})

    def host(i: int) -> float:
        elapsed, reply = port.timed("save", {"url": f"https://example.org/warm/{i}"})
        assert reply["data"]["state"] == "synced", reply
        return elapsed

    def raw(i: int) -> float:
        start = time.perf_counter()
        session.post(f"{fake.base_url}/v3/add", json={
            "consumer_key": fake.CONSUMER_KEY, "access_token": token,
            "url": f"https://example.org/raw-warm/{i}"}, headers={"X-Accept": "application/json"},
            timeout=10).raise_for_status()
        return time.perf_counter() - start

    ours, base = _interleaved(sizes.warm, host, raw)
    added = median_ms(ours) - median_ms(base)
    rows = [Row("warm save: time added per save", added, median_ms(base), "ms",
                "<= 1 ms added", added <= 1.0)]
    rows += _save_all(port, session, fake, token, sizes.tabs, sizes.rounds, "")
    for i in range(sizes.saves - sizes.warm - 1):
        port.call("save", {"url": f"https://example.org/more/{i}"})
    rss = port.rss_mb()
    port.close()
    setup.forget_account(home)
    echo = procs.Port(procs.echo_command(), procs.clean_env())
    echo.call("hello")
    echo_rss = echo.rss_mb()
    echo.close()
    rows.append(Row(f"host RSS after {sizes.saves} saves", rss, echo_rss, "MB", "<= 40 MB",
                    rss <= 40))
    return rows


def distant_save_all(tmp: Path, sizes: Sizes, keyenv: dict[str, str]) -> list[Row]:
    """Save-all-tabs against a server 20 ms away (every answer delayed), as on a real network."""
    with FakePocket(user_limit=10**9, key_limit=10**9) as fake:
        fake.inject(Fault("slow", seconds=WAN_DELAY, processed=True), times=10**9, path="/v3/")
        home, token = setup.account_home(tmp, fake, "distant")
        port = procs.Port(procs.host_command(),
                          procs.clean_env(POCKET_COMPANION_HOME=str(home), **keyenv))
        port.call("save", {"url": "https://example.org/warm-up"})
        rows = _save_all(port, requests.Session(), fake, token, sizes.wan_tabs, sizes.rounds,
                         f", {WAN_DELAY * 1000:.0f} ms server")
        port.close()
        setup.forget_account(home)
    return rows


def _save_all(port: procs.Port, session: requests.Session, fake: FakePocket, token: str,
              tabs: int, rounds: int, label: str) -> list[Row]:
    """``rounds`` times, interleaved: one save_many of ``tabs`` new URLs, and as many adds."""
    calls: list[int] = []

    def ours(n: int) -> float:
        urls = [f"https://example.org/tab/{n}/{i}" for i in range(tabs)]
        before = len(fake.calls)
        elapsed, reply = port.timed("save_many", {"items": [{"url": u} for u in urls]})
        assert all(r["state"] == "synced" for r in reply["data"]["results"]), reply
        calls.append(len(fake.calls) - before)
        return elapsed

    def single(n: int) -> float:
        start = time.perf_counter()
        for i in range(tabs):
            session.post(f"{fake.base_url}/v3/add", json={
                "consumer_key": fake.CONSUMER_KEY, "access_token": token,
                "url": f"https://example.org/single/{n}/{i}"},
                headers={"X-Accept": "application/json"}, timeout=10).raise_for_status()
        return time.perf_counter() - start

    ours_s, single_s = _interleaved(rounds, ours, single)
    value, baseline = median_ms(ours_s), median_ms(single_s)
    our_calls = max(calls)
    return [
        Row(f"save all tabs ({tabs} URLs{label}): API calls", our_calls, tabs,
            "calls", ">= 25x fewer", tabs >= 25 * our_calls),
        Row(f"save all tabs ({tabs} URLs{label}): time", value, baseline,
            "ms", ">= 10x less", baseline >= 10 * value),
    ]


def lookups(home: Path, filled: setup.Filled, sizes: Sizes) -> list[Row]:
    port = procs.Port(procs.host_command(), procs.clean_env(POCKET_COMPANION_HOME=str(home)))
    echo = procs.Port(procs.echo_command(), procs.clean_env())
    picks = random.Random(7).sample(filled.urls, min(sizes.lookups, len(filled.urls)))
    port.call("lookup", {"url": picks[0]})

    def host(i: int) -> float:
        elapsed, reply = port.timed("lookup", {"url": picks[i]})
        assert reply["data"]["saved"], reply
        return elapsed

    def base(i: int) -> float:
        return echo.timed("lookup", {"url": picks[i]})[0]

    ours, baseline = _interleaved(len(picks), host, base)
    port.close()
    echo.close()
    value = median_ms(ours)
    return [Row(f"lookup among {sizes.items} items (open port)", value, median_ms(baseline),
                "ms", "<= 2 ms", value <= 2.0)]


def searches(home: Path, filled: setup.Filled, sizes: Sizes) -> list[Row]:
    """``list`` with a query (default order: relevance) against ``list`` without one,
    interleaved on one open port, and the host's memory afterwards (against its memory
    when it has just started)."""
    port = procs.Port(procs.host_command(), procs.clean_env(POCKET_COMPANION_HOME=str(home)))

    def timed(params: dict[str, object]) -> float:
        elapsed, reply = port.timed("list", params)
        assert reply["ok"] and reply["data"]["items"], reply
        return elapsed

    def typical(i: int) -> float:
        return timed({"query": filled.typical[i % len(filled.typical)]})

    def everywhere(i: int) -> float:
        return timed({"query": setup.EVERYWHERE})

    def plain(i: int) -> float:
        return timed({})

    port.call("hello")
    started = port.rss_mb()
    timed({"query": setup.EVERYWHERE})  # the first query opens the store
    ours, common, base = _interleaved(sizes.searches, typical, everywhere, plain)
    rss = port.rss_mb()
    port.close()
    value, worst, baseline = median_ms(ours), median_ms(common), median_ms(base)
    return [Row(f"list, search a typical word ({sizes.items} items)", value, baseline, "ms",
                "<= 20 ms", value <= 20.0),
            Row(f"list, search a word in every title ({sizes.items})", worst, baseline, "ms",
                "<= 100 ms", worst <= 100.0),
            Row("  host RSS after them (baseline: just started)", rss, started, "MB",
                "(information)", None)]
