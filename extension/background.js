/**
 * Pocket Companion's background: a service worker in Chromium-family browsers,
 * an event page in Firefox. It only talks to the native host and shows results;
 * every decision and every secret stays in the host.
 */

import { createApp } from "./lib/app.js";

const ext = globalThis.browser ?? globalThis.chrome;

// For the background console and the browser tests: the same functions the listeners use.
globalThis.pocketCompanion = createApp(ext).listen();
