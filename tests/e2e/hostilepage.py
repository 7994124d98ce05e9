"""The reader view against hostile copies, in both browsers (a ``ReaderDriver`` each, see
tests/e2e/readerpage.py): every trick of the corpora (tests/e2e/hostile/ and the shared
tests/fixtures/hostile/) aims at a recording server of the test's own and tries to leave a
marker where the test looks. Stored through ``capture`` (so through every sanitizer), or
put unsanitized into the reader's own frame (the last line of defence alone), none may
run, load anything or reach the reader page, the extension or the host's list.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.e2e.articles import ArticleSite, story
from tests.e2e.harness import wait_until
from tests.e2e.readerpage import (
    SANDBOX,
    ReaderDriver,
    article,
    listed,
    opened,
    reader_address,
    request,
    state,
)
from tests.support.frames import REPO

OWN_CORPUS = Path(__file__).parent / "hostile"
SHARED_CORPUS = REPO / "tests" / "fixtures" / "hostile"
SETTLE_S = 1.5  # what a trick would request arrives by then
SHOWN_S = 0.25  # each copy shown through the reader: its tricks fire as it loads (a late
# request is still heard: while a later copy is on show, or at the end, after SETTLE_S)
# a web address's scheme and host (SVG's namespace is a name, not an address)
WEB_ADDRESS = re.compile(r"(?i)\b(?:https?:)?//(?!www\.w3\.org)([\w.-]+(?::\d+)?)")

# What the frame was given, read in an inert document: anything that could run or load.
FRAME_MARKUP = """(() => {
  const doc = new DOMParser().parseFromString(document.getElementById('frame').srcdoc,
                                              'text/html');
  const body = doc.body;
  const found = [];
  const banned = 'script, iframe, frame, object, embed, form, input, button, meta, base, link, ' +
    'style, svg, math, template, noscript, video, audio, source, picture, portal, textarea';
  for (const element of body.querySelectorAll(banned)) found.push('<' + element.localName + '>');
  for (const element of body.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.trim();
      if (name.startsWith('on') || name === 'style' || name === 'srcset' || name === 'ping' ||
          name === 'formaction' || name === 'background' || name === 'poster') {
        found.push(element.localName + '[' + name + ']');
      }
      if (['href', 'src', 'action', 'xlink:href', 'data'].includes(name) &&
          !/^https?:/i.test(value)) {
        found.push(element.localName + '[' + name + '=' + value.slice(0, 40) + ']');
      }
    }
  }
  const policy = doc.querySelector('head meta[http-equiv="Content-Security-Policy"]');
  return { found, policy: policy?.content ?? null,
    firstInHead: doc.head.firstElementChild?.outerHTML ?? '',
    secondInHead: doc.head.children[1]?.getAttribute('http-equiv') ?? null,
    text: body.textContent };
})()"""

LISTEN = """(() => {
  window.seenMessages = [];
  window.addEventListener('message', (event) => window.seenMessages.push(String(
    typeof event.data === 'object' ? JSON.stringify(event.data) : event.data)));
  return true;
})()"""

# Frames made as the reader's own (its attributes, its document around the HTML), one per
# copy and all left in place, each around HTML that no sanitizer saw. Nothing here waits for
# a frame to load (a frame that never does must fail the test's own wait, not hang it).
RAW_FRAMES = """(async (copies) => {
  const api = globalThis.browser ?? globalThis.chrome;
  const render = await import(api.runtime.getURL('reader/render.js'));
  const css = await (await fetch(api.runtime.getURL('reader/article.css'))).text();
  const hash = await render.styleHash(css);
  let last = document.getElementById('frame');
  for (const { body, title, id } of copies) { // each frame's place among the frames: its order
    const frame = last.cloneNode(false);
    frame.id = id;
    frame.srcdoc = render.frameDocument({ body, css, hash, images: false, lang: 'en',
      dir: 'ltr', theme: 'light', size: 2, title });
    last.after(frame);
    last = frame;
  }
  return true;
})"""


def hostile_corpus(origin: str) -> dict[str, str]:
    """Every trick: this module's own (``{{ORIGIN}}`` and ``{{NAME}}`` filled in) and the
    shared sanitizer corpus, whose web addresses are pointed at ``origin`` (SVG's namespace
    aside)."""
    corpus = {}
    for path in sorted(OWN_CORPUS.glob("*.html")):
        corpus[f"own/{path.stem}"] = (path.read_text().replace("{{ORIGIN}}", origin)
                                      .replace("{{NAME}}", path.stem))
    for path in sorted(SHARED_CORPUS.glob("*.html")):
        aim = f"{origin}/ran/shared-{path.stem}/"

        def aimed(found: re.Match[str], aim: str = aim) -> str:
            return aim + found.group(1)

        corpus[f"shared/{path.stem}"] = WEB_ADDRESS.sub(aimed, path.read_text())
    return corpus


def hostile_copies_run_nothing_and_load_nothing(d: ReaderDriver, recorder: ArticleSite,
                                                base: str, pages: ArticleSite) -> None:
    """Each hostile copy, stored through ``capture`` (so through the host's sanitizer),
    shown in the reader and shown again after a change of theme (with a listener for
    messages in place): the recording server hears nothing, the reader page is untouched,
    the host's list and account too, and the frame was given nothing that could run or
    load."""
    corpus = hostile_corpus(recorder.origin)
    assert len(corpus) >= 12
    status = d.host.request("status", {})
    for name, html in corpus.items():
        url = pages.url(f"/hostile/{name}")
        d.host.request("save", {"url": url})
        reply = request(d.host, "capture", {"url": url, "article": article(
            f"Hostile {name}", html, f"The hostile copy {name}.")})
        assert reply["ok"] and reply["data"]["stored"], (name, reply)
        d.reader(reader_address(base, url))
        shown = opened(d, name)
        d.eval(LISTEN)  # then the frame is made again, in the dark theme, with it in place
        d.eval("(() => { const s = document.getElementById('theme'); s.value = 'dark';"
               " s.dispatchEvent(new Event('change')); return true; })()")
        wait_until(lambda: state(d)["dark"], "the dark frame")
        time.sleep(SHOWN_S)
        after = state(d)
        markup = d.eval(FRAME_MARKUP)
        messages = d.eval("window.seenMessages")
        assert recorder.requests() == [], (name, recorder.requests())
        assert messages == [], (name, messages)
        assert after["documentTitle"] == shown["documentTitle"] and after["ran"] is None, name
        assert after["href"] == shown["href"] and not after["pwned"], name
        assert d.frame_title() == f"Hostile {name}", name
        assert markup["found"] == [], (name, markup["found"])
        assert markup["firstInHead"] == '<meta charset="utf-8">', name
        assert markup["secondInHead"] == "Content-Security-Policy", name
        assert "script-src" not in markup["policy"] and "img-src 'none'" in markup["policy"]
        assert after["sandbox"] == SANDBOX
        d.eval("(() => { const s = document.getElementById('theme'); s.value = 'system';"
               " s.dispatchEvent(new Event('change')); return true; })()")
    time.sleep(SETTLE_S)
    assert recorder.requests() == [], recorder.requests()  # each names its trick
    assert d.host.request("status", {})["account"] == status["account"]
    assert all(listed(d.host, pages.url(f"/hostile/{name}")) for name in corpus), \
        "no trick deleted a page"
    d.close_reader()


def the_sandbox_alone_holds(d: ReaderDriver, recorder: ArticleSite, base: str,
                            url: str) -> None:
    """Every hostile copy unsanitized, straight into the reader's frame as the reader makes
    its document: the frame's sandbox and policies alone run nothing and load nothing.
    (Firefox's speculative loader asked for `srcset` images in spite of the frame's own
    policy, until the reader page held images back with a policy the frame inherits.)"""
    d.reader(reader_address(base, url))
    shown = opened(d, url)
    wait_until(lambda: d.frame_text(), "the reader's own copy shown first")
    d.eval(LISTEN)
    corpus = hostile_corpus(recorder.origin)
    frames = {f"raw-{n}": name for n, name in enumerate(corpus)}
    assert d.call(RAW_FRAMES, [{"body": corpus[name], "title": name, "id": frame_id}
                               for frame_id, name in frames.items()]) is True
    for frame_id, name in frames.items():
        wait_until(lambda f=frame_id, n=name: d.frame_title(f) == n, f"the frame of {name}")
    time.sleep(SETTLE_S)  # every copy is on show at once: one wait for all their tricks
    assert recorder.requests() == [], recorder.requests()
    assert d.eval("window.seenMessages") == []
    after = state(d)
    assert after["documentTitle"] == shown["documentTitle"] and after["ran"] is None
    assert after["href"] == shown["href"] and not after["pwned"]
    for frame_id, name in frames.items():
        assert d.frame_title(frame_id) == name, name  # what no script changed
    d.close_reader()


def images_load_only_when_allowed(d: ReaderDriver, recorder: ArticleSite, base: str,
                                  pages: ArticleSite) -> None:
    """An image of a copy is asked for only once the person allows it for that page:
    then only the image, without a referrer or a cookie (the recorder would have heard
    any trick)."""
    url = pages.url("/article/with-a-photo")
    d.host.request("save", {"url": url})
    photo = f"{recorder.origin}/img/photo.png"
    html = (f"<p>{story('photo').first}</p><figure><img src=\"{photo}\" width=\"400\" "
            "height=\"300\" alt=\"A grey harbour\"><figcaption>The harbour.</figcaption>"
            f"</figure><p>{story('photo').last}</p>")
    assert request(d.host, "capture", {"url": url, "article": article("A photo", html)})["ok"]
    d.reader(reader_address(base, url))
    shown = opened(d, url)
    assert shown["images"].startswith("1 image not loaded"), shown["images"]
    text = wait_until(lambda: d.frame_text(), "the article's text")
    assert "Image: A grey harbour" in text
    time.sleep(SETTLE_S)
    assert recorder.requests() == []
    d.click("#images-page")
    seen = wait_until(lambda: recorder.requests(), "the image asked for")
    time.sleep(SETTLE_S)
    seen = recorder.requests()
    # only the image (Firefox may ask twice: a speculative load, then the image's own)
    assert {request.path for request in seen} == {"/img/photo.png"}, seen
    for one in seen:
        headers = {name.lower(): value for name, value in one.headers.items()}
        assert "referer" not in headers and "cookie" not in headers, headers
    assert state(d)["images"] == "1 image of this page loads from the web."
    d.close_reader()

