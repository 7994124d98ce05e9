/**
 * A login in progress, as the panel and the reading list show it (their `#login-wait`):
 * where to approve it, or for a code approved on another device (Readeck), the address
 * to open, the code in large selectable letters with a Copy button, and how long it
 * stays valid. The background keeps the code in its login state, so a page opened later
 * shows it again.
 */

import { loginWaitText } from "./service.js";
import { setText } from "./text.js";

const $ = (id) => document.getElementById(id);

/** An address from the host that may be a link: http(s) only, else null. */
export function safeLink(address) {
  try {
    const url = new URL(String(address ?? ""));
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** How long the code stays valid, in words ("" once that time is over or unknown). */
export function expiresText(expiresAt, now) {
  if (!Number.isFinite(expiresAt)) return "";
  const minutes = Math.ceil((expiresAt - now) / 60_000);
  if (minutes <= 0) return "";
  return minutes === 1 ? "The code is valid for less than a minute more."
    : `The code is valid for ${minutes} more minutes.`;
}

/** A device code's parts: the link (the address with the code in it), the address to show
 * (the short one, to type on another device), the code, and the sentence they make. */
export function deviceCodeParts(device) {
  const href = safeLink(device?.verificationUriComplete) ?? safeLink(device?.verificationUri);
  const address = device?.verificationUri || device?.verificationUriComplete || "";
  const code = String(device?.userCode ?? "");
  return { href, address, code,
    text: `Open ${address} on any device and enter the code ${code}` };
}

/** Show the login's progress in the page's `#login-wait` box. */
export function showWait(login, now = Date.now()) {
  setText($("login-wait-text"), loginWaitText(login));
  const device = login?.device;
  $("device-code").hidden = !device;
  if (!device) return;
  const parts = deviceCodeParts(device);
  const link = $("device-code-link");
  link.textContent = parts.address;
  if (parts.href) link.href = parts.href;
  else link.removeAttribute("href");
  $("device-code-value").textContent = parts.code;
  setText($("device-code-expires"), expiresText(device.expiresAt, now));
}

/** Select the code's text (so that Ctrl+C copies it). */
function selectCode() {
  const selection = globalThis.getSelection?.();
  if (!selection) return;
  const range = document.createRange();
  range.selectNodeContents($("device-code-value"));
  selection.removeAllRanges();
  selection.addRange(range);
}

/** The Copy button: the code to the clipboard, said in `#device-code-copied`. */
export function wireCopy(clipboard = globalThis.navigator?.clipboard) {
  $("device-code-copy").addEventListener("click", async () => {
    const code = $("device-code-value").textContent;
    try {
      await clipboard.writeText(code);
      setText($("device-code-copied"), "Copied.");
    } catch {
      selectCode();
      setText($("device-code-copied"), "The browser did not allow copying: the code is " +
        "selected, press Ctrl+C to copy it.");
    }
  });
}
