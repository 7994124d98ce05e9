"""The fetcher inside the real host (a subprocess speaking frames): pages saved without a
capture get a fetched copy from the test site, and the pages that must fail do, cleanly,
while the host keeps answering."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.frames import REPO, HostProcess
from tests.support.pages import FIRST, LAST, TITLE, Site, serve_pages


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_pages() as running:
        yield running


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostProcess]:
    process = HostProcess({"POCKET_COMPANION_HOME": str(tmp_path / "home"),
                           "POCKET_COMPANION_FETCH_ARTICLES": "1",
                           "PYTHONPATH": str(REPO)})
    try:
        yield process
    finally:
        if process.proc.returncode is None:
            process.close()


def states(host: HostProcess) -> dict[str, Any]:
    reply = host.request("list", {"limit": 100})
    assert reply["ok"], reply
    return {item["url"]: item["article"] for item in reply["data"]["items"]}


def settle(host: HostProcess, urls: list[str], wait: float) -> dict[str, Any]:
    """The pages' article states once none is pending (or ``wait`` seconds have passed)."""
    deadline = time.monotonic() + wait
    while True:
        now = states(host)
        if all(now.get(url) not in (None, "pending") for url in urls) or \
                time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def test_saved_links_get_fetched_copies_and_bad_pages_end_cleanly(
        host: HostProcess, site: Site) -> None:
    good, huge, to_file, pdf, gone = (
        site.url("/article"), site.url("/huge"), site.redirect("file:///etc/passwd"),
        site.url("/pdf"), site.url("/status?code=404"))
    urls = [good, huge, to_file, pdf, gone]
    saved = host.request("save_many", {"items": [{"url": url} for url in urls]})
    assert saved["ok"], saved
    started = time.monotonic()
    now = settle(host, urls, wait=30)
    assert time.monotonic() - started < 20
    assert {url: now[url] for url in urls} == {
        good: "stored", huge: "failed", to_file: "failed", pdf: "failed", gone: "failed"}
    copy = host.request("article", {"url": good})
    assert copy["ok"], copy
    data = copy["data"]
    assert (data["title"], data["source"], data["parts"]) == (TITLE, "fetch", 1)
    assert FIRST in data["html"] and LAST in data["html"]
    assert "<script" not in data["html"]
    assert [seen.headers.get("Cookie") for seen in site.seen] == [None] * len(site.seen)


def test_a_page_that_never_answers_holds_up_neither_requests_nor_the_exit(
        host: HostProcess, site: Site) -> None:
    never = site.url("/never")
    assert host.request("save_many", {"items": [{"url": never}]})["ok"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not site.requests_to("/never"):
        time.sleep(0.05)
    assert len(site.requests_to("/never")) == 1
    started = time.monotonic()
    assert states(host)[never] == "pending"  # the host answers while the fetch waits
    assert time.monotonic() - started < 1.0
    code, stderr = host.close()
    assert code == 0, stderr
    assert time.monotonic() - started < 5.0  # the fetch is left to the next host
    following = HostProcess(host.env)
    try:
        assert states(following)[never] == "pending"  # its first request starts its fetcher
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(site.requests_to("/never")) < 2:
            time.sleep(0.05)
        assert len(site.requests_to("/never")) == 2, "the page was free at once, not leased"
    finally:
        following.close()
