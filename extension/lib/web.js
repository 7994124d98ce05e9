/** Which pages can be saved: web pages (http and https), as the host's rules say. */

export function isWebPage(url) {
  return /^https?:\/\//i.test(url ?? "");
}
