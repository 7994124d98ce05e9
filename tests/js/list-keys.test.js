import assert from "node:assert/strict";
import { test } from "node:test";

import { BINDINGS, commandFor, helpRows, isTyping } from "../../extension/list/keys.js";
import { Selection } from "../../extension/list/selection.js";

const key = (name, extra = {}) => ({ key: name, target: { tagName: "BODY" }, ...extra });
const field = (tagName, type) => ({ tagName, type });

test("Pocket's keys map to the list's commands", () => {
  const expected = { j: "next", k: "previous", o: "open", a: "archive", f: "favorite", t: "tags",
    d: "delete", x: "select", X: "extend", "/": "search", "?": "help", u: "undo",
    Escape: "clear", Delete: "delete" };
  for (const [name, command] of Object.entries(expected)) {
    assert.equal(commandFor(key(name)), command, name);
  }
  assert.equal(commandFor(key("J")), null, "Shift+J is not j");
  assert.equal(commandFor(key("q")), null);
});

test("keys are ignored while typing in a field, and with the browser's modifiers", () => {
  for (const target of [field("INPUT", "search"), field("INPUT", "text"), field("input", undefined),
    field("TEXTAREA"), field("SELECT"), { tagName: "DIV", isContentEditable: true }]) {
    assert.equal(commandFor(key("j", { target })), null, JSON.stringify(target));
    assert.equal(isTyping(target), true);
  }
  for (const target of [field("INPUT", "checkbox"), field("INPUT", "radio"), field("BUTTON"),
    field("A")]) {
    assert.equal(commandFor(key("j", { target })), "next", JSON.stringify(target));
  }
  for (const modifier of ["ctrlKey", "altKey", "metaKey", "isComposing"]) {
    assert.equal(commandFor(key("a", { [modifier]: true })), null, modifier);
  }
});

test("arrows and Enter act on rows only inside the list; links and buttons keep Enter", () => {
  assert.equal(commandFor(key("ArrowDown")), null, "elsewhere the arrows scroll");
  assert.equal(commandFor(key("ArrowDown"), { inList: true }), "next");
  assert.equal(commandFor(key("ArrowUp"), { inList: true }), "previous");
  assert.equal(commandFor(key("Enter", { target: field("INPUT", "checkbox") }), { inList: true }),
    "open");
  assert.equal(commandFor(key("Enter", { target: field("A") }), { inList: true }), null);
  assert.equal(commandFor(key("Enter", { target: field("BUTTON") }), { inList: true }), null);
  assert.equal(commandFor(key("Enter")), null);
});

test("held keys repeat moves, never changes", () => {
  assert.equal(commandFor(key("j", { repeat: true })), "next");
  assert.equal(commandFor(key("d", { repeat: true })), null);
  assert.equal(commandFor(key("a", { repeat: true })), null);
});

test("the help dialog lists every binding", () => {
  const rows = helpRows();
  assert.equal(rows.length, BINDINGS.length);
  assert.deepEqual(rows[0], [["j", "↓"], "Move to the next page", undefined]);
  assert.deepEqual(rows.find(([keys]) => keys.includes("f")).slice(1),
    ["Favourite, or unfavourite", "favorite"]);
  assert.ok(rows.some(([keys]) => keys.includes("Shift+X")));
  assert.ok(rows.some(([keys]) => keys.includes("Esc")));
});

const loaded = ["a", "b", "c", "d", "e", "f"];

test("shift-click selects the range from the last clicked row, either way", () => {
  const selection = new Selection();
  selection.set("b", true, loaded);
  selection.extend("e", true, loaded);
  assert.deepEqual([...selection.urls].sort(), ["b", "c", "d", "e"]);
  selection.set("f", true, loaded);
  selection.extend("d", false, loaded); // a shift-click that clears clears the range
  assert.deepEqual([...selection.urls].sort(), ["b", "c"]);
  selection.extend("a", true, loaded); // the anchor moved to d
  assert.deepEqual([...selection.urls].sort(), ["a", "b", "c", "d"]);
});

test("a range without an anchor on screen selects the one row", () => {
  const selection = new Selection();
  selection.extend("c", true, loaded);
  assert.deepEqual([...selection.urls], ["c"]);
  selection.forget("c");
  selection.extend("e", true, loaded);
  assert.deepEqual([...selection.urls], ["e"]);
});

test("select all matching covers rows not loaded; clearing one keeps the loaded others", () => {
  const selection = new Selection();
  selection.selectAll(loaded);
  assert.equal(selection.count(5000), loaded.length);
  selection.selectEverything();
  assert.equal(selection.count(5000), 5000);
  assert.equal(selection.has("not-loaded-yet"), true);
  selection.set("c", false, loaded);
  assert.equal(selection.everything, false);
  assert.deepEqual([...selection.urls].sort(), ["a", "b", "d", "e", "f"]);
  selection.toggle("c", loaded);
  assert.equal(selection.count(5000), 6);
  selection.clear();
  assert.equal(selection.empty, true);
});
