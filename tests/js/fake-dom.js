/**
 * A small fake DOM for unit tests of code that builds elements (list/rows.js,
 * lib/loginform.js, lib/loginwait.js): elements with attributes, `dataset`, children, text,
 * simple selectors (tags, #id, .class, [attr], [attr="v"], [attr~="v"], descendants, lists),
 * and `isHidden`, which applies a page's real CSS rules that say `display: none` to
 * the selectors it understands (others are skipped).
 */

import { readFileSync } from "node:fs";

const camel = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const PROPERTIES = { id: "id", className: "class", name: "name", type: "type",
  placeholder: "placeholder", href: "href", title: "title" };

export class FakeElement {
  constructor(tag, document) {
    this.tagName = tag.toUpperCase();
    this.ownerDocument = document;
    this.attributes = new Map();
    this.children = [];
    this.parentNode = null;
    this.text = "";
    this.value = "";
    this.open = false;
    this.checked = false;
    this.tabIndex = 0;
    this.dataset = new Proxy({}, {
      get: (_, key) => this.getAttribute(`data-${kebab(String(key))}`) ?? undefined,
      set: (_, key, value) => {
        this.setAttribute(`data-${kebab(String(key))}`, value);
        return true;
      },
    });
    this.classList = {
      contains: (name) => this.className.split(/\s+/).includes(name),
      toggle: (name, on) => {
        const names = new Set(this.className.split(/\s+/).filter(Boolean));
        if (on ?? !names.has(name)) names.add(name);
        else names.delete(name);
        this.className = [...names].join(" ");
      },
    };
    for (const [property, attribute] of Object.entries(PROPERTIES)) {
      Object.defineProperty(this, property, {
        get: () => this.getAttribute(attribute) ?? "",
        set: (value) => this.setAttribute(attribute, value),
      });
    }
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  hasAttribute(name) {
    return this.attributes.has(name);
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  get hidden() {
    return this.hasAttribute("hidden");
  }

  set hidden(on) {
    if (on) this.setAttribute("hidden", "");
    else this.attributes.delete("hidden");
  }

  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join("");
  }

  set textContent(text) {
    this.children = [];
    this.text = String(text);
  }

  append(...nodes) {
    for (const node of nodes) {
      const child = typeof node === "string" ? new FakeText(node) : node;
      if (child instanceof FakeFragment) {
        this.append(...child.children);
        continue;
      }
      child.parentNode = this;
      this.children.push(child);
    }
  }

  replaceChildren(...nodes) {
    this.children = [];
    this.text = "";
    this.append(...nodes);
  }

  get firstElementChild() {
    return this.children.find((child) => child instanceof FakeElement) ?? null;
  }

  contains(node) {
    for (let at = node; at; at = at.parentNode) if (at === this) return true;
    return false;
  }

  closest(selector) {
    for (let at = this; at instanceof FakeElement; at = at.parentNode) {
      if (matches(at, selector)) return at;
    }
    return null;
  }

  focus() {
    this.ownerDocument.activeElement = this;
  }

  addEventListener() {}

  *descendants() {
    for (const child of this.children) {
      if (!(child instanceof FakeElement)) continue;
      yield child;
      yield* child.descendants();
    }
  }

  querySelectorAll(selector) {
    return [...this.descendants()].filter((node) => matches(node, selector));
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }
}

class FakeText {
  constructor(text) {
    this.textContent = text;
    this.parentNode = null;
  }
}

class FakeFragment {
  constructor() {
    this.children = [];
  }

  append(...nodes) {
    this.children.push(...nodes);
  }
}

/** One compound selector ("button.danger[data-needs="x"]") against one element, or null
 * when the selector has parts this fake does not understand. */
function matchesCompound(node, compound) {
  const parts = compound.match(/^[a-z][a-z0-9]*|#[\w-]+|\.[\w-]+|\[[^\]]+\]/gi) ?? [];
  if (parts.join("") !== compound) return null;
  return parts.every((part) => {
    if (part[0] === "#") return node.id === part.slice(1);
    if (part[0] === ".") return node.classList.contains(part.slice(1));
    if (part[0] === "[") {
      const [, name, op, value] = /^\[([\w-]+)(?:([~]?=)"?([^"]*)"?)?\]$/.exec(part) ?? [];
      if (!name) return false;
      const actual = node.getAttribute(name);
      if (actual === null) return false;
      if (!op) return true;
      return op === "=" ? actual === value : actual.split(/\s+/).includes(value);
    }
    return node.tagName === part.toUpperCase();
  });
}

/** A selector list with descendant combinators; false for what this fake does not understand. */
export function matches(node, selector) {
  return selector.split(",").some((one) => {
    const compounds = one.trim().split(/\s+/);
    const last = matchesCompound(node, compounds.at(-1));
    if (!last) return false;
    let at = node.parentNode;
    for (const compound of compounds.slice(0, -1).reverse()) {
      while (at instanceof FakeElement && !matchesCompound(at, compound)) at = at.parentNode;
      if (!(at instanceof FakeElement)) return false;
      at = at.parentNode;
    }
    return true;
  });
}

/** Install a fake `document` (and `CSS.escape`) on the global object; returns it. */
export function fakeDocument() {
  const document = {
    activeElement: null,
    createElement: (tag) => new FakeElement(tag, document),
    createDocumentFragment: () => new FakeFragment(),
    createTextNode: (text) => new FakeText(text),
  };
  document.documentElement = document.createElement("html");
  document.body = document.createElement("body");
  document.documentElement.append(document.body);
  document.getElementById = (id) => document.documentElement.querySelector(`#${id}`);
  globalThis.document = document;
  globalThis.CSS ??= { escape: (text) => String(text).replace(/["\\]/g, "\\$&") };
  return document;
}

/** The selectors of a stylesheet's rules that set `display: none`. */
export function hidingSelectors(cssUrl) {
  const css = readFileSync(cssUrl, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  return [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)]
    .filter(([, , body]) => /display:\s*none/.test(body))
    .flatMap(([, selectors]) => selectors.split(",").map((s) => s.trim()))
    .filter((selector) => !/[:>+~]\s|::|:[a-z]/i.test(selector.replace(/~=/g, "")));
}

/** Whether the element is hidden: itself or an ancestor by `hidden` or by a CSS rule. */
export function isHidden(node, selectors) {
  for (let at = node; at instanceof FakeElement; at = at.parentNode) {
    if (at.hidden || selectors.some((selector) => matches(at, selector))) return true;
  }
  return false;
}
