/**
 * The account's service as `hello` describes it (`about.service` in the pages' replies;
 * `about.services`: every service the program knows): its title, its kind of login, the
 * fields its login form asks for besides the server, and what it can do. The panel and
 * the reading list build their login forms from it (lib/loginform.js) and hide the
 * controls of what the service cannot do: elements marked `data-needs="favorite"` are
 * hidden (by the pages' CSS) under a root whose `data-lacks` names that capability.
 */

import { count } from "./words.js";

/** What to do while a login waits: approve where its page opened (or that it is opening),
 * or, for a code shown for another device, approve the code there. `login.service` is the
 * service being connected (`{name, title}`). */
export function loginWaitText(login) {
  const title = login?.service?.title || "the service";
  if (login?.device) return `Waiting for you to approve the code on ${title}.`;
  if (!login?.url) return `Opening ${title}'s login page…`;
  return login.shownIn === "browser"
    ? `Approve Pocket Companion on ${title}'s page that opened in your browser.`
    : `Approve Pocket Companion in the ${title} window that opened.`;
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

/** Every service `hello` describes, in the chooser's order; an older host's list of names
 * gives only the account's service. */
export function servicesOf(about) {
  const listed = (about?.services ?? []).filter((one) => typeof one?.name === "string");
  if (listed.length) return listed;
  return about?.service ? [about.service] : [];
}

/** A service of that name among them, or null. */
export function serviceNamed(services, name) {
  return services.find((one) => one.name === name) ?? null;
}

/** A field's input id: `consumer_key` -> `consumer-key`; the server's is `server`. */
export function fieldId(name) {
  return String(name).replaceAll("_", "-");
}

/** "Consumer key" in a sentence: "consumer key" (an "API token" stays so). */
export function inSentence(label) {
  return /^.[^A-Z]/.test(label) ? label[0].toLowerCase() + label.slice(1) : label;
}

/** "a", "a and b", "a, b and c". */
function listed(words) {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** The folded login settings' `<summary>`: "Server and consumer key". */
export function summaryText(service) {
  const fields = (service?.fields ?? []).filter((field) => field.kind !== "flag");
  return fields.length > 2 ? "Server and account details"
    : listed(["Server", ...fields.map((field) => inSentence(field.label))]);
}

/** A hint as a sentence: a capital first, a full stop last. */
export function sentence(text) {
  const trimmed = String(text ?? "").trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
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

/** The name of the form's input a failed login points at: `field_rejected`'s field (a
 * field's name, or "server"), or the field an older message says is missing; else null. */
export function rejectedField(error, service) {
  if (error?.code === "field_rejected" && typeof error.field === "string" && error.field) {
    return error.field;
  }
  return error?.code === "invalid_params" ? missingField(error.message, service)?.name ?? null
    : null;
}

/** A sync's pages from the account: "12 pages came from your Pocket account", or "". */
export function cameIn(pulled, service) {
  if (!pulled) return "";
  const account = service?.title ? `your ${service.title} account` : "your account";
  return `${count(pulled, "page")} came from ${account}`;
}
