"""The background fetch over real HTTP (tests/support/pages.py on 127.0.0.1): what it sends,
where it goes and where it refuses to go, and how every hostile or broken page ends —
each within its time cap, with the outcome that says whether to try again."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pocket_companion.articles.fetch import USER_AGENT, FetchFailed, Limits, Page, fetch_page
from pocket_companion.articles.guard import Address, Resolver, is_public

from tests.conftest import need
from tests.support.pages import FIRST, Site, serve_pages
from tests.support.tls import TlsFront, self_signed

QUICK = Limits(connect=2.0, read=1.0, total=3.0)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_pages() as running:
        yield running


def failure(url: str, limits: Limits = QUICK, **kwargs: object) -> tuple[FetchFailed, float]:
    started = time.monotonic()
    with pytest.raises(FetchFailed) as caught:
        fetch_page(url, limits, **kwargs)  # type: ignore[arg-type]
    return caught.value, time.monotonic() - started


def test_article_page_is_fetched_with_an_honest_user_agent_and_nothing_else(site: Site) -> None:
    page = fetch_page(site.url("/article"))
    assert page == Page(site.url("/article"), page.body, "utf-8")
    assert FIRST.encode() in page.body
    (seen,) = site.requests_to("/article")
    assert seen.headers["User-Agent"] == USER_AGENT
    assert "pocket-companion/" in USER_AGENT and "person who saved this page" in USER_AGENT
    assert not {"Cookie", "Authorization", "Referer"} & set(seen.headers)


@pytest.mark.parametrize(("path", "charset"), [("/article-gzip", "utf-8"),
                                               ("/article-latin1", None), ("/no-type", None)])
def test_gzip_and_pages_without_a_charset_or_type(site: Site, path: str,
                                                  charset: str | None) -> None:
    page = fetch_page(site.url(path))
    assert page.charset == charset
    assert page.body.startswith(b"<!doctype html>")
    assert b"Margit Olsen" in page.body


@pytest.mark.parametrize("path", ["/huge", "/huge-unsized", "/gzip-bomb"])
def test_fifty_megabytes_are_refused_past_the_size_cap(site: Site, path: str) -> None:
    error, took = failure(site.url(path), Limits(total=10.0))
    assert error.message == "the page is larger than 5 MiB"
    assert not error.retry
    assert took < 5.0


def test_a_page_that_never_answers_ends_at_the_read_timeout(site: Site) -> None:
    error, took = failure(site.url("/never"))
    assert error.message == "127.0.0.1 timed out"
    assert error.retry
    assert 0.9 < took < 2.5


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_trickle_ends_at_the_total_time_cap(site: Site, path: str) -> None:
    """A byte every 0.2 s (body) or 0.5 s (headers) never trips the read timeout; the
    deadline shuts the socket down."""
    error, took = failure(site.url(path))
    assert error.message == "the page took longer than 3 s to arrive"
    assert error.retry
    assert 2.9 < took < 4.0


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/pub/page.html",
                                    "data:text/html,<p>hello</p>", "javascript:alert(1)"])
def test_a_redirect_away_from_http_ends_the_fetch(site: Site, target: str) -> None:
    error, took = failure(site.redirect(target))
    scheme = target.split(":")[0]
    assert error.message == f"the page's redirect is a {scheme}: address, not an http or https one"
    assert not error.retry
    assert took < 1.0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/", "about:blank",
                                 "//example.org/", "http:///nohost", "http://example.org:x/",
                                 "https://example.org:99999/"])
def test_only_http_and_https_saved_addresses_are_fetched(url: str) -> None:
    error, _ = failure(url)
    assert error.message.startswith("the saved address")
    assert not error.retry


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_to_another_page_are_followed(site: Site, status: int) -> None:
    page = fetch_page(site.redirect("/article", status))
    assert page.url == site.url("/article")
    assert b"Margit Olsen" in page.body


def test_a_redirect_loop_stops_after_five(site: Site) -> None:
    error, _ = failure(site.url("/loop"))
    assert error.message == "the page redirects more than 5 times"
    assert not error.retry
    assert len(site.requests_to("/loop")) == 6


def test_cookies_are_never_sent_back(site: Site) -> None:
    fetch_page(site.url("/cookie"))
    fetch_page(site.url("/cookie"))
    assert len(site.requests_to("/article")) == 2
    assert all("Cookie" not in seen.headers for seen in site.seen)


def test_no_credentials_from_the_address_or_netrc(site: Site, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text(netrc.read_text())
    (tmp_path / ".netrc").chmod(0o600)
    error, _ = failure(site.url("/login"))
    assert error.message == "the server answered 401 Unauthorized"
    assert not error.retry
    fetch_page(site.url("/article").replace("http://", "http://alice:hunter2@"))
    assert all("Authorization" not in seen.headers for seen in site.seen)
    assert len(site.seen) == 2


@pytest.mark.parametrize(("path", "kind"), [("/pdf", "application/pdf"),
                                            ("/image", "image/png")])
def test_what_is_not_a_web_page_is_refused(site: Site, path: str, kind: str) -> None:
    error, _ = failure(site.url(path))
    assert error.message == f"the address is not a web page ({kind})"
    assert not error.retry


@pytest.mark.parametrize(("code", "retry"), [(500, True), (502, True), (503, True),
                                             (408, True), (429, True), (403, False),
                                             (404, False), (410, False), (451, False),
                                             (204, False)])
def test_status_codes_say_whether_to_retry(site: Site, code: int, retry: bool) -> None:
    error, _ = failure(site.url(f"/status?code={code}"))
    assert error.message.startswith(f"the server answered {code}")
    assert error.retry is retry


def test_an_unreachable_server_is_worth_another_try() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the probe closes
    error, took = failure(f"http://127.0.0.1:{port}/article")
    assert error.message == "127.0.0.1 could not be reached"
    assert error.retry
    assert took < 2.0


# --- SSRF: a page from the web must not reach this computer or the local network ------

TEST_PUBLIC = "127.0.0.2"  # a loopback address the tests' own rule calls public


def public_in_tests(address: Address) -> bool:
    return str(address) == TEST_PUBLIC or is_public(address)


def resolver(names: dict[str, str]) -> Resolver:
    """Names from ``names``; other ``.test`` names unknown; the rest as the system says."""

    def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return [names[host]]
        if host.endswith(".test"):
            raise socket.gaierror(socket.EAI_NONAME, "unknown test name")
        return [str(info[4][0])
                for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    return resolve


@pytest.fixture
def public_site() -> Iterator[Site]:
    """The site again, on 127.0.0.2: "a server on the internet" in these tests."""
    with socket.socket() as probe:
        try:
            probe.bind((TEST_PUBLIC, 0))
        except OSError:
            need(False, f"this system cannot listen on {TEST_PUBLIC}")
    with serve_pages(TEST_PUBLIC) as running:
        yield running


@pytest.mark.parametrize("local", ["http://127.0.0.1:{port}/article",
                                   "http://localhost:{port}/article",
                                   "http://intranet.test:{port}/article",
                                   "http://[::ffff:127.0.0.1]:{port}/article",
                                   "http://169.254.169.254/latest/meta-data/",
                                   "http://10.0.0.1/admin", "http://0.0.0.0:{port}/article"])
def test_a_public_page_cannot_redirect_the_host_to_a_local_address(
        site: Site, public_site: Site, local: str) -> None:
    target = local.format(port=site.server_address[1])
    saved = public_site.redirect(target).replace(TEST_PUBLIC, "news.test")
    names = {"news.test": TEST_PUBLIC, "intranet.test": "127.0.0.1"}
    error, took = failure(saved, resolver=resolver(names), public=public_in_tests)
    assert error.message.startswith("not fetched: ")
    assert error.message.endswith(" is on this computer or the local network")
    assert not error.retry
    assert took < 1.0
    assert len(public_site.requests_to("/redirect")) == 1
    assert site.seen == []  # nothing reached the local server


def test_a_public_name_that_resolves_to_a_local_address_is_refused(site: Site) -> None:
    """The saved page is on the web; its redirect names a host whose DNS answer is local
    (DNS rebinding of the redirect's host): checked when connecting, refused."""
    names = {"rebind.test": "127.0.0.1"}
    saved = site.redirect(f"http://rebind.test:{site.server_address[1]}/article")
    error, _ = failure(saved, resolver=resolver(names))
    assert error.message == "not fetched: rebind.test is on this computer or the local network"
    assert [seen.path.split("?")[0] for seen in site.seen] == ["/redirect"]


def test_a_saved_local_address_is_fetched_and_may_redirect_to_the_web(
        site: Site, public_site: Site) -> None:
    """The person saved a page on this machine (or the local network) on purpose; its
    redirect to the web is followed like any other."""
    saved = site.redirect(public_site.url("/article"))
    page = fetch_page(saved, QUICK, public=public_in_tests)
    assert page.url == public_site.url("/article")
    assert len(public_site.requests_to("/article")) == 1


def test_a_saved_local_host_may_not_lead_to_another_local_host(site: Site) -> None:
    saved = site.redirect(f"http://localhost:{site.server_address[1]}/article")
    error, _ = failure(saved)
    assert error.message == "not fetched: localhost is on this computer or the local network"
    assert site.requests_to("/article") == []


def test_the_environment_proxy_is_used_and_trusted(site: Site,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY names a proxy on this machine (trusted: the person set it); the page's
    own host is resolved only by the proxy when it cannot be resolved here."""
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", site.origin)
    page = fetch_page("http://news.test/article", QUICK, resolver=resolver({}))
    assert page.url == "http://news.test/article"
    assert [seen.path for seen in site.seen] == ["http://news.test/article"]
    error, _ = failure("http://news.test/redirect?to=http://intranet.test/",
                       resolver=resolver({"intranet.test": "10.1.2.3"}))
    assert error.message == "not fetched: intranet.test is on this computer or the local network"
    assert [seen.path for seen in site.seen][-1].startswith("http://news.test/redirect")


# --- TLS: the guarded connection still verifies the certificate for the host ---------

@pytest.fixture
def tls_site(site: Site, tmp_path: Path) -> Iterator[tuple[Site, TlsFront, Path]]:
    cert, key = self_signed(tmp_path)
    front = TlsFront(site.server_address[1], cert, key)
    try:
        yield site, front, cert
    finally:
        front.close()


def test_https_is_verified_against_the_trusted_certificates(
        tls_site: tuple[Site, TlsFront, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    site, front, cert = tls_site
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    error, _ = failure(front.url + "/article")
    assert error.message == "127.0.0.1 failed TLS certificate verification"
    assert error.retry
    deadline = time.monotonic() + 5
    while front.broken_off == 0 and time.monotonic() < deadline:
        time.sleep(0.02)  # the front counts the broken handshake on its own thread
    assert front.broken_off == 1 and site.seen == []
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    page = fetch_page(front.url + "/article", QUICK)
    assert page.url == front.url + "/article" and FIRST.encode() in page.body


def test_an_https_trickle_ends_at_the_total_time_cap(
        tls_site: tuple[Site, TlsFront, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _site, front, cert = tls_site
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    error, took = failure(front.url + "/trickle")
    assert error.message == "the page took longer than 3 s to arrive"
    assert 2.9 < took < 4.0
