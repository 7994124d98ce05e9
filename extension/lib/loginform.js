/**
 * The login form of the panel and the reading list, built from `hello`'s services: a
 * chooser (`#service`) and, in the form's `.login-fields`, the chosen service's server and
 * fields. `text` fields are text inputs, `secret` ones password inputs (never kept by the
 * extension: they go to the host once, and the form forgets them once the login is sent),
 * `flag` ones checkboxes. Readeck's kind of login ("oauth") offers a choice: its own page,
 * a code approved on another device, or a pasted token. A service whose login is its own
 * page (Pocket) folds its settings away, as nothing needs typing there mostly.
 *
 * Inputs carry their field's name in `data-field`, never in `name`: nothing of the form
 * can ever be serialised into an address.
 */

import { fieldId, sentence, serviceNamed, summaryText } from "./service.js";

const SIGN_IN = [
  ["window", (title) => `Sign in on ${title}'s page`],
  ["device", () => "Use a code on another device"],
  ["token", () => "Paste an API token"],
];
const PLACEHOLDER = "kept by the program if set before";
const shown = new WeakMap(); // form -> {services, current, server}: what the last render had

function make(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function hintOf(id, text) {
  return text ? make("p", { id: `${id}-hint`, class: "hint muted" }, text) : null;
}

/** One value of the form: its label, its input, a place for a problem, its hint. */
function fieldBox(id, label, input, hint) {
  input.id = id;
  input.setAttribute("autocomplete", "off");
  const problem = make("p", { id: `${id}-error`, class: "field-error error", hidden: "" });
  const about = hintOf(id, hint);
  if (about) input.setAttribute("aria-describedby", about.id);
  const check = input.type === "checkbox" || input.type === "radio";
  const caption = check ? make("label", { class: "check" }, input, ` ${label}`)
    : make("label", {}, `${label} `, input);
  return make("div", { class: "field", id: `${id}-field` }, caption, problem,
    ...(about ? [about] : []));
}

function serverBox(service, placeholder) {
  const input = make("input", { type: "url", spellcheck: "false", "data-server": "" });
  const own = !service.default_server;
  input.placeholder = own ? "https://…" : placeholder;
  if (own) input.setAttribute("aria-required", "true");
  const hint = own ? `The address you open ${service.title} at, such as ` +
    `https://${service.name}.example.org.` : `Leave it empty to use ${placeholder}.`;
  return fieldBox("server", own ? "Server" : "Server (optional)", input, hint);
}

/** A field's box; an "oauth" login's optional secret is the token choice's, shown with it. */
function valueBox(service, field, current) {
  const alternative = service.login === "oauth" && field.kind === "secret" && field.optional;
  const kind = ["text", "secret", "flag"].includes(field.kind) ? field.kind : "text";
  const type = { text: "text", secret: "password", flag: "checkbox" }[kind];
  const input = make("input", { type, "data-field": field.name, "data-kind": kind });
  if (kind !== "flag") input.setAttribute("spellcheck", "false");
  if (kind === "flag") input.value = "1";
  if (kind === "text" && current) input.placeholder = PLACEHOLDER;
  if (alternative) input.dataset.alternative = "token";
  const required = !field.optional && kind !== "flag";
  if (required || alternative) input.setAttribute("aria-required", "true");
  const optional = field.optional && kind !== "flag" && !alternative ? " (optional)" : "";
  const box = fieldBox(fieldId(field.name), `${field.label}${optional}`, input,
    sentence(field.hint));
  box.hidden = alternative;
  return box;
}

/** Readeck's choice of how to sign in. */
function signInBox(service) {
  const choices = SIGN_IN.filter(([mode]) => mode !== "token" ||
    (service.fields ?? []).some((field) => field.kind === "secret" && field.optional));
  const fieldset = make("fieldset", { class: "sign-in" }, make("legend", {}, "How to sign in"));
  for (const [mode, text] of choices) {
    const radio = make("input", { type: "radio", name: "sign-in", value: mode,
      "data-sign-in": mode });
    radio.value = mode;
    radio.checked = mode === "window";
    if (radio.checked) radio.setAttribute("checked", "");
    radio.addEventListener("change", () => chooseSignIn(fieldset.closest("form"), mode));
    fieldset.append(make("label", { class: "check", id: `sign-in-${mode}` }, radio,
      ` ${text(service.title)}`));
  }
  return fieldset;
}

function build(box, service, { current, placeholder }) {
  const values = [serverBox(service, placeholder),
    ...(service.login === "oauth" ? [signInBox(service)] : []),
    ...(service.fields ?? []).map((field) => valueBox(service, field, current))];
  if (service.login !== "redirect") {
    box.replaceChildren(...values);
    return;
  }
  const details = make("details", { id: "login-details" },
    make("summary", {}, summaryText(service)), ...values);
  box.replaceChildren(details);
}

/** The chooser's options: every service by title. */
function fillChooser(select, services, chosen) {
  const names = services.map((one) => one.name).join(" ");
  if (select.dataset.names !== names) {
    select.dataset.names = names;
    select.replaceChildren(...services.map((one) => {
      const option = make("option", { value: one.name }, one.title);
      option.value = one.name;
      return option;
    }));
  }
  select.value = chosen;
  for (const option of select.querySelectorAll("option")) option.selected = option.value === chosen;
  const wrap = select.closest(".service-choice") ?? select;
  wrap.hidden = services.length < 2;
}

/**
 * Show the form for the chooser's service (at first, and after each login or log out:
 * `current`, the account's service), keeping what was typed while it stays the same.
 * `server` is the account's server (the placeholder for its own service).
 */
export function showLoginForm(form, { services, current, server = null }) {
  if (!services?.length) return;
  const select = form.querySelector("#service");
  const box = form.querySelector(".login-fields");
  const before = shown.get(form);
  shown.set(form, { services, current, server });
  let chosen = box.dataset.service;
  if (!chosen || before?.current?.name !== current?.name || !serviceNamed(services, chosen)) {
    chosen = serviceNamed(services, current?.name) ? current.name : services[0].name;
  }
  if (select) {
    fillChooser(select, services, chosen);
    if (!select.dataset.wired) {
      select.dataset.wired = "1";
      select.addEventListener("change", () => chooseService(form, select.value));
    }
  }
  const service = serviceNamed(services, chosen);
  const own = service.name === current?.name;
  const placeholder = (own && server) || service.default_server;
  const key = [service.name, (service.fields ?? []).map((f) => `${f.name}:${f.kind}`).join(" "),
    service.login, own].join("|");
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.dataset.service = service.name;
    box.dataset.login = service.login ?? "";
    build(box, service, { current: own, placeholder });
  } else if (service.default_server) {
    const input = form.querySelector("#server");
    input.placeholder = placeholder;
    const hint = form.querySelector("#server-hint");
    if (hint) hint.textContent = `Leave it empty to use ${placeholder}.`;
  }
}

/** Show the form of another service (the chooser's choice, or a failed login's). */
export function chooseService(form, name) {
  const last = shown.get(form);
  if (!last || !serviceNamed(last.services, name)) return false;
  form.querySelector(".login-fields").dataset.service = name;
  showLoginForm(form, last);
  return true;
}

/** Readeck's choice: its page, a code for another device, or a pasted token (whose field
 * shows only then). */
export function chooseSignIn(form, mode) {
  for (const radio of form.querySelectorAll("[data-sign-in]")) {
    radio.checked = radio.dataset.signIn === mode;
  }
  for (const input of form.querySelectorAll("[data-alternative]")) {
    input.closest(".field").hidden = input.dataset.alternative !== mode;
  }
}

function signInMode(form) {
  return [...form.querySelectorAll("[data-sign-in]")].find((radio) => radio.checked)?.dataset
    .signIn ?? "window";
}

/** What a login asks for: the service, the server if given, the text and flag values in
 * `fields`, the secrets in `secrets`, and for Readeck where to sign in (`show_in`). */
export function loginParams(form) {
  const box = form.querySelector(".login-fields");
  const mode = box.dataset.login === "oauth" ? signInMode(form) : null;
  const server = form.querySelector("#server")?.value.trim() ?? "";
  const fields = {};
  const secrets = {};
  for (const input of form.querySelectorAll("[data-field]")) {
    const { field, kind, alternative } = input.dataset;
    if (alternative && alternative !== mode) continue;
    if (kind === "flag") {
      if (input.checked) fields[field] = "1";
    } else if (kind === "secret") {
      if (input.value.trim()) secrets[field] = input.value; // a password's spaces are its own
    } else if (input.value.trim()) {
      fields[field] = input.value.trim();
    }
  }
  return { service: box.dataset.service, ...(server ? { server } : {}), fields, secrets,
    ...(mode && mode !== "token" ? { show_in: mode } : {}) };
}

/** Forget the secrets typed (once the login is sent). */
export function clearSecrets(form) {
  for (const input of form.querySelectorAll('[data-kind="secret"]')) input.value = "";
}

function inputFor(form, name) {
  return form.querySelector(name === "server" ? "#server" : `#${fieldId(name)}`);
}

/** The error's words beside the field, without the hint they repeat in brackets at the
 * end: "The wallabag login needs the password." */
export function problemText(message) {
  let text = String(message ?? "").trim().replace(/\.$/, "");
  if (text.endsWith(")")) { // drop the last bracketed part (brackets may nest in a hint)
    let depth = 0;
    for (let at = text.length - 1; at >= 0; at -= 1) {
      depth += { ")": 1, "(": -1 }[text[at]] ?? 0;
      if (depth === 0) {
        text = text.slice(0, at).trim();
        break;
      }
    }
  }
  return text ? `${text}.` : "";
}

/**
 * Point at the input a failed login names: show it (unfold, or choose the token), mark it
 * invalid with `message` beside it (when there is one) and focus it. Whether it could.
 */
export function markRejected(form, name, message = null) {
  const input = name && inputFor(form, name);
  if (!input) return false;
  if (input.dataset.alternative) chooseSignIn(form, input.dataset.alternative);
  const details = input.closest("details");
  if (details) details.open = true;
  const problem = form.querySelector(`#${input.id}-error`);
  if (message && problem) {
    problem.textContent = message;
    problem.hidden = false;
    input.setAttribute("aria-invalid", "true");
    const hint = form.querySelector(`#${input.id}-hint`);
    input.setAttribute("aria-describedby", [problem.id, hint?.id].filter(Boolean).join(" "));
  }
  input.focus();
  return true;
}

/** Take back the marks of a failed login (a new one starts). */
export function clearRejected(form) {
  for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute("aria-invalid");
    const hint = form.querySelector(`#${input.id}-hint`);
    if (hint) input.setAttribute("aria-describedby", hint.id);
    else input.removeAttribute("aria-describedby");
  }
  for (const problem of form.querySelectorAll(".field-error")) {
    problem.textContent = "";
    problem.hidden = true;
  }
}
