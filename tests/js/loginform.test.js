import assert from "node:assert/strict";
import { test } from "node:test";

import { fakeDocument, hidingSelectors, isHidden } from "./fake-dom.js";
import { SERVICES, flush } from "./fake-chrome.js";

const document = fakeDocument();
const form = await import("../../extension/lib/loginform.js");
const wait = await import("../../extension/lib/loginwait.js");
const service = await import("../../extension/lib/service.js");
const { describe } = await import("../../extension/lib/errors.js");
const { AccountPanel } = await import("../../extension/popup/account.js");

const POPUP_CSS = new URL("../../extension/popup/popup.css", import.meta.url);
const [POCKET, WALLABAG, READECK, INSTAPAPER, KARAKEEP, LINKDING] = SERVICES;

function make(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The login form as the panel's and the list's HTML have it. */
function loginForm() {
  const select = make("select", { id: "service" });
  return make("form", { id: "login-form" },
    make("label", { class: "service-choice" }, "Service ", select),
    make("div", { class: "login-fields" }), make("button", { id: "login", type: "submit" }));
}

function shown(services = SERVICES, current = POCKET, server = null) {
  const login = loginForm();
  form.showLoginForm(login, { services, current, server });
  return login;
}

const $ = (root, selector) => root.querySelector(selector);
const labelOf = (input) => input.closest("label").textContent.replace(/\s+/g, " ").trim();
const hintOf = (root, input) => $(root, `#${input.getAttribute("aria-describedby")}`).textContent;

test("the chooser lists every service by title, the account's service first chosen", () => {
  const login = shown(SERVICES, LINKDING);
  const options = login.querySelectorAll("#service option");
  assert.deepEqual(options.map((option) => option.textContent),
    ["Pocket", "wallabag", "Readeck", "Instapaper", "Karakeep", "linkding"]);
  assert.deepEqual(options.map((option) => option.value),
    ["pocket", "wallabag", "readeck", "instapaper", "karakeep", "linkding"]);
  assert.equal($(login, "#service").value, "linkding");
  assert.equal($(login, ".service-choice").hidden, false);
  assert.equal($(login, ".login-fields").dataset.service, "linkding");
  assert.equal($(login, "#service").closest("label").children[0].textContent.trim(), "Service",
    "labelled");
  const alone = shown([POCKET], POCKET);
  assert.equal($(alone, ".service-choice").hidden, true, "no choice to make: no chooser");
  const older = service.servicesOf({ service: POCKET, services: ["pocket"] });
  assert.deepEqual(older, [POCKET], "an older host's list of names: its service only");
});

test("each kind of field gets its input: text, password (never kept), checkbox", () => {
  const login = shown(SERVICES, POCKET);
  assert.equal(form.chooseService(login, "wallabag"), true);
  const inputs = login.querySelectorAll("[data-field]");
  assert.deepEqual(inputs.map((input) => [input.id, input.type]), [
    ["client-id", "text"], ["username", "text"], ["client-secret", "password"],
    ["password", "password"], ["stay-connected", "checkbox"]]);
  for (const input of inputs) {
    assert.equal(input.getAttribute("autocomplete"), "off", input.id);
    assert.equal(input.getAttribute("name"), null, `${input.id}: nothing to put in an address`);
  }
  assert.equal(labelOf($(login, "#client-id")), "Client ID");
  assert.equal(hintOf(login, $(login, "#client-id")), "The ID of an API client: in wallabag, " +
    "Developer → Create a new client, then copy its Client ID.");
  assert.equal(hintOf(login, $(login, "#password")), "Your wallabag password: sent once to " +
    "get a token, not kept unless you tick the box below.");
  assert.equal(labelOf($(login, "#stay-connected")), "Stay connected past 14 idle days",
    "a checkbox, not \"(optional)\"");
  assert.equal($(login, "#stay-connected").closest("label").className, "check");
  assert.equal($(login, "#client-secret").getAttribute("aria-required"), "true");
  assert.equal($(login, "#client-id").placeholder, "", "nothing kept for another service");
  // the server: optional, the service's own as placeholder
  const server = $(login, "#server");
  assert.equal(server.type, "url");
  assert.equal(labelOf(server), "Server (optional)");
  assert.equal(server.placeholder, "https://app.wallabag.it");
  assert.equal(hintOf(login, server), "Leave it empty to use https://app.wallabag.it.");
  assert.equal($(login, "details"), null, "nothing folded away: every field is needed");
});

test("a service with no server of its own asks for one; optional fields say so", () => {
  const login = shown(SERVICES, LINKDING, "https://links.example");
  const server = $(login, "#server");
  assert.equal(labelOf(server), "Server");
  assert.equal(server.placeholder, "https://…");
  assert.equal(server.getAttribute("aria-required"), "true");
  assert.equal(hintOf(login, server), "The address you open linkding at, such as " +
    "https://linkding.example.org.");
  assert.equal(labelOf($(login, "#token")), "REST API token");
  form.chooseService(login, "karakeep");
  assert.equal($(login, "#server").placeholder, "https://cloud.karakeep.app");
  assert.equal($(login, "#token").type, "password");
  const optional = { ...KARAKEEP, name: "other", fields: [{ name: "note", label: "Note",
    kind: "text", optional: true, hint: "" }] };
  const other = shown([optional], optional);
  assert.equal(labelOf($(other, "#note")), "Note (optional)");
  assert.equal($(other, "#note").getAttribute("aria-describedby"), null, "no hint, none linked");
});

test("Pocket folds its settings away; its own server is the placeholder", () => {
  const login = shown(SERVICES, POCKET, "https://pocket.example");
  const details = $(login, "details");
  assert.equal(details.id, "login-details");
  assert.equal(details.open, false);
  assert.equal($(details, "summary").textContent, "Server and consumer key");
  assert.ok(details.contains($(login, "#server")) && details.contains($(login, "#consumer-key")));
  assert.equal($(login, "#server").placeholder, "https://pocket.example");
  assert.equal($(login, "#consumer-key").placeholder, "kept by the program if set before");
  assert.equal(hintOf(login, $(login, "#consumer-key")), "The key of an app registered with " +
    "the Pocket server (its administrator gives it out).");
  assert.equal(service.summaryText(WALLABAG), "Server and account details");
  assert.equal(service.summaryText(INSTAPAPER), "Server and personal access token");
});

test("the params split text and flag values into fields and secrets into secrets", () => {
  const login = shown(SERVICES, POCKET);
  form.chooseService(login, "wallabag");
  $(login, "#server").value = " https://wb.example ";
  $(login, "#client-id").value = " 1_abc ";
  $(login, "#username").value = "ann";
  $(login, "#client-secret").value = "s3cret";
  $(login, "#password").value = " pass word ";
  assert.deepEqual(form.loginParams(login), { service: "wallabag", server: "https://wb.example",
    fields: { client_id: "1_abc", username: "ann" },
    secrets: { client_secret: "s3cret", password: " pass word " } }, "a password keeps its spaces");
  $(login, "#stay-connected").checked = true;
  assert.deepEqual(form.loginParams(login).fields,
    { client_id: "1_abc", username: "ann", stay_connected: "1" });
  form.clearSecrets(login);
  assert.equal($(login, "#client-secret").value, "");
  assert.equal($(login, "#password").value, "");
  assert.equal($(login, "#username").value, "ann", "what is not secret stays typed");
  assert.deepEqual(form.loginParams(login).secrets, {});
  const pocket = shown(SERVICES, POCKET);
  assert.deepEqual(form.loginParams(pocket), { service: "pocket", fields: {}, secrets: {} });
  $(pocket, "#consumer-key").value = " key-1 ";
  assert.deepEqual(form.loginParams(pocket).fields, { consumer_key: "key-1" });
});

test("the form keeps what was typed while its service stays, and follows the account", () => {
  const login = shown(SERVICES, POCKET);
  form.chooseService(login, "instapaper");
  $(login, "#token").value = "tok";
  form.showLoginForm(login, { services: SERVICES, current: POCKET, server: null });
  assert.equal($(login, ".login-fields").dataset.service, "instapaper", "the choice stays");
  assert.equal($(login, "#token").value, "tok", "and what was typed");
  form.showLoginForm(login, { services: SERVICES, current: LINKDING, server: "https://l.example" });
  assert.equal($(login, "#service").value, "linkding", "another account: its service");
  assert.equal(form.chooseService(login, "no-such-service"), false);
});

test("Readeck: its page, a code on another device, or a pasted token", () => {
  const login = shown(SERVICES, READECK);
  const modes = login.querySelectorAll("[data-sign-in]");
  assert.deepEqual(modes.map((radio) => [radio.value, radio.checked]),
    [["window", true], ["device", false], ["token", false]]);
  assert.deepEqual(modes.map((radio) => labelOf(radio)), ["Sign in on Readeck's page",
    "Use a code on another device", "Paste an API token"]);
  assert.equal($(login, "fieldset legend").textContent, "How to sign in");
  const hiding = hidingSelectors(POPUP_CSS);
  assert.equal(isHidden($(login, "#token"), hiding), true, "the token's field waits for its choice");
  $(login, "#server").value = "https://readeck.example";
  $(login, "#token").value = "typed, then another choice made";
  assert.deepEqual(form.loginParams(login), { service: "readeck",
    server: "https://readeck.example", fields: {}, secrets: {}, show_in: "window" });
  form.chooseSignIn(login, "device");
  assert.equal(form.loginParams(login).show_in, "device");
  assert.deepEqual(form.loginParams(login).secrets, {});
  form.chooseSignIn(login, "token");
  assert.equal(isHidden($(login, "#token"), hiding), false);
  assert.equal(labelOf($(login, "#token")), "API token", "needed once chosen: not optional");
  $(login, "#token").value = "rd_token";
  const params = form.loginParams(login);
  assert.deepEqual(params.secrets, { token: "rd_token" });
  assert.equal("show_in" in params, false);
});

test("a rejected field is marked, explained beside it, focused; a new login clears it", () => {
  const login = shown(SERVICES, WALLABAG);
  const error = { code: "field_rejected", field: "password", message: describe({
    code: "field_rejected", message: "the wallabag login needs the password (your wallabag " +
      "password: sent once to get a token, not kept unless you tick the box below)" }).message };
  assert.equal(service.rejectedField(error, WALLABAG), "password");
  const beside = form.problemText(error.message);
  assert.equal(beside, "The wallabag login needs the password.");
  assert.equal(form.markRejected(login, "password", beside), true);
  const input = $(login, "#password");
  assert.equal(input.getAttribute("aria-invalid"), "true");
  assert.equal(input.getAttribute("aria-describedby"), "password-error password-hint");
  assert.equal($(login, "#password-error").textContent, beside);
  assert.equal($(login, "#password-error").hidden, false);
  assert.equal(document.activeElement, input);
  form.clearRejected(login);
  assert.equal(input.getAttribute("aria-invalid"), null);
  assert.equal(input.getAttribute("aria-describedby"), "password-hint");
  assert.equal($(login, "#password-error").hidden, true);
  // the server, named "server"
  assert.equal(form.markRejected(login, "server", "wallabag refused this address."), true);
  assert.equal(document.activeElement, $(login, "#server"));
  assert.equal(form.markRejected(login, "no_such_field", "x"), false);
  // Readeck's token: its choice is made, so that the field shows
  const readeck = shown(SERVICES, READECK);
  assert.equal(form.markRejected(readeck, "token", "Readeck refused this token."), true);
  assert.equal($(readeck, '[data-sign-in="token"]').checked, true);
  assert.equal($(readeck, "#token-field").hidden, false);
  // Pocket's missing consumer key (invalid_params): the settings unfold on it
  const pocket = shown(SERVICES, POCKET);
  const missing = { code: "invalid_params", message: "the Pocket login needs a consumer key: " +
    "give it in the login form" };
  assert.equal(service.rejectedField(missing, POCKET), "consumer_key");
  assert.equal(form.markRejected(pocket, "consumer_key"), true);
  assert.equal($(pocket, "details").open, true);
  assert.equal($(pocket, "#consumer-key").getAttribute("aria-invalid"), null, "said elsewhere");
  assert.equal(document.activeElement, $(pocket, "#consumer-key"));
});

test("field_rejected in words; the bracketed hint is left to the hint", () => {
  assert.deepEqual(describe({ code: "field_rejected", field: "server",
    message: "wallabag needs the address of your server" }),
  { message: "wallabag needs the address of your server.",
    fix: "Correct it in the login form, then press Log in." });
  assert.equal(form.problemText("The Pocket login needs the consumer key (the key of an app " +
    "(its administrator gives it out))."), "The Pocket login needs the consumer key.");
  assert.equal(form.problemText("linkding refused this token"), "linkding refused this token.");
});

test("the wait names the service and where to approve", () => {
  const readeck = { name: "readeck", title: "Readeck" };
  assert.equal(service.loginWaitText({ state: "waiting", service: readeck }),
    "Opening Readeck's login page…");
  assert.equal(service.loginWaitText({ state: "waiting", service: readeck, url: "https://r/",
    shownIn: "window" }), "Approve Pocket Companion in the Readeck window that opened.");
  assert.equal(service.loginWaitText({ state: "waiting", service: { title: "Pocket" },
    url: "https://p/", shownIn: "browser" }),
  "Approve Pocket Companion on Pocket's page that opened in your browser.");
  assert.equal(service.loginWaitText({ state: "waiting", service: readeck,
    device: { userCode: "ABCD" } }), "Waiting for you to approve the code on Readeck.");
});

const WAIT_IDS = ["login-wait-text", "device-code", "device-code-link", "device-code-value",
  "device-code-copy", "device-code-copied", "device-code-expires"];

function waitBox() {
  const box = make("div", { id: "login-wait" });
  for (const id of WAIT_IDS) box.append(make(id === "device-code-link" ? "a" : "p", { id }));
  document.body.replaceChildren(box);
  return box;
}

test("a device code: the address to open, the code to enter, how long it is valid", () => {
  waitBox();
  const device = { userCode: "ABCD-EFGH", verificationUri: "https://readeck.example/device",
    verificationUriComplete: "https://readeck.example/device?user_code=ABCD-EFGH",
    expiresAt: 1_000_000 + 600_000 };
  assert.equal(wait.deviceCodeParts(device).text, "Open https://readeck.example/device on " +
    "any device and enter the code ABCD-EFGH");
  wait.showWait({ state: "waiting", service: { title: "Readeck" }, device }, 1_000_000);
  const $$ = (id) => document.getElementById(id);
  assert.equal($$("device-code").hidden, false);
  assert.equal($$("login-wait-text").textContent, "Waiting for you to approve the code on Readeck.");
  assert.equal($$("device-code-link").href, device.verificationUriComplete);
  assert.equal($$("device-code-link").textContent, "https://readeck.example/device");
  assert.equal($$("device-code-value").textContent, "ABCD-EFGH");
  assert.equal($$("device-code-expires").textContent, "The code is valid for 10 more minutes.");
  assert.equal(wait.expiresText(1_000_000 + 30_000, 1_000_000),
    "The code is valid for less than a minute more.");
  assert.equal(wait.expiresText(1_000_000, 1_000_001), "");
  wait.showWait({ state: "waiting", service: { title: "Readeck" },
    device: { ...device, verificationUriComplete: "javascript:alert(1)" } }, 1_000_000);
  assert.equal($$("device-code-link").href, "https://readeck.example/device", "http(s) only");
  assert.equal(wait.safeLink("javascript:alert(1)"), null);
  wait.showWait({ state: "waiting", service: { title: "Readeck" }, url: "https://r/" });
  assert.equal($$("device-code").hidden, true, "no code: no code box");
});

test("the Copy button copies the code, or selects it when the browser refuses", async () => {
  waitBox();
  const listeners = {};
  const copy = document.getElementById("device-code-copy");
  copy.addEventListener = (type, listener) => { listeners[type] = listener; };
  document.getElementById("device-code-value").textContent = "WXYZ";
  const copied = [];
  wait.wireCopy({ writeText: async (text) => copied.push(text) });
  await listeners.click();
  assert.deepEqual(copied, ["WXYZ"]);
  assert.equal(document.getElementById("device-code-copied").textContent, "Copied.");
  wait.wireCopy({ writeText: async () => { throw new Error("not allowed"); } });
  await listeners.click();
  assert.match(document.getElementById("device-code-copied").textContent, /press Ctrl\+C/);
});

const PANEL_IDS = ["account", "account-text", "pending", "pending-why", "sync", "logout",
  "logout-confirm", "account-message"];

test("the panel: a field_rejected opens the failed login's service on that field", async () => {
  const box = waitBox();
  const login = loginForm();
  login.hidden = true;
  document.body.append(login, ...PANEL_IDS.map((id) => make("p", { id })));
  document.getElementById("logout-confirm").hidden = true;
  const about = { service: POCKET, services: SERVICES };
  const panel = new AccountPanel({ host: async () => ({ ok: true, about,
    data: { account: null, pending: 0, server: null } }), ask: async () => {},
  problem: () => {}, changed: () => {} });
  await panel.load();
  assert.equal(login.hidden, false);
  assert.equal($(login, ".login-fields").dataset.service, "pocket");
  panel.showLogin({ state: "waiting", service: { name: "wallabag", title: "wallabag" } });
  assert.equal(login.hidden, true);
  assert.equal(box.hidden, false);
  panel.showLogin({ state: "failed", service: { name: "wallabag", title: "wallabag" },
    error: { code: "field_rejected", field: "client_secret", fix: "Correct it.",
      message: "wallabag refused the client ID or the client secret (shown beside the Client " +
        "ID on wallabag's Developer page)." } });
  await flush();
  assert.equal(login.hidden, false);
  assert.equal($(login, ".login-fields").dataset.service, "wallabag", "the failed login's form");
  const input = $(login, "#client-secret");
  assert.equal(input.getAttribute("aria-invalid"), "true");
  assert.equal($(login, "#client-secret-error").textContent,
    "wallabag refused the client ID or the client secret.");
  assert.equal(document.activeElement, input);
  assert.equal(document.getElementById("account-message").textContent, "",
    "said beside the field, not twice");
});

test("linkding has no favourites: the panel's favourite control hides", () => {
  const root = make("html");
  const favorite = make("button", { id: "favorite", "data-needs": "favorite" });
  const archive = make("button", { id: "archive", "data-needs": "archive" });
  root.append(make("body", {}, favorite, archive));
  const hiding = hidingSelectors(POPUP_CSS);
  service.showCapabilities(root, LINKDING);
  assert.equal(isHidden(favorite, hiding), true);
  assert.equal(isHidden(archive, hiding), false);
  service.showCapabilities(root, READECK);
  assert.equal(isHidden(favorite, hiding), false);
});
