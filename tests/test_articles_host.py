"""The article actions and the background fetcher in the real host, as a browser starts it,
against a real web site on 127.0.0.1 (``tests/support/pages.py``): a saved link gets a
fetched copy; a page saved from the toolbar waits for its capture and is not fetched; a
page that cannot be read fails or waits for a retry; a page that never answers does not
keep the host from ending; with fetching off nothing is requested."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pocket_companion.preferences import FETCH_ENV

from tests.support.frames import HostProcess
from tests.support.hostio import host_env
from tests.support.pages import BOILERPLATE, FIRST, LAST, TITLE, Site, serve_pages


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_pages() as running:
        yield running


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**host_env(tmp_path), FETCH_ENV: "1"}


def articles(host: HostProcess) -> dict[str, Any]:
    reply = host.request("list", {"limit": 100})
    return {item["url"]: item["article"] for item in reply["data"]["items"]}


def wait_for(check: Callable[[], bool], seconds: float = 40.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_saved_link_gets_a_fetched_copy(env: dict[str, str], site: Site) -> None:
    host = HostProcess(env)
    capabilities = host.request("hello")["data"]["capabilities"]
    assert {"capture", "article", "article_progress", "preferences"} <= set(capabilities)
    url = site.url("/article")
    assert host.request("save_many", {"items": [{"url": url}]})["ok"]
    wait_for(lambda: articles(host)[url] == "stored")
    got = host.request("article", {"url": url})["data"]
    assert got["source"] == "fetch" and got["parts"] == 1
    assert FIRST[:60] in got["html"] and LAST[-40:] in got["html"]
    assert not any(text in got["html"] for text in BOILERPLATE)
    assert "<script" not in got["html"] and got["title"] == TITLE
    [request] = site.requests_to("/article")
    assert request.headers["User-Agent"].startswith("pocket-companion/")
    assert "Cookie" not in request.headers
    found = host.request("list", {"query": "ledger"})["data"]["items"]
    assert [item["url"] for item in found] == [url] and "\x02ledger\x03" in found[0]["snippet"]
    assert host.request("status")["data"]["articles"]["count"] == 1
    assert host.close()[0] == 0


def test_a_page_saved_from_the_toolbar_waits_for_its_capture(env: dict[str, str],
                                                              site: Site) -> None:
    host = HostProcess(env)
    url = site.url("/article")
    assert host.request("save", {"url": url, "capture": True})["ok"]
    assert articles(host)[url] == "pending"
    capture = {"title": "Captured", "byline": None, "site": None, "lang": "en", "dir": None,
               "excerpt": "", "html": "<p>The copy from the browser.</p>",
               "text": "The copy from the browser.", "words": 5}
    assert host.request("capture", {"url": url, "article": capture})["data"]["stored"]
    time.sleep(3)  # the fetcher ran meanwhile (the list opened it): nothing to fetch
    assert site.requests_to("/article") == []
    assert host.request("article", {"url": url})["data"]["source"] == "capture"
    assert host.close()[0] == 0


def test_pages_that_cannot_be_read_fail_or_wait_for_a_retry(env: dict[str, str],
                                                            site: Site) -> None:
    host = HostProcess(env)
    pdf, busy = site.url("/pdf"), site.url("/status?code=503")
    host.request("save_many", {"items": [{"url": pdf}, {"url": busy}]})
    wait_for(lambda: articles(host)[pdf] == "failed" and bool(site.requests_to("/status")))
    time.sleep(1)
    assert articles(host)[busy] == "pending"  # tried again in a minute
    status = host.request("status")["data"]["articles"]
    assert (status["failed"], status["pending"], status["count"]) == (1, 1, 0)
    assert host.close()[0] == 0


def test_a_page_that_never_answers_does_not_hold_the_host(env: dict[str, str], site: Site,
                                                          tmp_path: Path) -> None:
    host = HostProcess(env)
    url = site.url("/never")
    host.request("save_many", {"items": [{"url": url}]})
    wait_for(lambda: bool(site.requests_to("/never")))
    started = time.monotonic()
    code, stderr = host.close()
    assert code == 0 and time.monotonic() - started < 6, stderr
    again = HostProcess({**env, FETCH_ENV: "0"})
    assert articles(again)[url] == "pending"  # left for the next host
    again.close()


def test_with_fetching_off_no_page_is_requested(tmp_path: Path, site: Site) -> None:
    host = HostProcess(host_env(tmp_path))
    assert host.request("preferences", {"fetch_articles": False})["data"][
        "fetch_articles"] is False
    url = site.url("/article")
    host.request("save_many", {"items": [{"url": url}]})
    time.sleep(3)
    assert articles(host)[url] is None and site.seen == []
    assert host.request("status")["data"]["fetch_articles"] is False
    assert host.close()[0] == 0
