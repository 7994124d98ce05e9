/** The keyboard shortcut and the browser's own words, for the extension's pages. */

export const SAVE_COMMAND = "save-page";

/** Firefox (it alone tells its name through `runtime.getBrowserInfo`). */
export function isFirefox(ext) {
  return typeof ext.runtime.getBrowserInfo === "function";
}

/** The save shortcut as the browser has it now ("Alt+Shift+Y"), or null when none is set. */
export async function saveShortcut(commands) {
  const all = await commands.getAll();
  return all.find((command) => command.name === SAVE_COMMAND)?.shortcut || null;
}

/** Open the browser's page where shortcuts are changed. */
export function openShortcutSettings(ext) {
  return ext.commands.openShortcutSettings
    ? ext.commands.openShortcutSettings()
    : ext.tabs.create({ url: "chrome://extensions/shortcuts" });
}
