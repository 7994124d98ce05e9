/**
 * The reader view (`reader/reader.html?url=ADDRESS`): a saved page's readable copy in
 * clean type, light or dark, at the size the person likes, with the page's details and
 * its archive, favourite and delete controls (reader/item.js). The copy itself is shown
 * in a sandboxed frame (reader/render.js says how, and why the page measures it). The
 * page scrolls, remembers how far the person read (the host keeps it) and goes back
 * there next time; at the end it offers to mark the page as read.
 */

import "../vendor/dompurify/purify.js";
import { showCapabilities } from "../lib/service.js";
import { setText } from "../lib/text.js";
import { Client } from "../list/client.js";
import { loadArticle, ProgressKeeper, Settings } from "./copy.js";
import { ItemControls, showDetails } from "./item.js";
import { SIZES, frameDocument, markup, measuringCopy, prepare, progressAt, rootClass, scrollFor,
  styleHash } from "./render.js";

const ext = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const RESTORE_BELOW = 0.98; // a copy read to its end opens at its start again
const SAFETY_PX = 4; // the frame's height beyond the measured copy's

const client = new Client(ext.runtime);
client.onAbout = (about) => showCapabilities(document.documentElement, about.service);
const ask = (action, params) => client.ask(action, params);
const settings = new Settings(ask);
const dark = matchMedia("(prefers-color-scheme: dark)");
const address = new URLSearchParams(location.search);
const state = { url: address.get("url") ?? "", article: null, css: "", hash: "", sheet: null,
  shadow: null, fragment: null, pageImages: null, ready: false, heldBack: false,
  frameBusy: false, nextFrame: null };
let keeper = null;

function theme() {
  const chosen = settings.values.theme;
  return chosen === "system" ? (dark.matches ? "dark" : "light") : chosen;
}

function imagesShown() {
  return state.pageImages ?? settings.values.images;
}

/**
 * While images are held back, the page takes a policy of its own that allows none from the
 * web, which its frame inherits from its first moment: the frame's own policy is read only
 * once its document is parsed, and Firefox's speculative loader may ask for `srcset` images
 * before that. A policy cannot be lifted, so allowing images opens the page again.
 */
function holdImagesBack() {
  if (state.heldBack) return;
  const policy = document.createElement("meta");
  policy.httpEquiv = "Content-Security-Policy";
  policy.content = "img-src 'self'";
  document.head.append(policy);
  state.heldBack = true;
}

/** Open the page again with images (the choice, if the host keeps none, in its address). */
function reopenWithImages() {
  address.set("images", "1");
  location.replace(`${location.pathname}?${address}`);
}

/** The frame and its measured height; the reading position is kept across a new layout. */
function render() {
  const before = state.ready ? position() : null;
  const images = imagesShown();
  if (!images) holdImagesBack();
  const { fragment, images: count } = prepare(state.article.html,
    { purify: globalThis.DOMPurify, images });
  state.fragment = fragment;
  const look = { theme: theme(), size: settings.values.size };
  const { lang, dir, title } = state.article;
  showInFrame(frameDocument({ body: markup(fragment), css: state.css, hash: state.hash,
    images, lang, dir, title, ...look }));
  measure();
  showImagesNote(count, images);
  if (before !== null) window.scrollTo(0, scrollFor(before, geometry()));
}

/**
 * The frame's next document, given once its last one has loaded: Chromium left the frame
 * unpainted for good (its document there, nothing on screen) when a second document came
 * while its first was loading, as when the system's theme changes as the page opens.
 */
function showInFrame(html) {
  if (state.frameBusy) {
    state.nextFrame = html;
    return;
  }
  state.frameBusy = true;
  const frame = $("frame");
  frame.addEventListener("load", () => {
    state.frameBusy = false;
    const next = state.nextFrame;
    state.nextFrame = null;
    if (next !== null) showInFrame(next);
  }, { once: true });
  frame.srcdoc = html;
}

/** Lay the copy out where nobody sees it, and give the frame its height. */
function measure() {
  if (!state.fragment) return;
  const host = $("measure");
  if (!state.shadow) {
    state.shadow = host.attachShadow({ mode: "closed" });
    state.shadow.adoptedStyleSheets = [state.sheet];
  }
  host.style.width = `${$("frame").getBoundingClientRect().width}px`;
  const root = document.createElement("div");
  root.className = rootClass({ theme: theme(), size: settings.values.size });
  root.lang = state.article.lang ?? "";
  root.dir = ["ltr", "rtl"].includes(state.article.dir) ? state.article.dir : "auto";
  const main = document.createElement("main");
  main.className = "article";
  main.append(measuringCopy(state.fragment));
  root.append(main);
  state.shadow.replaceChildren(root);
  const height = Math.ceil(root.getBoundingClientRect().height) + SAFETY_PX;
  $("frame").style.height = `${height}px`;
  // the details above and the end below line up with the article's column
  document.documentElement.style.setProperty("--column",
    `${Math.ceil(main.getBoundingClientRect().width)}px`);
}

function geometry() {
  const frame = $("frame").getBoundingClientRect();
  return { scrollY: window.scrollY, viewport: window.innerHeight,
    top: frame.top + window.scrollY, height: frame.height };
}

function position() {
  return progressAt(geometry());
}

function showImagesNote(count, shown) {
  $("images").hidden = count === 0;
  if (!count) return;
  const site = state.article.site || new URL(state.article.url).hostname;
  const many = count === 1 ? "1 image" : `${count} images`;
  const load = count === 1 ? "loads" : "load";
  setText($("images-text"), shown ? `${many} of this page ${load} from the web.`
    : `${many} not loaded: showing them asks their sites (${site} or others) for them.`);
  $("images-page").textContent = shown ? "Hide images on this page" : "Show images on this page";
  $("images-always").textContent = settings.values.images ? "Never show images by default"
    : "Always show images";
}

async function choosePageImages() {
  state.pageImages = !imagesShown();
  keeper?.flush();
  try {
    await ask("article_progress", { item_id: state.article.item_id, images: state.pageImages });
  } catch {
    // an older host keeps no choice per page: it stays for this visit
  }
  if (state.pageImages && state.heldBack) reopenWithImages();
  else render();
}

async function chooseAlwaysImages() {
  const always = !settings.values.images;
  state.pageImages = null;
  keeper?.flush();
  await settings.change("images", always);
  if (always && state.heldBack) reopenWithImages();
  else render();
}

async function changeSize(step) {
  const size = Math.min(SIZES.length - 1, Math.max(0, settings.values.size + step));
  if (size === settings.values.size) return;
  await settings.change("size", size);
  showSettings();
  render();
}

async function changeTheme() {
  await settings.change("theme", $("theme").value);
  showSettings();
  render();
}

function showSettings() {
  document.documentElement.classList.toggle("dark", theme() === "dark");
  document.documentElement.dataset.theme = settings.values.theme;
  $("theme").value = settings.values.theme;
  $("smaller").disabled = settings.values.size === 0;
  $("larger").disabled = settings.values.size === SIZES.length - 1;
}

function showProblem(error) {
  $("state").hidden = true;
  $("copy").hidden = true;
  $("problem").hidden = false;
  const missing = error?.code === "not_found";
  setText($("problem-text"), missing ? "No readable copy of this page is kept."
    : error?.message ?? "The copy could not be opened.");
  setText($("problem-fix"), missing
    ? "Open the original page; saving it again from its tab keeps a copy when it has an article."
    : error?.fix ?? "");
  if (/^https?:/i.test(state.url)) {
    $("problem-original").href = state.url;
    $("problem-original").hidden = false;
  }
}

function followScroll() {
  keeper = new ProgressKeeper({ save: (progress) => ask("article_progress",
    { item_id: state.article.item_id, progress }) });
  keeper.saved = Number(state.article.progress) || 0;
  window.addEventListener("scroll", () => keeper.note(position()), { passive: true });
  const leave = () => keeper.flush();
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") leave();
  });
}

function restore(progress) {
  if (!(progress > 0 && progress < RESTORE_BELOW)) return;
  window.scrollTo(0, scrollFor(progress, geometry()));
}

async function styles() {
  state.css = await (await fetch("article.css")).text();
  state.hash = await styleHash(state.css);
  state.sheet = new CSSStyleSheet();
  state.sheet.replaceSync(state.css);
}

function wire(controls) {
  $("smaller").addEventListener("click", () => changeSize(-1));
  $("larger").addEventListener("click", () => changeSize(1));
  $("theme").addEventListener("change", changeTheme);
  $("images-page").addEventListener("click", choosePageImages);
  $("images-always").addEventListener("click", chooseAlwaysImages);
  dark.addEventListener("change", () => {
    showSettings();
    if (settings.values.theme === "system" && state.ready) render();
  });
  new ResizeObserver(() => state.ready && measure()).observe($("copy"));
  document.fonts.ready.then(() => state.ready && measure());
  controls.wire();
}

async function start() {
  const controls = new ItemControls({ ask, onChange: (item) => {
    state.article = { ...state.article, ...item };
  } });
  wire(controls);
  if (!/^https?:/i.test(state.url)) {
    showProblem({ message: "No page was named.", fix: "Open a page from the reading list." });
    return;
  }
  const [article] = await Promise.all([loadArticle(ask, { url: state.url }).catch((error) => error),
    settings.load(), styles()]);
  showSettings();
  if (article instanceof Error) {
    showProblem(article);
    return;
  }
  state.article = article;
  state.pageImages = address.get("images") === "1" ? true
    : typeof article.images === "boolean" ? article.images : null;
  document.title = `${article.title || article.url} · Pocket Companion`;
  showDetails(article);
  controls.show(article);
  $("state").hidden = true;
  $("copy").hidden = false;
  render();
  state.ready = true;
  restore(Number(article.progress) || 0);
  followScroll();
}

start();
