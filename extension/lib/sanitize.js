/**
 * What an article's HTML may hold, once Readability has taken it from a page: DOMPurify's
 * settings (an allow-list of tags and attributes for text, links, images and tables; no
 * style, class, id, form, frame, SVG or MathML) and the links and images kept (http and
 * https only). The page sanitizes with them before a capture is sent (lib/capture.js), the
 * host again with its own allow-list (nh3), and the reader view once more before it shows
 * a copy (reader/render.js). Plain data, so a capture can pass it into the page.
 */

export const ALLOWED_TAGS = [
  "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
  "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
  "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
  "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp",
  "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
  "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
];

export const ALLOWED_ATTR = [
  "href", "src", "alt", "title", "width", "height", "colspan", "rowspan", "datetime", "lang",
  "dir", "start", "reversed", "scope", "abbr",
];

/** Web addresses only: no javascript:, data:, blob:, file: or relative ones. */
export const WEB_ADDRESS = "^https?:";

/** DOMPurify's settings (besides RETURN_DOM_FRAGMENT, which each caller adds). */
export const PURIFY = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  ALLOWED_URI_REGEXP_SOURCE: WEB_ADDRESS,
};

/** PURIFY as DOMPurify takes it (its address rule a RegExp). */
export function purifyConfig(rules = PURIFY) {
  const { ALLOWED_URI_REGEXP_SOURCE: source, ...rest } = rules;
  return { ...rest, ALLOWED_URI_REGEXP: new RegExp(source, "i") };
}

/**
 * What DOMPurify leaves that an article does not need: links to anything but web
 * addresses lose their address, images from anything but a web address go (DOMPurify lets
 * `data:` images through). Runs on a sanitized fragment, in place.
 */
export function keepWebAddresses(root, source = WEB_ADDRESS) {
  const web = new RegExp(source, "i");
  for (const link of root.querySelectorAll("[href]")) {
    if (!web.test(link.getAttribute("href").trim())) link.removeAttribute("href");
  }
  for (const image of root.querySelectorAll("img")) {
    if (!web.test((image.getAttribute("src") ?? "").trim())) image.remove();
  }
  return root;
}
