/**
 * The extension's own pages (the reading list, the set-up page) live in one tab
 * each: opening one again (panel link, toolbar menu, shortcut) brings its tab and
 * window to the front instead of opening another. A section name (`account`) is
 * passed as the address's fragment, which the page turns into focus. The host is
 * started while the tab opens, so the page's first request finds it ready.
 */

export const LIST_PAGE = "list/list.html";
export const WELCOME_PAGE = "welcome/welcome.html";
const SECTION = /^[a-z]{0,20}$/;

export class ListTab {
  constructor({ tabs, windows, runtime, host = null, page = LIST_PAGE }) {
    this.tabs = tabs;
    this.windows = windows;
    this.runtime = runtime;
    this.host = host;
    this.page = page;
    this.opening = null; // an open in progress: a second request joins it
  }

  /** Show the page (at `section`, if given); resolves with its tab. */
  open(section = "") {
    if (!SECTION.test(section)) return Promise.reject(new Error(`no section "${section}"`));
    this.host?.warm();
    this.opening ??= this.show(section).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  async show(section) {
    const page = this.runtime.getURL(this.page);
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
