/** The panel's line about the saved page's readable copy. */

/** What the panel says of the page's readable copy: the capture under way or just done
 * in this tab, else what the host knows (`lookup`'s `article`, when it says). */
export function copyLine(capture, article) {
  if (capture?.state === "capturing") return { text: "Keeping a readable copy…", open: false };
  const known = article ?? { stored: "stored", none: "none", failed: "lost" }[capture?.state];
  if (known === "stored") return { text: "Readable copy kept.", open: true };
  if (known === "none") {
    return { text: "Link only: no article was found on this page.", open: false };
  }
  if (known === "pending") {
    return { text: "A readable copy will be fetched by the program.", open: false };
  }
  if (known === "failed") {
    return { text: "Link only: the page could not be fetched for a readable copy.", open: false };
  }
  if (known === "lost") {
    return { text: "Link only: the readable copy could not be kept.", open: false };
  }
  return null;
}
