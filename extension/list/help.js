/** The keys' help dialog: every binding, and the browser-wide shortcuts as set now. */

import { helpRows } from "./keys.js";

const $ = (id) => document.getElementById(id);

function keyCell(keys) {
  const cell = document.createElement("td");
  keys.forEach((name, index) => {
    const kbd = document.createElement("kbd");
    kbd.textContent = name;
    cell.append(...(index ? [" or ", kbd] : [kbd]));
  });
  return cell;
}

/** Show the help; closing it (Esc, Close) puts the focus back where it was. */
export function openHelp() {
  const back = document.activeElement;
  $("help").addEventListener("close", () => back?.focus(), { once: true });
  $("help").showModal();
}

export function fillHelp() {
  $("help-keys").replaceChildren(...helpRows().map(([keys, text, needs]) => {
    const row = document.createElement("tr");
    if (needs) row.dataset.needs = needs; // hidden when the service cannot do it
    const what = document.createElement("td");
    what.textContent = text;
    row.append(keyCell(keys), what);
    return row;
  }));
}

/** The shortcuts people may have changed (commands API): open the list, save a page. */
export async function showShortcuts(commands) {
  const all = await commands.getAll();
  const key = (name) => all.find((command) => command.name === name)?.shortcut;
  const list = key("open-list");
  const save = key("save-page");
  $("shortcut").textContent = [list && `${list} opens this list from any tab.`,
    save && `${save} saves the page you are on.`].filter(Boolean).join(" ");
}
