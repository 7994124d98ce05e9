/**
 * The page's way to the host: runtime messages to the background, which owns
 * the one native port (lib/bridge.js). `ask` resolves with the reply's data or
 * rejects with a PageError carrying what to show and what to do.
 */

export class PageError extends Error {
  constructor({ code = "internal_error", message, fix = null, detail = null }) {
    super(message);
    this.name = "PageError";
    this.code = code;
    this.fix = fix;
    this.detail = detail;
  }
}

export class Client {
  constructor(runtime) {
    this.runtime = runtime;
    this.about = null; // the versions and the account's service (hello's), from the last reply
    this.onAbout = null; // called with each reply's `about`
  }

  async send(message) {
    let reply;
    try {
      reply = await this.runtime.sendMessage(message);
    } catch (error) {
      throw new PageError({ code: "extension_unavailable", detail: error?.message ?? null,
        message: "The extension's background is not answering.",
        fix: "Reload this page; if that does not help, restart the browser." });
    }
    if (reply?.about) {
      this.about = reply.about;
      this.onAbout?.(reply.about);
    }
    if (!reply?.ok) throw new PageError(reply?.error ?? { message: "No answer from the extension." });
    return reply.data;
  }

  ask(action, params = {}) {
    return this.send({ kind: "host", action, params });
  }
}
