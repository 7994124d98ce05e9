import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import { LIBRARIES } from "../../extension/lib/capture.js";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root));
const packageJson = JSON.parse(read("package.json"));

/** Each vendored file and the npm package file it is a copy of. */
const COPIES = {
  "extension/vendor/readability/Readability.js": "node_modules/@mozilla/readability/Readability.js",
  "extension/vendor/readability/Readability-readerable.js":
    "node_modules/@mozilla/readability/Readability-readerable.js",
  "extension/vendor/readability/LICENSE.md": "node_modules/@mozilla/readability/LICENSE.md",
  "extension/vendor/dompurify/purify.js": "node_modules/dompurify/dist/purify.js",
  "extension/vendor/dompurify/LICENSE": "node_modules/dompurify/LICENSE",
  "extension/vendor/dompurify/LICENSE-MPL": "node_modules/dompurify/LICENSE-MPL",
};

test("the vendored libraries are the npm packages' files, byte for byte", () => {
  for (const [vendored, original] of Object.entries(COPIES)) {
    assert.ok(existsSync(new URL(original, root)), `${original}: run npm ci`);
    assert.ok(read(vendored).equals(read(original)), `${vendored} differs from ${original}`);
  }
});

test("the vendored versions are pinned in package.json and are the installed ones", () => {
  for (const name of ["@mozilla/readability", "dompurify"]) {
    const pinned = packageJson.devDependencies[name];
    assert.match(pinned, /^\d+\.\d+\.\d+$/, `${name} is pinned to one version`);
    const installed = JSON.parse(read(`node_modules/${name}/package.json`)).version;
    assert.equal(installed, pinned, name);
  }
  const purify = read("extension/vendor/dompurify/purify.js").toString().slice(0, 200);
  assert.ok(purify.includes(`DOMPurify ${packageJson.devDependencies.dompurify}`));
});

test("nothing else is vendored, and the capture injects only vendored files", () => {
  const listed = new Set(Object.keys(COPIES));
  for (const folder of ["readability", "dompurify"]) {
    for (const name of readdirSync(new URL(`extension/vendor/${folder}/`, root))) {
      assert.ok(listed.has(`extension/vendor/${folder}/${name}`), `unexpected ${folder}/${name}`);
    }
  }
  for (const file of LIBRARIES) assert.ok(listed.has(`extension/${file}`), file);
});
