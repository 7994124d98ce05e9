import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { canRetry, describe, fromDisconnect, summary, versionWarning }
  from "../../extension/lib/errors.js";
import { count } from "../../extension/lib/words.js";
import { MANIFEST } from "./fake-chrome.js";

const file = (path) => new URL(`../../extension/${path}`, import.meta.url);
const hostManifest = JSON.parse(readFileSync(file("../manifest.json")));

test("Manifest V3 for both families: service worker and background scripts", () => {
  assert.equal(MANIFEST.manifest_version, 3);
  assert.equal(MANIFEST.background.service_worker, "background.js");
  assert.deepEqual(MANIFEST.background.scripts, ["background.js"]);
  assert.equal(MANIFEST.background.type, "module");
  assert.ok(existsSync(file("background.js")));
});

test("the key gives the id the host manifest allows; the Firefox id is allowed too", () => {
  const key = MANIFEST.key;
  const hex = createHash("sha256").update(Buffer.from(key, "base64")).digest("hex").slice(0, 32);
  const id = [...hex].map((c) => "abcdefghijklmnop"[parseInt(c, 16)]).join("");
  assert.deepEqual(hostManifest.allowed_origins, [`chrome-extension://${id}/`]);
  assert.deepEqual(hostManifest.allowed_extensions, [MANIFEST.browser_specific_settings.gecko.id]);
  assert.equal(MANIFEST.browser_specific_settings.gecko.id, "pocket-companion@pocket-companion.dev");
});

test("least privileges: five permissions, no host access, no content scripts", () => {
  // activeTab and scripting: a readable copy of the page the person saves, on that gesture
  assert.deepEqual(MANIFEST.permissions,
    ["nativeMessaging", "contextMenus", "tabs", "activeTab", "scripting"]);
  assert.equal(MANIFEST.host_permissions, undefined);
  assert.equal(MANIFEST.optional_permissions, undefined);
  assert.equal(MANIFEST.content_scripts, undefined);
});

test("icons exist as PNG files", () => {
  const paths = [...Object.values(MANIFEST.icons), ...Object.values(MANIFEST.action.default_icon)];
  for (const path of paths) {
    assert.deepEqual([...readFileSync(file(path)).subarray(1, 4)], [0x50, 0x4e, 0x47], path);
  }
  assert.ok(MANIFEST.icons["128"] && MANIFEST.icons["48"] && MANIFEST.icons["16"]);
});

test("the default shortcuts are valid, distinct, and clash with neither browser's own keys", () => {
  // Keys Chromium and Firefox keep for themselves (an extension's default would be ignored).
  const taken = new Set(["Ctrl+Shift+P", "Ctrl+Shift+S", "Ctrl+Shift+V", "Ctrl+Shift+Y",
    "Alt+W", "Ctrl+Shift+E", "Alt+Shift+L", "Ctrl+Shift+B", "Ctrl+Shift+N", "Ctrl+Shift+T"]);
  // The WebExtension format: one or two modifiers (Ctrl or Alt first), then a letter or digit.
  const valid = /^(Ctrl|Alt)\+(Shift\+)?[A-Z0-9]$/;
  const keys = Object.values(MANIFEST.commands)
    .map((command) => command.suggested_key?.default).filter(Boolean);
  assert.ok(keys.length >= 2, "saving and the reading list have keys");
  for (const key of keys) {
    assert.match(key, valid, key);
    assert.ok(!taken.has(key), `${key} is the browser's own`);
  }
  assert.equal(new Set(keys).size, keys.length, "no two commands share a key");
  assert.equal(MANIFEST.commands._execute_action.suggested_key, undefined);
});

test("the extension and host versions are one release", () => {
  const pyproject = readFileSync(file("../pyproject.toml"), "utf8");
  assert.equal(`version = "${MANIFEST.version}"`, pyproject.match(/^version = ".*"$/m)[0]);
});

test("the browsers' port errors map to codes with a fix", () => {
  const cases = {
    "Specified native messaging host not found.": "host_missing",
    "No such native application pocket_companion": "host_missing",
    "Access to the specified native messaging host is forbidden.": "host_forbidden",
    "Failed to start native messaging host.": "host_failed",
    "Native host has exited.": "host_exited",
    "An unexpected error occurred": "host_exited",
    "Error when communicating with the native messaging host.": "host_broken",
  };
  for (const [reason, code] of Object.entries(cases)) {
    const error = fromDisconnect(reason);
    assert.equal(error.code, code, reason);
    assert.match(describe(error).fix, /pocket-companion (install|doctor)/);
  }
  assert.equal(fromDisconnect(undefined).detail, "the port closed");
});

test("unknown codes fall back to the host's own message", () => {
  assert.deepEqual(describe({ code: "new_code", message: "Something new." }),
    { message: "Something new.", fix: null });
  assert.equal(versionWarning("1.2.3", "1.2.9"), null);
  assert.match(versionWarning("1.2.3", "1.3.0"), /1\.2\.3.*1\.3\.0/);
});

test("tooltips name commands in quotes, not Markdown backticks", () => {
  const line = summary(fromDisconnect("Native host has exited."));
  assert.match(line, /Run “pocket-companion doctor”/);
  assert.doesNotMatch(line, /`/);
});

test("\"Try again\" is offered only where trying again can help", () => {
  for (const code of ["host_missing", "host_exited", "host_timeout", "service_unavailable"]) {
    assert.equal(canRetry({ code }), true, code);
  }
  for (const code of ["invalid_url", "not_found", "invalid_params", "login_rejected"]) {
    assert.equal(canRetry({ code }), false, code);
  }
});

test("a login without one of its fields points at the form's field of that name", () => {
  const said = describe({ code: "invalid_params", message: "the Pocket login needs a consumer " +
    "key: give it in the login form (or with `pocket-companion login --consumer-key`, or in " +
    "POCKET_CONSUMER_KEY)" });
  assert.equal(said.message, "The Pocket login needs a consumer key.");
  assert.equal(said.fix, "Type it in the Consumer key field of this form, then press Log in.");
  assert.doesNotMatch(`${said.message} ${said.fix}`, /pocket-companion|`/);
  const other = describe({ code: "invalid_params", message: "the Example login needs an API " +
    "token: give it in the login form" });
  assert.equal(other.message, "The Example login needs an API token.");
  assert.equal(other.fix, "Type it in the API token field of this form, then press Log in.");
  // other invalid parameters keep the host's words
  assert.equal(describe({ code: "invalid_params", message: "'tags' needs a list" }).message,
    "'tags' needs a list");
});

test("counts are singular or plural", () => {
  assert.equal(count(1, "page"), "1 page");
  assert.equal(count(0, "page"), "0 pages");
  assert.equal(count(1234, "tab"), "1,234 tabs");
});
