/**
 * The reading list's keys, as on Pocket's web list. One table drives both the
 * key handling and the help dialog. Keys are ignored while typing in a field
 * and when Ctrl, Alt or Meta is held (those belong to the browser).
 */

export const BINDINGS = [
  { command: "next", keys: ["j", "ArrowDown"], help: "Move to the next page" },
  { command: "previous", keys: ["k", "ArrowUp"], help: "Move to the previous page" },
  { command: "open", keys: ["o", "Enter"], help: "Open the page in a new tab" },
  { command: "archive", keys: ["a"], help: "Archive, or move back to unread", needs: "archive" },
  { command: "favorite", keys: ["f"], help: "Favourite, or unfavourite", needs: "favorite" },
  { command: "tags", keys: ["t"], help: "Edit tags", needs: "tags" },
  { command: "delete", keys: ["d", "Delete"], help: "Delete (you can undo it for 10 seconds)",
    needs: "delete" },
  { command: "undo", keys: ["u"], help: "Undo the last delete", needs: "delete" },
  { command: "select", keys: ["x"], help: "Select the page, or clear it" },
  { command: "extend", keys: ["X"], help: "Select every page from the last one you selected" },
  { command: "search", keys: ["/"], help: "Search" },
  { command: "clear", keys: ["Escape"], help: "Clear the selection" },
  { command: "help", keys: ["?"], help: "Show these keys" },
];

const BY_KEY = new Map(BINDINGS.flatMap(({ command, keys }) => keys.map((key) => [key, command])));
const NEEDS = new Map(BINDINGS.map(({ command, needs }) => [command, needs]));
// arrows scroll the page and Enter activates links and buttons outside the list's rows
const LIST_ONLY = new Set(["ArrowDown", "ArrowUp", "Enter"]);
const REPEATABLE = new Set(["next", "previous"]);
const NOT_TEXT = new Set(["checkbox", "radio", "button", "submit", "reset", "image"]);
const ACTIVATED_BY_ENTER = new Set(["A", "BUTTON", "SUMMARY"]);

/** Whether keys typed at `target` are text for a field. */
export function isTyping(target) {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = String(target.tagName ?? "").toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !NOT_TEXT.has(String(target.type ?? "text").toLowerCase());
}

/**
 * The command for a keydown event, or null. `inList` says whether the focus is
 * in the list of pages (where arrows and Enter act on rows); `lacks` names what the
 * account's service cannot do (its keys do nothing).
 */
export function commandFor(event, { inList = false, lacks = [] } = {}) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return null;
  if (isTyping(event.target)) return null;
  const command = BY_KEY.get(event.key);
  if (!command || lacks.includes(NEEDS.get(command))) return null;
  if (LIST_ONLY.has(event.key) && !inList) return null;
  if (event.key === "Enter" && ACTIVATED_BY_ENTER.has(String(event.target?.tagName).toUpperCase())) {
    return null; // the link or button does it itself
  }
  if (event.repeat && !REPEATABLE.has(command)) return null;
  return command;
}

/** The keys for the help dialog: `[["j", "↓"], "Move to the next page", needs]`, where
 * `needs` is the capability the command needs (or undefined). */
export function helpRows() {
  const names = { ArrowDown: "↓", ArrowUp: "↑", Escape: "Esc", X: "Shift+X" };
  return BINDINGS.map(({ keys, help, needs }) => [keys.map((key) => names[key] ?? key), help, needs]);
}
