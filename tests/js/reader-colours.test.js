import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

/**
 * The article's colours (inside the sandboxed frame, where the browser tests' contrast
 * check cannot look) and the reader page's: every text colour on every background it is
 * used on keeps at least 4.5:1 (WCAG 2), in both themes.
 */

const css = (name) => readFileSync(new URL(`../../extension/reader/${name}`, import.meta.url),
  "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

/** The custom properties of the first rule whose selector is exactly `selector`. */
function variables(text, selector) {
  const rule = [...text.matchAll(/([^{}]+)\{([^{}]*)\}/g)]
    .find(([, head]) => head.trim() === selector);
  assert.ok(rule, `no rule for ${selector}`);
  return Object.fromEntries([...rule[2].matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)]
    .map(([, name, value]) => [name, value]));
}

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function check(colours, pairs, what) {
  for (const [text, background] of pairs) {
    const ratio = contrast(colours[text], colours[background]);
    assert.ok(ratio >= 4.5, `${what}: --${text} on --${background} is ${ratio.toFixed(2)}:1`);
  }
}

const ARTICLE_PAIRS = [["text", "bg"], ["muted", "bg"], ["link", "bg"], ["quote", "bg"],
  ["text", "code-bg"], ["muted", "box-bg"], ["link", "code-bg"]];
const PAGE_PAIRS = [["text", "bg"], ["muted", "bg"], ["accent", "bg"], ["danger", "bg"],
  ["text", "bar"], ["accent", "bar"], ["muted", "bar"], ["on-accent", "accent"],
  ["chip-text", "chip"], ["note-text", "note-bg"], ["text", "hover"], ["danger", "hover"]];

test("the article's text keeps 4.5:1 on its backgrounds, light and dark", () => {
  const text = css("article.css");
  const light = variables(text, ".pc-root");
  const dark = { ...light, ...variables(text, ".pc-root.theme-dark") };
  assert.ok(Object.keys(light).length >= 8);
  check(light, ARTICLE_PAIRS, "article, light");
  check(dark, ARTICLE_PAIRS, "article, dark");
});

test("the reader page's text keeps 4.5:1 on its backgrounds, light and dark", () => {
  const text = css("reader.css");
  const light = variables(text, ":root");
  const dark = { ...light, ...variables(text, ":root.dark") };
  check(light, PAGE_PAIRS, "reader page, light");
  check(dark, PAGE_PAIRS, "reader page, dark");
});

test("the list's new marks keep 4.5:1, light and dark", () => {
  const text = readFileSync(new URL("../../extension/list/list.css", import.meta.url), "utf8");
  const light = variables(text, ":root");
  const dark = { ...light, ...variables(text.slice(text.indexOf("@media (prefers-color-scheme")),
    ":root") };
  const pairs = [["copy-text", "copy-bg"], ["mark-text", "mark-bg"], ["accent", "bg"]];
  check(light, pairs, "list, light");
  check(dark, pairs, "list, dark");
});
