"""The reading-list page's checks, shared by the Chromium and the Firefox modules.

Each browser gives a ``ListDriver``: JavaScript evaluated in the page, real key presses
and real mouse clicks. The checks compare what the page shows with what the host
stored (its own protocol or CLI) and with what the fake Pocket server received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from tests.e2e.harness import REPO, Host, wait_until
from tests.fakepocket import FakePocket

LIST_PATH = "list/list.html"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

STATE = """(() => ({
  rows: [...document.querySelectorAll('#results .item')].map((li) => ({
    url: li.dataset.url,
    title: li.querySelector('.title').textContent,
    archived: Boolean(li.querySelector('.badge.archived')),
    favorite: Boolean(li.querySelector('.badge.favorite')),
    pending: Boolean(li.querySelector('.badge.pending')),
    tags: [...li.querySelectorAll('.chips .chip')].map((chip) => chip.textContent),
    current: li.classList.contains('current'),
    picked: li.classList.contains('picked'),
    focused: li.contains(document.activeElement),
  })),
  count: document.getElementById('count').textContent,
  busy: document.getElementById('results').getAttribute('aria-busy') === 'true',
  picked: document.getElementById('picked').textContent,
  toast: document.getElementById('toast').hidden ? null
    : document.getElementById('toast-text').textContent,
  problem: document.getElementById('problem').hidden ? null
    : document.getElementById('problem').innerText,
  dialog: document.querySelector('dialog[open]')?.id ?? null,
  address: location.search,
}))()"""

# Every visible text's colour against the background behind it (WCAG 2 contrast ratio).
CONTRAST = """(() => {
  const channel = (c) => {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const parse = (text) => (text.match(/[\\d.]+/g) ?? []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const over = (top, bottom) => {
    const a = top[3] ?? 1;
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a));
  };
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if ((colour[3] ?? 1) > 0) layers.push(colour);
      if ((colour[3] ?? 1) === 1) break;
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), [255, 255, 255]);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const found = [];
  const check = (element, colour, what) => {
    const back = background(element);
    found.push({ what, ratio: ratio(over(colour, back), back),
      colour: colour.join(','), background: back.map(Math.round).join(',') });
  };
  for (const element of document.querySelectorAll('body *')) {
    const style = getComputedStyle(element);
    const texts = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const shown = element.getClientRects().length && style.visibility !== 'hidden' &&
      !element.closest('[hidden], .visually-hidden, dialog:not([open])');
    if (!texts || !shown) continue;
    const classes = typeof element.className === 'string' && element.className
      ? '.' + element.className.split(' ').join('.') : '';
    const name = element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + classes;
    check(element, parse(style.color), name);
  }
  for (const field of document.querySelectorAll('input[placeholder]')) {
    if (field.getClientRects().length) {
      const colour = parse(getComputedStyle(field, '::placeholder').color);
      check(field, colour, '::placeholder of #' + field.id);
    }
  }
  found.sort((a, b) => a.ratio - b.ratio);
  return { lowest: found[0] ?? null, checked: found.length,
    failing: found.filter((f) => f.ratio < 4.5) };
})()"""


class ListDriver(Protocol):
    host: Host

    def eval(self, expression: str) -> Any: ...

    def press(self, *keys: str) -> None: ...

    def click(self, selector: str, shift: bool = False) -> None: ...

    def type(self, selector: str, text: str) -> None: ...

    def tab_urls(self) -> list[str]: ...

    def close_tab(self, url: str) -> None:
        """Close the tab showing ``url``; the list's tab is in front again."""


def state(d: ListDriver) -> dict[str, Any]:
    shown: dict[str, Any] = d.eval(STATE)
    return shown


def settled(d: ListDriver, what: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Wait until the page (not loading) satisfies ``check``; return what it shows."""
    seen: list[dict[str, Any]] = []

    def probe() -> dict[str, Any] | None:
        seen[:] = [state(d)]
        return seen[0] if not seen[0]["busy"] and check(seen[0]) else None

    try:
        return wait_until(probe, what)
    except AssertionError:
        shown = {**seen[0], "rows": [(row["title"], row["url"]) for row in seen[0]["rows"][:5]]}
        raise AssertionError(f"timed out waiting for {what}; the page shows {shown}") from None


def urls(shown: dict[str, Any]) -> list[str]:
    return [row["url"] for row in shown["rows"]]


def host_urls(host: Host, **params: Any) -> list[str]:
    """The first page the host lists for these `list` parameters."""
    return [item["url"] for item in host.request("list", {"limit": 200, **params})["items"]]


def show(d: ListDriver, filter_: str) -> dict[str, Any]:
    """Choose a filter by clicking its radio button; wait for its rows."""
    d.click(f'input[name="filter"][value="{filter_}"]')
    status = {"unread": {"status": "unread"}, "archived": {"status": "archived"},
              "favorites": {"favorite": True}, "all": {}}[filter_]
    expected = host_urls(d.host, **status)[:50]
    return settled(d, f"the {filter_} filter", lambda s: urls(s)[:len(expected)] == expected)


def search(d: ListDriver, text: str) -> dict[str, Any]:
    """Type into the search field (as a person types); wait for the host's answer."""
    d.click("#search")
    d.press("Control+a", "Delete")
    if not text:
        return settled(d, "the list without a search", lambda s: "“" not in s["count"])
    d.type("#search", text)
    return settled(d, f"results for {text!r}", lambda s: f"“{text}”" in s["count"])


def sent_actions(fake: FakePocket, kind: str, item_id: str) -> list[dict[str, Any]]:
    """The `/v3/send` actions of this kind for this item the fake server received."""
    found = []
    for call in fake.calls:
        if call.path != "/v3/send":
            continue
        actions = call.params["actions"]
        actions = json.loads(actions) if isinstance(actions, str) else actions
        found += [action for action in actions
                  if action.get("action") == kind and str(action.get("item_id")) == item_id]
    return found


def axe_violations(inject: Callable[[str], Any], evaluate: Callable[[str], Any]
                   ) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page (``inject`` runs axe's file)."""
    if not evaluate("typeof axe !== 'undefined'"):
        inject(AXE.read_text())
    report = evaluate("""axe.run(document, {resultTypes: ['violations']}).then((r) =>
        r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
        })))""")
    return [v for v in report if v["impact"] in ("serious", "critical")]


# --- the checks both browsers run ---------------------------------------------------------


def search_narrows_to_the_right_rows(d: ListDriver) -> None:
    show(d, "all")
    shown = search(d, "cafe paris")  # no accents typed: the page is "Un café à Paris"
    assert [row["title"] for row in shown["rows"]] == ["Un café à Paris : les meilleures adresses"]
    assert shown["count"] == "1 page matches “cafe paris”"
    assert "q=cafe+paris" in shown["address"]
    shown = search(d, "sleep sci")  # search as you type: the last word is a prefix
    expected = host_urls(d.host, query="sleep sci", sort="relevance")
    assert urls(shown) == expected and expected
    assert all("sleep" in row["title"].lower() for row in shown["rows"])
    shown = search(d, "tag:food is:archived")
    expected = host_urls(d.host, query="tag:food is:archived", sort="newest")
    assert urls(shown) == expected and expected
    assert all(row["archived"] and "food" in row["tags"] for row in shown["rows"])
    shown = search(d, "zzzz-nothing")
    assert shown["rows"] == []
    assert "No pages match" in d.eval("document.getElementById('empty').innerText")
    search(d, "")


def each_filter_shows_its_pages(d: ListDriver) -> None:
    checks: dict[str, Callable[[dict[str, Any]], bool]] = {
        "unread": lambda row: not row["archived"], "archived": lambda row: row["archived"],
        "favorites": lambda row: row["favorite"], "all": lambda row: True}
    for name, check in checks.items():
        shown = show(d, name)
        assert shown["rows"] and all(check(row) for row in shown["rows"]), name
    tag = d.eval("document.querySelector('#tag-filter button[data-tag=\"travel\"]').dataset.tag")
    d.click('#tag-filter button[data-tag="travel"]')
    expected = host_urls(d.host, tag=tag)
    shown = settled(d, "the travel tag", lambda s: urls(s) == expected)
    assert all("travel" in row["tags"] for row in shown["rows"])
    assert "tagged “travel”" in shown["count"]
    d.click("#clear-tag")
    settled(d, "every tag again", lambda s: "tagged" not in s["count"])


def keyboard_moves_archives_favourites_and_deletes(d: ListDriver) -> None:
    shown = show(d, "all")
    first, second = shown["rows"][0], shown["rows"][1]
    d.click("#count")  # the focus is on the page, not in a field
    d.press("j")
    settled(d, "j focuses the first row", lambda s: s["rows"][0]["focused"])
    d.press("j", "j", "k")
    shown = settled(d, "j, j, k: the second row", lambda s: s["rows"][1]["focused"])
    assert shown["rows"][1]["current"] and not shown["rows"][0]["current"]
    d.press("a")
    wait_until(lambda: d.host.saved(second["url"])["status"] == "archived", "archived by a")
    settled(d, "the archived mark", lambda s: s["rows"][1]["archived"])
    d.press("a")
    wait_until(lambda: d.host.saved(second["url"])["status"] == "unread", "unread again by a")
    d.press("f")
    wait_until(lambda: d.host.saved(second["url"])["favorite"], "favourite by f")
    settled(d, "the favourite mark", lambda s: s["rows"][1]["favorite"])
    d.press("d")
    shown = settled(d, "the row deleted by d", lambda s: second["url"] not in urls(s))
    assert d.host.item(second["url"]) is None
    assert shown["toast"] == f"Deleted “{second['title']}”."
    assert shown["rows"][1]["focused"], "the next row takes the focus"
    d.press("u")
    shown = settled(d, "the row back by u", lambda s: urls(s)[:2] == [first["url"], second["url"]])
    back = d.host.saved(second["url"])
    assert back["favorite"] and back["status"] == "unread", "back exactly as it was"
    shown = show(d, "unread")
    top = shown["rows"][0]
    d.click("#count")
    d.press("j", "a")
    shown = settled(d, "archived rows leave the unread view", lambda s: top["url"] not in urls(s))
    assert shown["rows"][0]["focused"]
    assert d.host.saved(top["url"])["status"] == "archived"
    opened = shown["rows"][0]["url"]
    d.press("o")
    wait_until(lambda: opened in d.tab_urls(), "the page opened by o in a new tab")
    d.close_tab(opened)


def bulk_tag_on_a_selection(d: ListDriver) -> None:
    shown = show(d, "all")
    picked = urls(shown)[1:5]
    d.click('#results .item:nth-child(2) [data-action="pick"]')
    d.click('#results .item:nth-child(5) [data-action="pick"]', shift=True)
    shown = settled(d, "a shift-click range", lambda s: s["picked"] == "4 selected")
    assert [row["url"] for row in shown["rows"] if row["picked"]] == picked
    d.click('[data-bulk="tags"]')
    settled(d, "the tag editor", lambda s: s["dialog"] == "tag-editor")
    d.type("#tag-editor-input", "bulk-tag, Second Tag")
    d.press("Enter")
    wait_until(lambda: all({"bulk-tag", "second tag"} <= set(d.host.saved(url)["tags"])
                           for url in picked), "the tags on the four pages")
    settled(d, "the tags on the rows", lambda s: all(
        "bulk-tag" in row["tags"] for row in s["rows"] if row["url"] in picked))
    d.press("Escape")
    settled(d, "the editor closed", lambda s: s["dialog"] is None)
    others = [url for url in urls(state(d)) if url not in picked]
    assert not any("bulk-tag" in d.host.saved(url)["tags"] for url in others[:5])
    count = d.eval("document.querySelector('#tag-filter [data-tag=\"bulk-tag\"]')?.textContent")
    assert count == "bulk-tag 4 pages"


def delete_then_undo_with_the_mouse(d: ListDriver, fake: FakePocket) -> None:
    """After the undo the page is back, and the server never hears of the delete."""
    shown = show(d, "all")
    first = shown["rows"][0]
    item_id = d.host.saved(first["url"])["item_id"]
    d.click('#results .item:nth-child(1) [data-action="delete"]')
    shown = settled(d, "the row deleted", lambda s: first["url"] not in urls(s))
    assert shown["toast"] == f"Deleted “{first['title']}”."
    assert d.host.item(first["url"]) is None
    d.click("#undo")
    settled(d, "the row back",
            lambda s: urls(s)[0] == first["url"] and s["toast"] == "Restored 1 page.")
    assert d.host.saved(first["url"])["status"] == ("archived" if first["archived"] else "unread")
    time.sleep(11)  # past the 10 s the host holds a delete
    assert sent_actions(fake, "delete", item_id) == []
    assert item_id in fake.items(), "still on the server"


def a_change_reaches_the_server_once(d: ListDriver, fake: FakePocket) -> None:
    shown = show(d, "unread")
    row = shown["rows"][0]
    item_id = d.host.saved(row["url"])["item_id"]
    before = len(sent_actions(fake, "archive", item_id))  # (earlier tests' changes, synced)
    d.click('#results .item:nth-child(1) [data-action="archive"]')
    settled(d, "the archived row gone", lambda s: row["url"] not in urls(s))
    wait_until(lambda: fake.items()[item_id]["status"] == "1", "the archive on the server")
    time.sleep(2)  # any second send would come now
    assert len(sent_actions(fake, "archive", item_id)) == before + 1


# Which controls of each capability are on screen in the reading list.
CONTROLS = """(() => Object.fromEntries(['archive', 'favorite', 'tags', 'delete'].map((name) => [
  name, [...document.querySelectorAll(`[data-needs="${name}"]`)]
    .filter((e) => e.getClientRects().length).length])))()"""


def controls_follow_the_service(d: ListDriver) -> None:
    """Pocket can do everything: every control shows. A service that lacks favourites
    (as ``hello`` would say, set here on the page's root) shows no favourite control."""
    settled(d, "the rows", lambda s: len(s["rows"]) > 0)
    wait_until(lambda: d.eval("document.documentElement.dataset.lacks") == "",
               "the service's capabilities from hello")
    shown = d.eval(CONTROLS)
    assert all(shown.values()), shown
    try:
        d.eval("document.documentElement.dataset.lacks = 'favorite'")
        shown = d.eval(CONTROLS)
        assert shown["favorite"] == 0 and shown["archive"] and shown["delete"], shown
    finally:
        d.eval("document.documentElement.dataset.lacks = ''")


def log_in_from_the_page(d: ListDriver) -> None:
    settled(d, "the log-in button", lambda s: True)
    wait_until(lambda: d.eval("!document.getElementById('login-form').hidden"), "the login form")
    assert d.eval("document.querySelector('#login-form summary').textContent") \
        == "Server and consumer key", "the form names the service's fields"
    assert d.eval("document.getElementById('consumer-key') !== null")
    d.click("#login")
    account = "document.getElementById('account-text').textContent"
    wait_until(lambda: "Connected as" in d.eval(account), "the account connected", timeout=60)
    wait_until(lambda: d.host.cli("status")["pending"] == 0, "every page synced", timeout=60)
    wait_until(lambda: "Everything is synced." in d.eval(
        "document.getElementById('account-pending').textContent"), "the account says so")
