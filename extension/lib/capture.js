/**
 * A readable copy of the page the person just saved, taken from their own browser: on the
 * toolbar button, the page's menu item or the shortcut (each grants `activeTab` for that
 * tab), once the host has the page on disk, Mozilla's Readability runs on a clone of the
 * live document (what the person sees, logged in or rendered by script), DOMPurify
 * sanitizes its HTML, and the host gets `capture {url, article}` (`article: null` when
 * Readability finds no article: the page is kept as a link only).
 *
 * The libraries and `readPage` run in the extension's isolated world in the page (the
 * page's own scripts cannot reach them). Sanitizing happens there because the Chromium
 * background is a service worker, which has no DOM for DOMPurify, and because only
 * sanitized HTML then leaves the page; the host sanitizes again (nh3) and the reader view
 * once more. A capture never delays or fails a save: it starts after the save's `kept`,
 * and whatever goes wrong (a restricted page, no permission, a host without `capture`, a
 * page that moved on) ends it quietly; the host then fetches the page itself.
 */

import { PURIFY } from "./sanitize.js";
import { realClock } from "./native.js";

export const LIBRARIES = ["vendor/readability/Readability.js",
  "vendor/readability/Readability-readerable.js", "vendor/dompurify/purify.js"];
export const MAX_HTML_BYTES = 8 * 1024 * 1024; // the host's limits
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;
const WAIT_MS = 30_000; // a page busy for longer is left to the host's fetcher
const FIELDS = { title: 2000, byline: 500, site: 500, excerpt: 2000, lang: 35 };
// the characters of text that make an article of a page Readability's quick test doubts
export const MIN_CHARS = 1500;

/**
 * Runs in the page (passed to `scripting.executeScript` as `func`, so it uses nothing
 * from outside itself but the three libraries): the article, or why there is none.
 */
export function readPage({ rules, maxHtml, maxText, fields, minChars }) {
  const url = location.href;
  const likely = isProbablyReaderable(document);
  const parsed = new Readability(document.cloneNode(true)).parse();
  // Readability's quick test misses articles laid out without paragraphs (old table
  // layouts): those count when what it found is long enough to be one
  if (!parsed?.content || (!likely && (parsed.length ?? 0) < minChars)) {
    return { url, article: null };
  }
  const { ALLOWED_URI_REGEXP_SOURCE: source, ...config } = rules;
  const fragment = DOMPurify.sanitize(parsed.content, { ...config,
    ALLOWED_URI_REGEXP: new RegExp(source, "i"), RETURN_DOM_FRAGMENT: true });
  const holder = document.createElement("template");
  holder.content.append(fragment);
  const html = holder.innerHTML;
  const blocks = new RegExp("^(P|DIV|SECTION|ARTICLE|ASIDE|HEADER|FOOTER|H[1-6]|LI|UL|OL|DL|DT|" +
    "DD|BLOCKQUOTE|PRE|TABLE|TR|CAPTION|FIGURE|FIGCAPTION|DETAILS|SUMMARY|HR|BR)$");
  const parts = [];
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) parts.push(child.data);
      else if (child.nodeType === Node.ELEMENT_NODE) {
        const block = blocks.test(child.tagName);
        if (block) parts.push("\n");
        else if (/^T[DH]$/.test(child.tagName)) parts.push(" ");
        walk(child);
        if (block) parts.push("\n");
      }
    }
  };
  walk(holder.content);
  const text = parts.join("").split("\n").map((line) => line.replace(/\s+/g, " ").trim())
    .join("\n").replace(/\n{3,}/g, "\n\n").trim();
  const bytes = (value) => new TextEncoder().encode(value).length;
  if (!text) return { url, article: null };
  if (bytes(html) > maxHtml || bytes(text) > maxText) return { url, tooLarge: true };
  const lang = String(parsed.lang || document.documentElement.lang || "").trim();
  let words = 0;
  try {
    for (const part of new Intl.Segmenter(lang || undefined, { granularity: "word" })
      .segment(text)) {
      if (part.isWordLike) words += 1;
    }
  } catch {
    words = text.split(/\s+/).filter(Boolean).length;
  }
  const field = (value, name) => String(value ?? "").replace(/\s+/g, " ").trim()
    .slice(0, fields[name]);
  const dir = String(parsed.dir || document.dir || "").toLowerCase();
  return { url, article: {
    title: field(parsed.title || document.title, "title"), byline: field(parsed.byline, "byline"),
    site: field(parsed.siteName, "site"), lang: field(lang, "lang"),
    dir: dir === "rtl" || dir === "ltr" ? dir : "", excerpt: field(parsed.excerpt, "excerpt"),
    html, text, words,
  } };
}

/** The address without its fragment: the same page for the host. */
function sameDocument(a, b) {
  return String(a).split("#")[0] === String(b).split("#")[0];
}

export class Capturer {
  constructor({ scripting, host, clock = realClock, onChange = () => {} }) {
    this.scripting = scripting; // undefined without the `scripting` permission
    this.host = host;
    this.clock = clock;
    this.onChange = onChange; // (tabId, outcome) => {}: the panel shows it
    this.outcomes = new Map(); // tab id -> {url, state, words?, reason?}
    this.running = new Map(); // tab id -> the capture under way (for tests to await)
  }

  /** Capture in the background: the save it follows has already been answered. */
  start(tab) {
    const run = this.capture(tab).finally(() => {
      if (this.running.get(tab.id) === run) this.running.delete(tab.id);
    });
    this.running.set(tab.id, run);
  }

  /** The last capture of this tab's page: `{url, state}`, state `capturing`, `stored`,
   * `none` (no article), `skipped` (the host fetches it instead) or `failed`. */
  outcome(tabId, url) {
    const known = this.outcomes.get(tabId);
    return known && sameDocument(known.url, url) ? known : null;
  }

  set(tabId, outcome) {
    this.outcomes.set(tabId, outcome);
    this.onChange(tabId, outcome);
    return outcome;
  }

  forget(tabId) {
    this.outcomes.delete(tabId);
  }

  /** Whether this browser lets the extension read the page (the save says a copy may come). */
  available() {
    return Boolean(this.scripting?.executeScript);
  }

  /** Whether a capture can be tried at all: the API, and a host that takes it. */
  possible() {
    return this.available() && Boolean(this.host.info?.capabilities?.includes("capture"));
  }

  /** Capture the page of `tab` (just saved as `tab.url`); resolves with the outcome and
   * never rejects. */
  async capture(tab) {
    const url = tab.url;
    if (!this.possible()) return this.set(tab.id, { url, state: "skipped" });
    this.set(tab.id, { url, state: "capturing" });
    let found;
    try {
      found = await this.withinTime(this.read(tab.id));
    } catch (error) {
      return this.set(tab.id, { url, state: "skipped", reason: String(error?.message ?? error) });
    }
    if (!found || found.tooLarge || !sameDocument(found.url, url)) {
      return this.set(tab.id, { url, state: "skipped",
        reason: found?.tooLarge ? "too large" : "the tab shows another page" });
    }
    try {
      const reply = await this.host.request("capture", { url, article: found.article });
      if (reply.stored) return this.set(tab.id, { url, state: "stored", words: reply.words });
      return this.set(tab.id, { url, state: "none", reason: reply.reason ?? null });
    } catch (error) {
      return this.set(tab.id, { url, state: "failed", reason: error?.message ?? null });
    }
  }

  /** The libraries, then `readPage`, in the tab's top frame; its result. */
  async read(tabId) {
    const target = { tabId };
    await this.scripting.executeScript({ target, files: LIBRARIES });
    const [result] = await this.scripting.executeScript({ target, func: readPage, args: [{
      rules: PURIFY, maxHtml: MAX_HTML_BYTES, maxText: MAX_TEXT_BYTES, fields: FIELDS,
      minChars: MIN_CHARS }] });
    return result?.result ?? null;
  }

  withinTime(promise) {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new Error("the page took too long")),
        WAIT_MS);
      promise.then((value) => {
        this.clock.clearTimeout(timer);
        resolve(value);
      }, (error) => {
        this.clock.clearTimeout(timer);
        reject(error);
      });
    });
  }
}
