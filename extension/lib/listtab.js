/**
 * The reading-list page lives in one tab: opening it again (panel link, toolbar
 * menu, shortcut) brings that tab and its window to the front instead of
 * opening another. A section name (`account`) is passed as the address's
 * fragment, which the page turns into focus. The host is started while the tab
 * opens, so the page's first request finds it ready.
 */

export const LIST_PAGE = "list/list.html";
const SECTION = /^[a-z]{0,20}$/;

export class ListTab {
  constructor({ tabs, windows, runtime, host = null }) {
    this.tabs = tabs;
    this.windows = windows;
    this.runtime = runtime;
    this.host = host;
    this.opening = null; // an open in progress: a second request joins it
  }

  /** Show the reading list (at `section`, if given); resolves with its tab. */
  open(section = "") {
    if (!SECTION.test(section)) return Promise.reject(new Error(`no section "${section}"`));
    this.host?.warm();
    this.opening ??= this.show(section).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  async show(section) {
    const page = this.runtime.getURL(LIST_PAGE);
    const tabs = await this.tabs.query({});
    const open = tabs.find((tab) => [tab.url, tab.pendingUrl].some((url) => url?.startsWith(page)));
    const fragment = section ? `#${section}` : "";
    if (!open) return this.tabs.create({ url: `${page}${fragment}` });
    const change = { active: true };
    if (section) change.url = `${(open.url || page).split("#")[0]}${fragment}`;
    const tab = await this.tabs.update(open.id, change);
    await this.windows.update(open.windowId, { focused: true });
    return tab ?? open;
  }
}
