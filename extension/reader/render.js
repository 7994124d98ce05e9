/**
 * How a stored copy becomes what the reader view shows. The copy's HTML is untrusted (a
 * page wrote it, even after two sanitizers), so:
 *
 * - it is sanitized once more here with DOMPurify's allow-list (lib/sanitize.js), links
 *   and images keep web addresses only, links open in a new tab without an opener or a
 *   referrer, and images, unless the person allowed them, become placeholders with their
 *   description (no request at all is made for them);
 * - it is shown in a sandboxed frame (no `allow-scripts`, no `allow-same-origin`: an
 *   opaque origin that runs nothing and reaches nothing of the extension) whose own
 *   Content-Security-Policy allows no script, no connection, no frame, no font, no form,
 *   no base address and only the reader's one stylesheet (by its hash), and images from
 *   the web only when allowed.
 *
 * Such a frame tells its parent nothing, not even its height, so the page lays out a
 * copy of the same markup, without links' addresses and with every image as an empty box
 * of the same size, in a closed shadow root that nobody sees, and gives the frame that
 * height: the page itself scrolls, and so knows how far the person has read.
 */

import { PURIFY, keepWebAddresses, purifyConfig } from "../lib/sanitize.js";

export const THEMES = ["light", "dark"];
export const SIZES = [15, 17, 19, 21, 24, 28]; // px; the article's text size
export const DEFAULT_SIZE = 2;

/** The `script-src`-free policy of the frame. */
export function framePolicy(styleHash, images) {
  return [
    "default-src 'none'",
    `style-src '${styleHash}'`,
    `img-src ${images ? "https: http:" : "'none'"}`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/** `sha256-…` of a stylesheet's text, as a policy names it. */
export async function styleHash(css, subtle = globalThis.crypto.subtle) {
  const digest = await subtle.digest("SHA-256", new TextEncoder().encode(css));
  return `sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
}

/** The copy's HTML sanitized into a fragment of `doc`, ready for the frame: `{fragment,
 * images}` (how many images the copy has, shown or not). */
export function prepare(html, { purify, doc = document, images = false }) {
  const fragment = purify.sanitize(html, { ...purifyConfig(PURIFY), RETURN_DOM_FRAGMENT: true });
  keepWebAddresses(fragment);
  for (const link of fragment.querySelectorAll("a[href]")) {
    link.setAttribute("target", "_blank");
    link.setAttribute("rel", "noopener noreferrer nofollow");
  }
  const found = [...fragment.querySelectorAll("img")];
  for (const image of found) {
    if (images) {
      image.setAttribute("referrerpolicy", "no-referrer");
      image.setAttribute("decoding", "async");
      if (!fixedSize(image)) image.setAttribute("data-free", "");
    } else {
      image.replaceWith(placeholder(image, doc));
    }
  }
  return { fragment, images: found.length };
}

/** Width and height both given (as whole numbers): the image's box is known before it loads. */
function fixedSize(image) {
  return ["width", "height"].every((name) => /^\d{1,5}$/.test(image.getAttribute(name) ?? "") &&
    Number(image.getAttribute(name)) > 0);
}

/** What stands for an image that is not loaded: its description, in a box. */
function placeholder(image, doc) {
  const box = doc.createElement("span");
  box.className = "pc-image";
  const alt = (image.getAttribute("alt") ?? "").trim();
  box.textContent = alt ? `Image: ${alt}` : "Image";
  return box;
}

/** The fragment as markup (an inert template serializes it). */
export function markup(fragment, doc = document) {
  const holder = doc.createElement("template");
  holder.content.append(fragment.cloneNode(true));
  return holder.innerHTML;
}

/** Text for an attribute's value in markup. */
function attribute(value) {
  return String(value ?? "").replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The classes the frame's root and the measuring copy share (theme and size). */
export function rootClass({ theme, size }) {
  return `pc-root theme-${THEMES.includes(theme) ? theme : "light"} size-${size}`;
}

/** The frame's whole document. `body` is markup from `markup()`. */
export function frameDocument({ body, css, hash, images, lang, dir, theme, size, title }) {
  const language = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(lang ?? "") ? lang : "";
  const direction = dir === "rtl" || dir === "ltr" ? dir : "auto";
  const policy = attribute(framePolicy(hash, images));
  const root = `class="${rootClass({ theme, size })}" lang="${attribute(language)}" dir="${direction}"`;
  return `<!doctype html><html ${root}>` +
    "<head><meta charset=\"utf-8\">" +
    `<meta http-equiv="Content-Security-Policy" content="${policy}">` +
    "<meta name=\"referrer\" content=\"no-referrer\">" +
    "<meta http-equiv=\"x-dns-prefetch-control\" content=\"off\">" +
    `<title>${attribute(title)}</title><style>${css}</style></head>` +
    `<body><main class="article">${body}</main></body></html>`;
}

/**
 * The measuring copy: the same markup without any address (links lose theirs, each image
 * is an empty canvas of its box, or a box of the free-size images' shape), so laying it
 * out loads nothing and nothing in it can be followed.
 */
export function measuringCopy(fragment, doc = document) {
  const copy = fragment.cloneNode(true);
  for (const link of copy.querySelectorAll("[href]")) link.removeAttribute("href");
  for (const image of copy.querySelectorAll("img")) {
    const box = doc.createElement("canvas");
    box.className = "pc-img";
    if (image.hasAttribute("data-free")) box.setAttribute("data-free", "");
    else for (const name of ["width", "height"]) box.setAttribute(name, image.getAttribute(name));
    image.replaceWith(box);
  }
  return copy;
}

/** How far the article has been read: the part of it above the bottom of the window. */
export function progressAt({ scrollY, viewport, top, height }) {
  if (!(height > 0)) return 0;
  return Math.min(1, Math.max(0, (scrollY + viewport - top) / height));
}

/** Where the page scrolls to show `progress` again (the read part above the window's bottom). */
export function scrollFor(progress, { viewport, top, height }) {
  return Math.max(0, Math.round(top + progress * height - viewport));
}

/** "2,345 words · 11 min read" (230 words a minute). */
export function readingTime(words) {
  const n = Number(words) || 0;
  const minutes = Math.max(1, Math.round(n / 230));
  return `${n.toLocaleString("en")} ${n === 1 ? "word" : "words"} · ${minutes} min read`;
}
