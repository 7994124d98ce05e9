"""Save all tabs on every other service: ``save_many`` of ``tabs`` new URLs on an open port
of a host logged in to the service's fake server, until every page is synced; the API calls
it made and the wall time. A service with a batch call uses it; one without gets bounded
parallelism (:mod:`pocket_companion.services.each`).

The baseline is one call per URL, one after the other: the same adapter pushing one add at a
time, warm, in the same run. Both sides run against a server ``delay`` seconds away (every
answer delayed), as on a real network, where sending requests side by side pays most.
"""

from __future__ import annotations

import time
from pathlib import Path

from pocket_companion.account.secrets.keyagent import TokenCache
from pocket_companion.account.secrets.keychain import KeyringTokenStore
from pocket_companion.config import Config
from pocket_companion.services.base import Change

from tests.contract import remotes
from tests.contract.remotes import Remote
from tests.fakepocket import Fault

from . import procs
from .cases import Row, median_ms


def _home(tmp: Path, remote: Remote) -> Path:
    """A data folder logged in to the remote's account, as a login leaves it."""
    home = tmp / f"service-{remote.name}"
    home.mkdir(parents=True)
    settings = remote.settings()._replace(username="bench")
    KeyringTokenStore(cache=TokenCache.from_env()).set(settings.keychain_name,
                                                       remote.credentials().to_text())
    Config(home).update(service=settings.service, server=settings.server,
                        username=settings.username, options=settings.options)
    return home


def _one(tmp: Path, remote: Remote, tabs: int, rounds: int, keyenv: dict[str, str],
         delay: float) -> list[Row]:
    remote.inject(Fault("slow", seconds=delay, processed=True), times=10**9)
    port = procs.Port(procs.host_command(),
                      procs.clean_env(POCKET_COMPANION_HOME=str(_home(tmp, remote)), **keyenv))
    port.call("save", {"url": "https://example.org/warm-up"})
    service, creds = remote.service(), remote.credentials()
    calls, ours, single = [], [], []
    for n in range(rounds):
        urls = [f"https://example.org/{remote.name}/tab/{n}/{i}" for i in range(tabs)]
        before = remote.calls()
        elapsed, reply = port.timed("save_many", {"items": [{"url": u} for u in urls]})
        assert all(r["state"] == "synced" for r in reply["data"]["results"]), reply
        calls.append(remote.calls() - before)
        ours.append(elapsed)
        start = time.perf_counter()
        for i in range(tabs):
            [result] = service.push(creds, [Change("add", f"https://example.org/one/{n}/{i}")])
            assert result.ok, result
        single.append(time.perf_counter() - start)
    port.close()
    label = f"save all tabs, {remote.name} ({tabs} URLs, {delay * 1000:.0f} ms)"
    value, baseline = median_ms(ours), median_ms(single)
    return [Row(f"{label}: calls", max(calls), tabs, "calls", "<= 1 per URL",
                max(calls) <= tabs),
            Row(f"{label}: time", value, baseline, "ms", ">= 2x less", baseline >= 2 * value)]


def save_all(tmp: Path, tabs: int, rounds: int, keyenv: dict[str, str],
             delay: float) -> list[Row]:
    rows: list[Row] = []
    for name, make in sorted(remotes.load().items()):
        if name == "pocket":
            continue  # the save-all rows of the main table
        remote = make()
        try:
            rows += _one(tmp, remote, tabs, rounds, keyenv, delay)
        finally:
            remote.stop()
    return rows
