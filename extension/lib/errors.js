/**
 * Errors as the user should read them.
 *
 * The host's replies carry stable codes (PROTOCOL.md); problems with the host
 * itself (not installed, not allowed, crashed, another version) get codes of the
 * extension's own, made from the browser's terse `lastError` strings. Each code
 * has a sentence for people and, where there is one, the command that fixes it.
 */

export const INSTALL = "pocket-companion install";
export const DOCTOR = "pocket-companion doctor";

const TEXTS = {
  host_missing: ["The Pocket Companion program is not installed for this browser.",
    `Install it: run \`${INSTALL}\` in a terminal, then \`${DOCTOR}\` to check.`],
  host_forbidden: ["The Pocket Companion program does not accept this copy of the extension.",
    `Run \`${INSTALL}\` again; \`${DOCTOR}\` shows what is wrong.`],
  forbidden_caller: ["The Pocket Companion program does not accept this copy of the extension.",
    `Run \`${INSTALL}\` again; \`${DOCTOR}\` shows what is wrong.`],
  host_failed: ["The browser could not start the Pocket Companion program.",
    `Run \`${DOCTOR}\` to find out why, or \`${INSTALL}\` to repair it.`],
  host_exited: ["The Pocket Companion program stopped unexpectedly.",
    `Run \`${DOCTOR}\`; the program's log says what happened.`],
  // Chromium also says "communicating" when the program died before reading its message
  host_broken: ["The Pocket Companion program stopped unexpectedly, or sent something the " +
    "browser could not read.",
    `Run \`${DOCTOR}\` to find out why.`],
  host_timeout: ["The Pocket Companion program did not answer in time.",
    `Try again. If it keeps happening, run \`${DOCTOR}\`.`],
  version_mismatch: [null, "Update the extension and the program to the same release."],
  host_outdated: [null, "Update the Pocket Companion program."],
  invalid_url: ["Only web pages (http and https addresses) can be saved.", null],
  not_found: ["This page is no longer in your reading list.", null],
  not_authenticated: ["Your account is not connected any more.", "Log in again from the panel."],
  forbidden: ["The server refused this app or account.",
    "Check the server and the other fields of the login form, then log in again."],
  rate_limited: ["The server is busy (rate limit). Your pages are kept and sent later.", null],
  service_unavailable: ["The server cannot be reached right now. Your pages are kept and sent later.", null],
  login_rejected: ["The app was not approved, so you are not logged in.", null],
  login_expired: ["That login is no longer valid.", "Press Log in to start again."],
  login_timeout: ["Nobody approved the login in time.", "Press Log in to start again."],
  login_cancelled: ["The login was cancelled.", null],
  internal_error: ["Something went wrong inside Pocket Companion.",
    `Run \`${DOCTOR}\`; details are in the program's log.`],
};

export class HostError extends Error {
  constructor(code, message, { retryable = false, detail = null, field = null } = {}) {
    super(message);
    this.name = "HostError";
    this.code = code;
    this.retryable = retryable;
    this.detail = detail;
    if (field !== null) this.field = field; // `field_rejected`: the login form's value refused
  }

  /** An error object from a host reply: `{code, message, retryable, field?}`. */
  static from(error) {
    return new HostError(error?.code ?? "internal_error", error?.message ?? "unknown error",
      { retryable: Boolean(error?.retryable),
        field: typeof error?.field === "string" ? error.field : null });
  }
}

// The host's words when a login lacks one of its service's fields ("the Pocket login needs a
// consumer key: give it in the login form (or …)"); the rest names the command line's ways
const NEEDS_FIELD = /\bthe (.+?) login needs (an?) ([^:.]+)/i;

/** A login that lacks a field, in our forms' words: type it in the field of that name. */
function missingText(message) {
  const [, title, article, label] = NEEDS_FIELD.exec(message ?? "") ?? [];
  if (!label) return null;
  const name = label.trim();
  return { message: `The ${title} login needs ${article} ${name}.`,
    fix: `Type it in the ${name[0].toUpperCase()}${name.slice(1)} field of this form, then ` +
      "press Log in." };
}

// Problems that are fixed outside the browser or pass by themselves: trying again can help.
const RETRY_HELPS = new Set(["host_missing", "host_forbidden", "forbidden_caller", "host_failed",
  "host_exited", "host_broken", "host_timeout", "version_mismatch", "host_outdated",
  "rate_limited", "service_unavailable", "internal_error", "extension_unavailable"]);

/** A login form's value the service refused, in a sentence (the host's words, which name
 * the value and where the service shows it). */
function rejectedText(message) {
  const text = String(message ?? "").trim();
  if (!text) return { message: "The service refused a value of the login form.", fix: null };
  // "the … login needs …" starts a sentence; "wallabag needs …" keeps its name's case
  const said = /^(the|a|an|this|that|your|no|it)\b/.test(text)
    ? text[0].toUpperCase() + text.slice(1) : text;
  return { message: /[.!?]$/.test(said) ? said : `${said}.`,
    fix: "Correct it in the login form, then press Log in." };
}

/** The user's view of an error: a clear sentence and, if any, what to do. */
export function describe(error) {
  const missing = error?.code === "invalid_params" ? missingText(error.message) : null;
  if (missing) return missing;
  if (error?.code === "field_rejected") return rejectedText(error.message);
  const [text, fix] = TEXTS[error?.code] ?? [null, null];
  return { message: text ?? error?.message ?? String(error), fix };
}

/** Whether a "Try again" button can help with this error. */
export function canRetry(error) {
  return RETRY_HELPS.has(error?.code);
}

/** Text for plain-text places (tooltips): commands in quotes instead of backticks. */
export function plainText(text) {
  return String(text).replace(/`([^`]*)`/g, "“$1”");
}

/** One line for a tooltip. */
export function summary(error) {
  const { message, fix } = describe(error);
  return plainText(fix ? `${message} ${fix}` : message);
}

const DISCONNECTS = [
  [/not found|no such native application/i, "host_missing"],
  [/forbidden|permission/i, "host_forbidden"],
  [/failed to start/i, "host_failed"],
  [/communicating/i, "host_broken"],
];

/** Map the browser's reason for a closed port (Chromium's lastError, Firefox's port.error). */
export function fromDisconnect(reason) {
  const detail = reason ?? "the port closed";
  const code = DISCONNECTS.find(([pattern]) => pattern.test(detail))?.[1] ?? "host_exited";
  return new HostError(code, TEXTS[code][0], { detail });
}

export function protocolMismatch(extensionVersion, hello) {
  return new HostError("version_mismatch",
    `This extension (${extensionVersion}, protocol 1) cannot talk to the installed ` +
    `Pocket Companion program (${hello.version}, protocol ${hello.protocol}).`);
}

export function hostOutdated(action, hostVersion) {
  return new HostError("host_outdated",
    `The installed Pocket Companion program (${hostVersion}) cannot do "${action}" yet.`);
}

/** A warning when the extension and the host are different releases (major.minor). */
export function versionWarning(extensionVersion, hostVersion) {
  const release = (version) => String(version).split(".").slice(0, 2).join(".");
  if (release(extensionVersion) === release(hostVersion)) return null;
  return `The extension (${extensionVersion}) and the Pocket Companion program ` +
    `(${hostVersion}) are different releases: update the older one.`;
}
