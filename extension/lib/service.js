/**
 * The account's service as `hello` describes it (`about.service` in the pages' replies):
 * its title, the fields its login form asks for besides the server, and what it can do.
 * The panel and the reading list build their login forms from it and hide the controls
 * of what the service cannot do: elements marked `data-needs="favorite"` are hidden
 * (by the pages' CSS) under a root whose `data-lacks` names that capability.
 */

import { count } from "./words.js";

/** What to do while a login waits: approve where its page opened (or that it is opening). */
export function loginWaitText(login) {
  const where = login.shownIn === "browser" ? "the browser tab" : "the login window";
  return login.url ? `Approve Pocket Companion in ${where} that opened.`
    : "Opening the login page…";
}

export const CAPABILITIES = ["archive", "favorite", "tags", "delete"];

/** The capabilities the service lacks (none while it is unknown). */
export function lacking(service) {
  const has = service?.capabilities;
  return Array.isArray(has) ? CAPABILITIES.filter((name) => !has.includes(name)) : [];
}

/** Hide, under `root`, the controls of what the service cannot do. */
export function showCapabilities(root, service) {
  root.dataset.lacks = lacking(service).join(" ");
}

/** A field's input id: `consumer_key` -> `consumer-key`. */
export function fieldId(name) {
  return String(name).replaceAll("_", "-");
}

/** "Consumer key" in a sentence: "consumer key" (an "API token" stays so). */
function inSentence(label) {
  return /^.[^A-Z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
}

/** "a", "a and b", "a, b and c". */
function listed(words) {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** The login form's `<summary>`: "Server and consumer key". */
export function summaryText(service) {
  return listed(["Server", ...(service?.fields ?? []).map((field) => inSentence(field.label))]);
}

/** A hint as a sentence: a capital first, a full stop last. */
function sentence(text) {
  const trimmed = String(text ?? "").trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function fieldNodes(field) {
  const id = fieldId(field.name);
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.id = id;
  input.name = field.name;
  input.setAttribute("autocomplete", "off");
  input.placeholder = "kept by the program if set before";
  label.append(`${field.label} `, input);
  const hint = sentence(field.hint);
  if (!hint) return [label];
  const about = document.createElement("p");
  about.id = `${id}-hint`;
  about.className = "muted";
  about.textContent = hint;
  input.setAttribute("aria-describedby", about.id);
  return [label, about];
}

/** The login form's fields (in its `.login-fields`) and summary, from the service; fields
 * already shown for the same service stay (with what was typed in them). */
export function showLoginFields(form, service) {
  if (!service) return;
  const box = form.querySelector(".login-fields");
  const names = (service.fields ?? []).map((field) => field.name).join(" ");
  if (box.dataset.service === service.name && box.dataset.fields === names) return;
  box.dataset.service = service.name;
  box.dataset.fields = names;
  box.replaceChildren(...(service.fields ?? []).flatMap(fieldNodes));
  form.querySelector("summary").textContent = summaryText(service);
}

/** What a login asks for: the server and the fields that were filled in. */
export function loginParams(form) {
  const server = form.querySelector("#server").value.trim();
  const fields = Object.fromEntries([...form.querySelectorAll(".login-fields input")]
    .map((input) => [input.name, input.value.trim()]).filter(([, value]) => value));
  return { ...(server ? { server } : {}), fields };
}

/** The field a login error says is missing ("the Pocket login needs a consumer key"), as
 * its label in lower case, or null. */
export function neededLabel(message) {
  return /\bthe .+? login needs an? ([^:.]+)/i.exec(String(message ?? ""))?.[1].trim()
    .toLowerCase() ?? null;
}

/** That field among the service's fields, or null. */
export function missingField(message, service) {
  const label = neededLabel(message);
  return label && ((service?.fields ?? []).find((field) => field.label.toLowerCase() === label)
    ?? null);
}

/** After a login that failed for want of a field: open the form's details and focus it.
 * Whether it did (the field may not be shown yet). */
export function focusMissing(form, field) {
  const input = field && form.querySelector(`#${fieldId(field.name)}`);
  if (!input) return false;
  form.querySelector("details").open = true;
  input.focus();
  return true;
}

/** A sync's pages from the account: "12 pages came from your Pocket account", or "". */
export function cameIn(pulled, service) {
  if (!pulled) return "";
  const account = service?.title ? `your ${service.title} account` : "your account";
  return `${count(pulled, "page")} came from ${account}`;
}
