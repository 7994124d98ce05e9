"""The toolbar button, the panel and the set-up page: checks both browser modules run.

Each browser gives a ``Browser`` (tabs, the toolbar button, the background) and
``Page`` objects for the extension's own pages (JavaScript evaluated in them, real
clicks and keys). The checks compare what the pages and the button show with what the
host stored (its CLI) and what the fake Pocket server received.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from tests.e2e import listpage
from tests.e2e.harness import Host, wait_until
from tests.fakepocket import FakePocket
from tests.fakepocket.faults import Fault

WELCOME_PATH = "welcome/welcome.html"
LONG_TAG = "this-tag-is-far-too-long-for-pocket"
API = "(globalThis.browser ?? globalThis.chrome)"  # the WebExtension namespace, either browser
BADGES = {"saved": ("✔", "#15803d"), "known": ("≡", "#1d4ed8"), "archived": ("▣", "#6d28d9"),
          "waiting": ("↑", "#b45309"), "failed": ("!", "#b91c1c")}

# What the panel shows, part by part (null: not on screen).
PANEL = """(() => {
  const shown = (id) => {
    const element = document.getElementById(id);
    if (!element || element.closest('[hidden]') || !element.getClientRects().length) return null;
    return element.innerText.trim();
  };
  return {
    title: shown('page-title'), state: shown('page-state'), save: shown('save'),
    item: shown('item') !== null,
    tags: [...document.querySelectorAll('#tags li')].map((li) => li.firstChild.textContent),
    tagError: shown('tag-error'), tagInput: document.getElementById('tag-input').value,
    undo: shown('undo'), problem: shown('problem'), retry: shown('retry'),
    account: shown('account-text'), pending: shown('pending'), why: shown('pending-why'),
    message: shown('account-message'), sync: shown('sync'), logout: shown('logout'),
    question: shown('logout-question'), login: shown('login'),
    keyFieldOpen: document.getElementById('login-details')?.open ?? null,
    favorite: shown('favorite'),
    service: document.getElementById('service')?.value ?? null,
    focused: document.activeElement?.id || null,
    body: document.body.innerText,
  };
})()"""

# Every visible text's font size, by element.
FONT_SIZES = """(() => [...document.querySelectorAll('body, body *')]
  .filter((e) => e.getClientRects().length && !e.closest('[hidden]') &&
    [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((e) => [e.id || e.tagName.toLowerCase(), getComputedStyle(e).fontSize]))()"""

WELCOME = """(() => {
  const text = (id) => {
    const element = document.getElementById(id);
    return element && !element.closest('[hidden]') ? element.innerText.trim() : null;
  };
  return {
    mark: text('program-mark'), state: text('program-state'), fix: text('program-fix'),
    fixCode: [...document.querySelectorAll('#program-fix code')].map((c) => c.textContent),
    detail: text('program-detail'), versions: text('versions'), pin: text('pin-state'),
    pinHow: text('pin-how'), shortcut: text('shortcut'), account: text('account-state'),
    badges: [...document.querySelectorAll('#badges li')].map((li) => li.innerText),
  };
})()"""


class Page(Protocol):
    """One of the extension's pages in a tab of its own."""

    def eval(self, expression: str) -> Any:
        """A JavaScript expression's value (promises awaited) as JSON."""

    def click(self, selector: str) -> None: ...

    def type(self, selector: str, text: str) -> None:
        """Real key presses in the field (after what it holds)."""

    def close(self) -> None: ...


class Browser(Protocol):
    host: Host
    name: str  # "chromium" or "firefox"
    host_manifest: Path
    extension_base: str  # the extension's own pages start with this

    def show(self, url: str) -> Any:
        """A new tab showing ``url`` in front; the handle the other methods take."""

    def tab_id(self, tab: Any) -> int: ...

    def button(self, tab: Any) -> dict[str, str]:
        """The toolbar button on this tab: text, title, popup, color (``#rrggbb``)."""

    def click_button(self, tab: Any) -> None:
        """Click the toolbar button on this tab (in front)."""

    def background(self, expression: str) -> Any:
        """An expression run in the background, where ``app`` is its ``pocketCompanion``."""

    def panel(self, tab: Any) -> Page:
        """The panel of this tab, opened as a page."""

    def page(self, path: str) -> Page:
        """One of the extension's pages, opened in a new tab."""

    def dark(self, on: bool) -> None:
        """The pages prefer the dark colour scheme (or not)."""

    def tab_urls(self) -> list[str]: ...

    def close_tab(self, tab: Any) -> None: ...


def panel_state(panel: Page) -> dict[str, Any]:
    shown: dict[str, Any] = panel.eval(PANEL)
    return shown


def settled(page: Page, what: str, check: Callable[[dict[str, Any]], Any],
            script: str = PANEL, timeout: float = 20.0) -> dict[str, Any]:
    """Wait until the page's state satisfies ``check``; say what it showed otherwise."""
    seen: list[dict[str, Any]] = [{}]

    def probe() -> dict[str, Any] | None:
        seen[0] = page.eval(script)
        return seen[0] if check(seen[0]) else None

    try:
        return wait_until(probe, what, timeout)
    except AssertionError:
        shown = {key: value for key, value in seen[0].items() if key != "body"}
        raise AssertionError(f"timed out waiting for {what}; the page shows {shown}") from None


def outcome(b: Browser, tab: Any) -> dict[str, str]:
    """The button once a save on this tab has finished (read twice alike: its parts are
    read one by one, and a state may come between)."""
    def final() -> dict[str, str] | None:
        button = b.button(tab)
        done = button["text"] in ("✔", "↑", "!", "▣") and "sending it" not in button["title"]
        return button if done and b.button(tab) == button else None

    return wait_until(final, "the save's outcome on the button")


def mark(b: Browser, tab: Any) -> dict[str, str]:
    """The button once the tab's page has its mark."""
    def marked() -> dict[str, str] | None:
        button = b.button(tab)
        return button if button["text"] else None

    return wait_until(marked, "the page's mark")


def close_the_port(b: Browser) -> None:
    """As after two idle minutes: the host exits; the next request starts it again."""
    b.background("app.host.close()")


@contextlib.contextmanager
def host_missing(b: Browser) -> Iterator[None]:
    close_the_port(b)
    hidden = b.host_manifest.with_suffix(".off")
    b.host_manifest.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(b.host_manifest)


@contextlib.contextmanager
def host_broken(b: Browser) -> Iterator[None]:
    """What a launcher whose Python environment was removed does."""
    close_the_port(b)
    working = b.host.launcher.read_text()
    b.host.launcher.write_text("#!/bin/sh\necho 'No module named pocket_companion' >&2\nexit 1\n")
    try:
        yield
    finally:
        b.host.launcher.write_text(working)


@contextlib.contextmanager
def keychain_broken(b: Browser) -> Iterator[None]:
    """The test keyring cannot be read or written (as a locked or missing keychain)."""
    keyring = Path(b.host.env["TEST_KEYRING_FILE"])
    saved = keyring.with_suffix(".saved")
    keyring.rename(saved)
    keyring.mkdir()
    try:
        yield
    finally:
        keyring.rmdir()
        saved.rename(keyring)


@contextlib.contextmanager
def server_down(fake: FakePocket) -> Iterator[None]:
    fake.inject(Fault(kind="status", status=503), times=10**6)
    try:
        yield
    finally:
        fake.clear_faults()


def no_backticks(button: dict[str, str]) -> dict[str, str]:
    assert "`" not in button["title"], button["title"]
    return button


# --- the set-up page ------------------------------------------------------------------------


def opened_once_on_install(b: Browser) -> None:
    """The set-up page opened by itself once (a fresh profile is an install), nothing else."""
    ours = wait_until(lambda: [url for url in b.tab_urls() if url.startswith(b.extension_base)]
                      or None, "the set-up page opened on install")
    time.sleep(1.0)  # had anything else of ours been opened, it would be there now
    ours = [url for url in b.tab_urls() if url.startswith(b.extension_base)]
    assert ours == [f"{b.extension_base}{WELCOME_PATH}"], ours


def welcome_follows_the_host(b: Browser,
                             when_missing: Callable[[Page], object] | None = None) -> Page:
    """Missing, then broken, then fixed while the page is open: it says what to run each
    time (each problem once) and notices the fix by itself. ``when_missing`` is given the
    page while it says the program is missing (for a screenshot)."""
    with host_broken(b):  # its Python is gone: it shows once it is installed
        with host_missing(b):
            page = b.page(WELCOME_PATH)
            shown = settled(page, "the missing program", lambda s: s["mark"] == "✗", WELCOME)
            assert "not installed for this browser" in shown["state"], shown
            assert shown["fixCode"] == ["pocket-companion install", "pocket-companion doctor"]
            assert shown["detail"].startswith("The browser said: ")
            if when_missing:
                when_missing(page)
        shown = settled(page, "the broken program",
                        lambda s: "stopped unexpectedly" in (s["state"] or ""), WELCOME)
        assert "pocket-companion doctor" in shown["fixCode"], shown
        assert page.eval("document.body.innerText.split('stopped unexpectedly').length") == 2
    shown = settled(page, "the working program", lambda s: s["mark"] == "✓", WELCOME)
    assert shown["state"] == "Working: the Pocket Companion program answers."
    assert shown["fix"] is None and shown["versions"] == "Extension 0.1.0 · program 0.1.0"
    return page


def welcome_says_how_in_this_browser(b: Browser, page: Page) -> None:
    shown = settled(page, "the shortcut", lambda s: "Alt+Shift+Y" in (s["shortcut"] or ""),
                    WELCOME)
    assert shown["shortcut"] == "Alt+Shift+Y saves the page."
    if b.name == "chromium":
        assert "puzzle piece" in shown["pinHow"] and "the pin next to Pocket Companion" in \
            shown["pinHow"]
    else:
        assert "puzzle piece" in shown["pinHow"] and "choose Pin to Toolbar" in shown["pinHow"]
    assert shown["pin"] == "Without it, saves from the keyboard or a right-click show nothing."
    assert [line[0] for line in shown["badges"]] == ["…", "✔", "↑", "≡", "▣", "!"]
    assert shown["account"].startswith("Your pages stay on this computer")
    page.click("#connect")  # the list takes the `#account` away once it showed that part
    wait_until(lambda: any(url.startswith(f"{b.extension_base}list/list.html")
                           for url in b.tab_urls()), "the reading list, at its account part")


# --- the panel ------------------------------------------------------------------------------


def panel_text_is_14px(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-font-size"
    b.host.cli("save", url, "--tag", "sized")
    panel = b.panel(b.show(url))
    settled(panel, "the page's tags", lambda s: s["tags"] == ["sized"])
    sizes = dict(panel.eval(FONT_SIZES))
    body = panel.eval("getComputedStyle(document.body).fontSize")
    panel.close()
    assert body == "14px"
    for name in ("page-state", "account-text", "archive", "remove", "open-list", "shortcut"):
        assert sizes[name] == "14px", (name, sizes)
    assert {size for name, size in sizes.items() if name not in ("page-title", "versions")} == \
        {"14px"}, sizes


def unsaveable_pages_say_so_once(b: Browser, urls: list[str]) -> None:
    for url in urls:
        tab = b.show(url)
        b.click_button(tab)
        button = no_backticks(outcome(b, tab))
        assert button["text"] == "!", button
        assert "Only web pages (http and https addresses) can be saved." in button["title"]
        panel = b.panel(tab)
        shown = settled(panel, "the panel of a page that cannot be saved",
                        lambda s: s["account"])
        assert shown["state"] == "Only web pages (http and https addresses) can be saved: " \
                                 "this one cannot.", shown
        assert shown["problem"] is None and shown["save"] is None and shown["retry"] is None
        assert "Looking this page up" not in shown["body"]
        panel.close()
        b.close_tab(tab)


def missing_host_in_the_panel(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-panel-no-host"
    with host_missing(b):
        tab = b.show(url)
        panel = b.panel(tab)
        shown = settled(panel, "the missing program", lambda s: s["problem"])
        time.sleep(0.5)  # the status's answer (the same problem) has come too
        shown = panel_state(panel)
        assert shown["body"].count("not installed for this browser") == 1, shown["body"]
        assert "pocket-companion install" in shown["problem"]
        assert shown["retry"] == "Try again"
        assert shown["state"] is None and "Looking this page up" not in shown["body"]
        assert shown["account"] is None
    panel.click("#retry")
    shown = settled(panel, "the page after Try again", lambda s: s["save"] is not None)
    assert shown["problem"] is None and shown["state"] == "Not in your reading list."
    panel.close()


def unsaveable_page_without_host(b: Browser, url: str) -> None:
    with host_missing(b):
        panel = b.panel(b.show(url))
        shown = settled(panel, "the missing program", lambda s: s["problem"])
        time.sleep(0.5)
        shown = panel_state(panel)
        assert shown["state"].startswith("Only web pages")
        assert shown["body"].count("not installed for this browser") == 1
        assert shown["retry"] == "Try again", "installing the program helps with the account"
        panel.close()


def link_saves_keep_titles(b: Browser, site: str, link_text: str | None) -> None:
    """A link's text fills in a title (where the browser gives it), never replaces one."""
    page = b.show(f"{site}/{b.name}-links")
    tab = b.tab_id(page)
    known = f"{site}/linked/{b.name}-known"
    b.host.cli("save", known, "--title", "The page's real title")
    fresh = f"{site}/linked/{b.name}-fresh"
    for url in (known, fresh):
        info = {"menuItemId": "save-link", "linkUrl": url,
                **({"linkText": link_text} if link_text else {})}
        b.background(f"app.onMenuClicked({json.dumps(info)}, {{id: {tab}, windowId: 1}})")
    assert b.host.saved(known)["title"] == "The page's real title"
    assert b.host.saved(fresh)["title"] == (link_text or "")
    if not link_text:  # the page's own title fills it once the page itself is saved
        opened = b.tab_id(b.show(fresh))  # (its button opens the panel: it is in the list)
        b.background(f'app.onMenuClicked({{menuItemId: "save-page"}}, '
                     f'await {API}.tabs.get({opened}))')
        assert b.host.saved(fresh)["title"] == f"Page linked/{b.name}-fresh"


def save_all_tabs_leaves_archived_pages(b: Browser, site: str) -> None:
    archived, fresh = f"{site}/{b.name}-archived", f"{site}/{b.name}-unsaved"
    b.host.cli("save", archived)
    b.host.run("archive", archived)
    before = b.host.saved(archived)
    window = b.background(f"{API}.windows.create({{url: {json.dumps([archived, fresh])}}})"
                          ".then((w) => w.id)")
    tabs_of_window = f"{API}.tabs.query({{windowId: {window}}})"
    wait_until(lambda: b.background(f"{tabs_of_window}.then((tabs) => tabs.every((t) => "
                                    "t.status === 'complete' && t.url.startsWith('http')))"),
               "the window's two tabs loaded")
    tabs = b.background(f"{tabs_of_window}.then((tabs) => tabs.map((t) => "
                        "({id: t.id, url: t.url, active: t.active})))")
    active = next(t["id"] for t in tabs if t["active"])
    b.background(f'app.onMenuClicked({{menuItemId: "save-all-tabs"}}, '
                 f'{{id: {active}, windowId: {window}}})')
    after = b.host.saved(archived)
    assert after["status"] == "archived" and after["saved_at"] == before["saved_at"]
    assert b.host.saved(fresh)["status"] == "unread"
    shown = {t["url"]: b.background(
        f"Promise.all([{API}.action.getBadgeText({{tabId: {t['id']}}}), "
        f"{API}.action.getTitle({{tabId: {t['id']}}})])") for t in tabs}
    summary = next(shown[t["url"]][1] for t in tabs if t["active"])
    assert "Saved 2 of 2 tabs in this window" in summary, summary
    assert "1 already archived (left so)" in summary, summary
    if not next(t for t in tabs if t["url"] == archived)["active"]:
        assert shown[archived][0] == "▣"
    # one page saved on purpose (the page menu, the shortcut) is read again: unread
    archived_tab = next(t["id"] for t in tabs if t["url"] == archived)
    b.background(f'app.onMenuClicked({{menuItemId: "save-page"}}, '
                 f'await {API}.tabs.get({archived_tab}))')
    assert b.host.saved(archived)["status"] == "unread"
    b.background(f"{API}.windows.remove({window})")


def consumer_key_then_login_said_once(b: Browser, fake: FakePocket, site: str) -> None:
    """The host knows no consumer key: the panel points at its own field; typed there,
    the login works, the panel says so once, and waiting tabs show their pages synced."""
    waiting = b.show(f"{site}/{b.name}-before-login")
    b.click_button(waiting)
    assert outcome(b, waiting)["text"] == "↑"
    panel = b.panel(waiting)
    settled(panel, "the login form", lambda s: s["login"] == "Log in")
    panel.click("#login")
    shown = settled(panel, "the missing key", lambda s: s["message"])
    assert shown["message"] == "The Pocket login needs a consumer key. Type it in the " \
        "Consumer key field of this form, then press Log in."
    assert panel.eval("document.querySelector('#login-details summary').innerText") \
        == "Server and consumer key", "the summary names the service's fields"
    assert panel.eval("document.getElementById(document.getElementById('consumer-key')"
                      ".getAttribute('aria-describedby')).innerText").startswith(
        "The key of an app registered with the Pocket server"), "the field's hint"
    assert "pocket-companion" not in shown["message"]
    assert shown["keyFieldOpen"] and shown["focused"] == "consumer-key"
    panel.type("#consumer-key", fake.CONSUMER_KEY)
    panel.click("#login")
    shown = settled(panel, "the login", lambda s: (s["account"] or "").startswith("Connected as"),
                    timeout=60)
    assert shown["message"] == f"Logged in as {fake.username}."
    panel.close()
    again = b.panel(waiting)
    shown = settled(again, "a second panel", lambda s: (s["account"] or "").startswith("Conn"))
    time.sleep(0.5)
    assert "Logged in as" not in panel_state(again)["body"], "said once"
    again.close()
    button = wait_until(lambda: (x := b.button(waiting))["text"] == "≡" and x,
                        "the waiting tab showing its page on the account, without a reload")
    assert "on your account" in button["title"]


def sync_and_logout_errors_stay(b: Browser, fake: FakePocket, site: str) -> None:
    url = f"{site}/{b.name}-server-down"
    with server_down(fake):
        tab = b.show(url)
        b.click_button(tab)
        button = no_backticks(outcome(b, tab))
        assert button["text"] == "↑" and "The server cannot be reached" in button["title"], \
            button
        panel = b.panel(tab)
        shown = settled(panel, "why the page waits", lambda s: s["why"])
        waiting = int(shown["pending"].split()[0])
        assert shown["pending"] == (f"{waiting} pages wait" if waiting > 1 else "1 page waits") \
            + " to be sent to your account.", "singular or plural, never page(s)"
        assert shown["why"].startswith(("Last problem: ", "The server could not be reached"))
        panel.click("#sync")
        shown = settled(panel, "the failed sync", lambda s: s["message"])
        assert shown["message"].startswith("The server cannot be reached right now.")
        time.sleep(1.0)  # the status read after it: the message stays
        assert panel_state(panel)["message"] == shown["message"]
    with keychain_broken(b):
        panel.click("#logout")
        shown = settled(panel, "the question", lambda s: s["question"])
        assert shown["question"].startswith(f"Log out of {fake.username} on ")
        assert shown["logout"] is None and shown["sync"] is None
        panel.click("#logout-yes")
        shown = settled(panel, "the failed log out",
                        lambda s: s["message"] and "cannot be reached" not in s["message"])
        time.sleep(1.0)
        shown = panel_state(panel)
        assert shown["message"] and "keychain" in shown["message"].lower(), shown["message"]
        assert shown["account"].startswith("Connected as")
    assert b.host.cli("status")["account"] is not None
    panel.close()


def log_out_asks_once(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-synced-then-logged-out"
    b.host.cli("save", url)
    b.host.run("sync")  # now, whatever pause a failed server left
    tab = b.show(url)
    panel = b.panel(tab)
    settled(panel, "the synced page", lambda s: s["state"] == "✓ Saved and synced to your account")
    panel.click("#logout")
    settled(panel, "the question", lambda s: s["question"])
    panel.click("#logout-no")
    shown = settled(panel, "no question", lambda s: s["question"] is None)
    assert shown["logout"] == "Log out" and b.host.cli("status")["account"] is not None
    panel.click("#logout")
    panel.click("#logout-yes")
    shown = settled(panel, "logged out",
                    lambda s: s["message"] == "Logged out. Your pages stay on this computer.")
    assert b.host.cli("status")["account"] is None
    shown = settled(panel, "the page's state without the account",
                    lambda s: s["state"] == "✓ In your reading list on this computer")
    assert "synced to your account" not in shown["body"]
    panel.close()
    wait_until(lambda: "account" not in b.button(tab)["title"], "the tooltip without the account")


def tags_keep_the_valid_ones_and_the_text(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-tags"
    b.host.cli("save", url)
    panel = b.panel(b.show(url))
    settled(panel, "the page", lambda s: s["item"])
    panel.type("#tag-input", f"Good, {LONG_TAG}, fine")
    panel.click("#tag-form button")
    shown = settled(panel, "the valid tags", lambda s: s["tags"] == ["good", "fine"])
    assert shown["tagInput"] == LONG_TAG
    assert shown["tagError"] == f"“{LONG_TAG}” is too long: a tag has at most 25 characters."
    assert b.host.saved(url)["tags"] == ["good", "fine"]
    panel.close()


def remove_then_undo(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-removed"
    b.host.cli("save", url, "--tag", "kept")
    panel = b.panel(b.show(url))
    settled(panel, "the page", lambda s: s["tags"] == ["kept"])
    panel.click("#remove")  # no question: a dialog would block this click's return
    shown = settled(panel, "the undo offer", lambda s: s["undo"] == "Undo")
    assert shown["state"] == "Removed from your reading list." and shown["focused"] == "undo"
    assert b.host.item(url) is None
    panel.click("#undo")
    shown = settled(panel, "the page back", lambda s: s["item"] and s["undo"] is None)
    assert shown["tags"] == ["kept"] and shown["state"].endswith("It is back.")
    assert b.host.saved(url)["tags"] == ["kept"]
    panel.close()


def dark_errors_are_readable(b: Browser, site: str) -> dict[str, Any]:
    """The problem box and an error message in dark mode: every text at least 4.5:1."""
    b.dark(True)
    try:
        with host_missing(b):
            panel = b.panel(b.show(f"{site}/{b.name}-dark"))
            settled(panel, "the problem", lambda s: s["problem"])
            report: dict[str, Any] = panel.eval(listpage.CONTRAST)
            color = panel.eval("getComputedStyle(document.getElementById('problem')).color")
            panel.close()
    finally:
        b.dark(False)
    assert color == "rgb(255, 154, 143)", "the dark theme's error colour"
    assert report["failing"] == [], report["failing"]
    return report


def badge_states_differ(b: Browser, fake: FakePocket, site: str) -> dict[str, dict[str, str]]:
    """Just saved, already saved, archived, waiting, failed: each its own glyph and colour
    (needs an account connected)."""
    seen: dict[str, dict[str, str]] = {}
    saved = b.show(f"{site}/{b.name}-badge-saved")
    b.click_button(saved)
    seen["saved"] = outcome(b, saved)
    known_url, archived_url = f"{site}/{b.name}-badge-known", f"{site}/{b.name}-badge-archived"
    b.host.cli("save", known_url)
    b.host.cli("save", archived_url)
    b.host.run("archive", archived_url)
    for name, url in (("known", known_url), ("archived", archived_url)):
        seen[name] = mark(b, b.show(url))
    with server_down(fake):
        waiting = b.show(f"{site}/{b.name}-badge-waiting")
        b.click_button(waiting)
        seen["waiting"] = outcome(b, waiting)
    failed = b.show("about:blank#badge-failed")
    b.click_button(failed)
    seen["failed"] = outcome(b, failed)
    assert {name: (x["text"], x["color"]) for name, x in seen.items()} == BADGES, seen
    for button in seen.values():
        no_backticks(button)
    return seen


def badges_clear_once_the_host_is_back(b: Browser, site: str) -> None:
    url = f"{site}/{b.name}-host-back"
    with host_missing(b):
        tab = b.show(url)
        b.click_button(tab)
        assert no_backticks(outcome(b, tab))["text"] == "!"
    b.show(f"{site}/{b.name}-host-back-other")  # its mark is looked up: the host answers
    # the extension retries a host that failed to start by itself, with a back-off that
    # doubles from 1 s up to 60 s (a slow machine may have failed several starts meanwhile)
    button = wait_until(lambda: (x := b.button(tab))["text"] == "" and x,
                        "the stale error cleared, without a reload", timeout=75)
    assert button["title"].endswith("Save this page")
