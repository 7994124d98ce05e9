/**
 * The background's wiring: browser events to the savers, the indicator, the
 * extension's page tabs and the bridge to the extension's pages. `ext` is the
 * WebExtension namespace (`browser` in Firefox, `chrome` in Chromium);
 * everything else is made here, or given by tests.
 */

import { Capturer } from "./capture.js";
import { Feedback } from "./feedback.js";
import { Indicator } from "./indicator.js";
import { ListTab, WELCOME_PAGE } from "./listtab.js";
import { HostConnection } from "./native.js";
import { PanelBridge } from "./bridge.js";
import { Saver } from "./saving.js";
import { SyncWatch } from "./syncwatch.js";

export const SAVE_COMMAND = "save-page";
export const LIST_COMMAND = "open-list";
export const MENUS = [
  { id: "save-page", title: "Save page to Pocket", contexts: ["page"] },
  { id: "save-link", title: "Save link to Pocket", contexts: ["link"] },
  { id: "save-all-tabs", title: "Save all tabs in this window", contexts: ["action"] },
  { id: "open-list", title: "Open reading list", contexts: ["action"] },
  { id: "open-welcome", title: "Set-up and help", contexts: ["action"] },
];

export function createApp(ext, { host, clock } = {}) {
  const timing = clock ? { clock } : {};
  const connection = host ?? new HostConnection(ext.runtime, timing);
  const feedback = new Feedback(ext.action);
  const indicator = new Indicator({ tabs: ext.tabs, action: ext.action, host: connection,
    feedback });
  const syncWatch = new SyncWatch({ host: connection, indicator, ...timing });
  const capturer = new Capturer({ scripting: ext.scripting, host: connection, ...timing,
    onChange: (tabId, capture) => bridge.tell({ kind: "capture-changed", tabId, capture }) });
  const saver = new Saver({ tabs: ext.tabs, host: connection, feedback, indicator, capturer,
    onWaiting: () => syncWatch.start(), ...timing });
  const pages = { tabs: ext.tabs, windows: ext.windows, runtime: ext.runtime, host: connection };
  const listTab = new ListTab(pages);
  const welcomeTab = new ListTab({ ...pages, page: WELCOME_PAGE });
  const bridge = new PanelBridge({ ext, host: connection, saver, capturer, indicator, listTab,
    syncWatch });
  connection.onReached = (first, recovered) => indicator.reached(first, recovered)
    .catch(() => {
      // a tab closed meanwhile: the others are marked
    });

  async function activeTab() {
    const [tab] = await ext.tabs.query({ active: true, lastFocusedWindow: true });
    return tab;
  }

  async function createMenus() {
    await ext.contextMenus.removeAll();
    for (const menu of MENUS) ext.contextMenus.create(menu);
  }

  const app = {
    host: connection, feedback, indicator, capturer, saver, bridge, listTab, welcomeTab,
    syncWatch,

    onClicked: (tab) => saver.saveTab(tab),

    async onCommand(command, tab) {
      if (command === LIST_COMMAND) return listTab.open();
      if (command !== SAVE_COMMAND) return null;
      return saver.saveTab(tab ?? await activeTab());
    },

    onMenuClicked(info, tab) {
      if (info.menuItemId === "save-page") return saver.saveTab(tab);
      if (info.menuItemId === "save-link") return saver.saveLink(info.linkUrl, info.linkText, tab);
      if (info.menuItemId === "save-all-tabs") return saver.saveWindow(tab.windowId, tab.id);
      if (info.menuItemId === "open-list") return listTab.open();
      if (info.menuItemId === "open-welcome") return welcomeTab.open();
      return null;
    },

    /** Menus and marks; on a first install, the set-up page (and nothing else). */
    async onInstalled(details) {
      if (details?.reason === "install") await welcomeTab.open();
      await app.onStartup();
    },

    async onStartup() {
      await createMenus();
      await indicator.refreshAll();
    },

    /** Listeners are added at once, as a stopped service worker is woken by them. */
    listen() {
      ext.action.onClicked.addListener(app.onClicked);
      ext.commands.onCommand.addListener(app.onCommand);
      ext.contextMenus.onClicked.addListener(app.onMenuClicked);
      ext.runtime.onInstalled.addListener(app.onInstalled);
      ext.runtime.onStartup.addListener(app.onStartup);
      ext.tabs.onUpdated.addListener((tabId, change) => indicator.onUpdated(tabId, change));
      ext.runtime.onMessage.addListener((message, sender, respond) =>
        bridge.onMessage(message, sender, respond));
      return app;
    },
  };
  return app;
}
