/**
 * The reader view's conversation with the host: the stored copy (in parts of at most
 * 512 KiB, as one reply may carry at most 1 MiB), the reading settings the host keeps in
 * its preferences (theme, text size, images always shown), and how far the person has
 * read, saved at most every few seconds. `ask(action, params)` resolves with a reply's
 * data or rejects with a PageError (list/client.js).
 */

import { DEFAULT_SIZE, SIZES } from "./render.js";

const THEME_CHOICES = ["system", "light", "dark"];
const FIELDS = { theme: "reader_theme", size: "reader_size", images: "reader_images" };

/** The whole copy of `target` (`{url}`): the first part's fields with every part's HTML
 * joined. A copy replaced while its parts were read is read again (once). */
export async function loadArticle(ask, target, tries = 2) {
  const first = await ask("article", target);
  const parts = [String(first.html ?? "")];
  const count = Math.max(1, Number(first.parts) || 1);
  for (let part = 1; part < count; part += 1) {
    const next = await ask("article", { ...target, part });
    if (next.stored_at !== first.stored_at || next.parts !== first.parts) {
      if (tries > 1) return loadArticle(ask, target, tries - 1);
      throw new Error("the copy kept changing while it was read");
    }
    parts.push(String(next.html ?? ""));
  }
  return { ...first, html: parts.join(""), part: undefined };
}

/** The reading settings, kept by the host (`preferences`); a host that keeps none leaves
 * them for this page only (`kept` false). */
export class Settings {
  constructor(ask) {
    this.ask = ask;
    this.values = { theme: "system", size: DEFAULT_SIZE, images: false };
    this.kept = true;
  }

  async load() {
    let stored;
    try {
      stored = await this.ask("preferences", {});
    } catch {
      this.kept = false;
      return this.values;
    }
    this.read(stored);
    return this.values;
  }

  read(stored) {
    if (THEME_CHOICES.includes(stored?.[FIELDS.theme])) this.values.theme = stored[FIELDS.theme];
    const size = stored?.[FIELDS.size];
    if (Number.isInteger(size) && size >= 0 && size < SIZES.length) this.values.size = size;
    if (typeof stored?.[FIELDS.images] === "boolean") this.values.images = stored[FIELDS.images];
  }

  /** Change one setting (`theme`, `size` or `images`) and ask the host to keep it. */
  async change(name, value) {
    this.values[name] = value;
    try {
      await this.ask("preferences", { [FIELDS[name]]: value });
    } catch {
      this.kept = false;
    }
    return this.values;
  }
}

/** How far the person read, sent to the host when it changed, at most every `everyMs`. */
export class ProgressKeeper {
  constructor({ save, clock = globalThis, everyMs = 2_000 }) {
    this.save = save; // (progress) => Promise
    this.clock = clock;
    this.everyMs = everyMs;
    this.latest = null;
    this.saved = null;
    this.timer = null;
  }

  /** The person's position now (0 to 1, three decimals kept). */
  note(progress) {
    this.latest = Math.round(Math.min(1, Math.max(0, progress)) * 1000) / 1000;
    this.timer ??= this.clock.setTimeout(() => this.flush(), this.everyMs);
  }

  /** Send the position now if it changed (leaving the page). */
  flush() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.latest === null || this.latest === this.saved) return null;
    this.saved = this.latest;
    return this.save(this.latest).catch(() => {
      this.saved = null; // try again with the next position
    });
  }
}
