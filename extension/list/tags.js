/**
 * Tags on the reading list: the side list of every tag with its count (a
 * click shows only that tag's pages, a second click all pages again), and the
 * tag editor, a dialog for one page or the selection: its tags to remove, a
 * field to add more, with the known tags as suggestions.
 */

import { errorLine } from "./notices.js";
import { parseTags } from "./bulk.js";

const $ = (id) => document.getElementById(id);

function chip(text, attributes = {}) {
  const button = document.createElement("button");
  button.type = "button";
  for (const [name, value] of Object.entries(attributes)) button.setAttribute(name, value);
  button.textContent = text;
  return button;
}

export class TagFilter {
  constructor({ client, onChoose }) {
    this.client = client;
    this.onChoose = onChoose; // called with a tag name, or null for every page
    this.chosen = null;
    this.names = [];
    $("tag-filter").addEventListener("click", (event) => {
      const tag = event.target.closest("button")?.dataset.tag;
      if (tag !== undefined) this.onChoose(tag === this.chosen ? null : tag);
    });
  }

  async load() {
    let tags;
    try {
      ({ tags } = await this.client.ask("tags"));
    } catch (error) {
      $("tags-state").textContent = errorLine(error);
      $("tags-state").hidden = false;
      return;
    }
    this.names = tags.map((tag) => tag.name);
    $("tags-state").textContent = tags.length ? "" : "No tags yet: press t on a page to add some.";
    $("tags-state").hidden = tags.length > 0;
    $("tag-filter").replaceChildren(...tags.map(({ name, count }) => {
      const entry = document.createElement("li");
      const button = chip("", { "data-tag": name, "aria-pressed": String(name === this.chosen) });
      const label = document.createElement("span");
      label.textContent = name;
      const number = document.createElement("span");
      number.className = "count";
      number.textContent = count.toLocaleString();
      const unit = document.createElement("span");
      unit.className = "visually-hidden";
      unit.textContent = count === 1 ? " page" : " pages";
      number.append(unit);
      button.append(label, " ", number);
      entry.append(button);
      return entry;
    }));
    $("tag-names").replaceChildren(...this.names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      return option;
    }));
  }

  show(tag) {
    this.chosen = tag;
    for (const button of $("tag-filter").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.tag === tag));
    }
  }
}

export class TagEditor {
  constructor() {
    this.target = null; // {about, tags: () => string[], change(op, tags)}
    this.returnTo = null;
    $("tag-editor-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const tags = parseTags($("tag-editor-input").value);
      $("tag-editor-input").value = "";
      if (tags.length) this.change("tags_add", tags);
    });
    $("tag-editor-tags").addEventListener("click", (event) => {
      const tag = event.target.closest("button")?.dataset.tag;
      if (tag) this.change("tags_remove", [tag]);
    });
    $("tag-editor").addEventListener("close", () => {
      this.target = null;
      this.returnTo?.focus();
    });
  }

  /** Edit the tags of `target.about` (a sentence: which pages). */
  open(target) {
    this.target = target;
    this.returnTo = document.activeElement;
    $("tag-editor-about").textContent = target.about;
    this.showTags();
    $("tag-editor").showModal();
    $("tag-editor-input").focus();
  }

  async change(op, tags) {
    if (!this.target) return;
    await this.target.change(op, tags);
    this.showTags();
  }

  showTags() {
    if (!this.target) return;
    const tags = this.target.tags();
    $("tag-editor-tags").replaceChildren(...tags.map((tag) => {
      const entry = document.createElement("li");
      entry.className = "chip";
      entry.append(tag, chip("×", { "data-tag": tag, "aria-label": `Remove the tag ${tag}` }));
      return entry;
    }));
    $("tag-editor-tags").hidden = tags.length === 0;
  }
}
