"""The host's own sanitizer: every readable copy passes it before it is stored.

A capture was already cleaned by DOMPurify in the browser, and a fetched copy comes from
trafilatura, but neither is trusted: the HTML goes through nh3 (the Python binding of
Ammonia, an allow-list sanitizer on html5ever, the HTML5 parser browsers' parsing follows)
with the list below, and what comes out is re-serialised markup, so it parses the same way
again in the reader view. What stays is article markup only:

- the tags of :data:`TAGS` (text, headings, lists, quotes, code, tables, figures, images,
  links); everything else is dropped and its text kept, except the elements of
  :data:`DROPPED`, which go with their content (scripts, styles, frames, plug-ins, SVG and
  MathML, form controls, templates);
- the attributes of :data:`ATTRIBUTES`; no ``style``, ``class``, ``id``, ``on*``,
  ``srcset``, ``target`` or ``rel`` of the page's own;
- URLs (``href``, ``src``) of the schemes ``http`` and ``https`` only (no ``javascript:``,
  ``data:``, ``mailto:``, however spelled or entity-encoded); a relative URL is made
  absolute against the page's own address, so that nothing in the copy refers to the
  reader view's own origin;
- every link gets ``target="_blank"`` and ``rel="noopener noreferrer nofollow"``: it never
  navigates the reader's frame, and what it opens learns nothing of where it came from.

Comments are removed. The reader view shows the result in a sandboxed frame without
scripts under a strict CSP; this is the layer that holds even where that one would not.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import nh3

TAGS = frozenset({
    "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
    "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s",
    "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
DROPPED = frozenset({
    "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
    "embed", "applet", "svg", "math", "textarea", "select", "option", "button", "title",
    "noembed", "noframes", "xmp", "plaintext", "canvas", "audio", "video",
})
ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"}, "del": {"datetime"}, "ins": {"datetime"},
    "details": {"open"},
}
SCHEMES = frozenset({"http", "https"})
LINK_REL = "noopener noreferrer nofollow"


@cache
def _cleaner(base: str) -> nh3.Cleaner:
    import nh3

    return nh3.Cleaner(
        tags=set(TAGS), clean_content_tags=set(DROPPED),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES), link_rel=LINK_REL, strip_comments=True,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_relative=("rewrite_with_base", base) if base else "deny")


def sanitize(html: str, page_url: str) -> str:
    """``html`` with only article markup left (see the module's notes); relative URLs in
    it are resolved against ``page_url`` (an http or https URL; else they are dropped)."""
    base = page_url if page_url.startswith(("http://", "https://")) else ""
    try:
        cleaner = _cleaner(base)
    except ValueError:  # a base nh3 cannot parse: no relative URL is kept
        cleaner = _cleaner("")
    return cleaner.clean(html)
