import assert from "node:assert/strict";
import { test } from "node:test";

import { HOST_NAME, HostConnection } from "../../extension/lib/native.js";
import { FakeClock, FakeNativeHost, fakeChrome, flush } from "./fake-chrome.js";

const NOT_FOUND = "Specified native messaging host not found.";
const EXITED = "Native host has exited.";

function setUp(hostOptions = {}, options = {}) {
  const nativeHost = new FakeNativeHost({
    handlers: { save: ({ url }) => ({ state: "pending", url }), lookup: () => ({ saved: false }),
      modify: () => ({ item: null }), login: () => ({ username: "ann", server: "s" }) },
    ...hostOptions,
  });
  const chrome = fakeChrome(nativeHost);
  const clock = new FakeClock();
  const host = new HostConnection(chrome.runtime, { clock, ...options });
  return { chrome, nativeHost, clock, host };
}

/** Settle a promise now: {value} or {error}, or null while it is pending. */
function watch(promise) {
  const seen = { done: false };
  promise.then((value) => Object.assign(seen, { done: true, value }),
    (error) => Object.assign(seen, { done: true, error }));
  return seen;
}

test("one port carries every request; replies in any order reach their request", async () => {
  const { chrome, nativeHost, host } = setUp({ manual: true });
  const first = host.request("save", { url: "https://a.example/" });
  const second = host.request("lookup", { url: "https://b.example/" });
  await flush();
  await flush();
  const [port] = nativeHost.ports;
  assert.equal(port.name, HOST_NAME);
  assert.deepEqual(port.sent.map((m) => m.action), ["hello", "save", "lookup"]);
  const [, save, lookup] = port.sent;
  assert.notEqual(save.id, lookup.id);
  port.deliver({ id: lookup.id, ok: true, data: { saved: false } });
  port.deliver({ id: save.id, ok: true, data: { state: "synced", url: "https://a.example/" } });
  assert.deepEqual(await second, { saved: false });
  assert.equal((await first).state, "synced");
  assert.equal(chrome.runtime.connects, 1);
});

test("progress events go to the request's onEvent and do not settle it", async () => {
  const { nativeHost, host } = setUp({ manual: true });
  const events = [];
  const login = watch(host.request("login", {}, { onEvent: (event) => events.push(event) }));
  await flush();
  await flush();
  const [port] = nativeHost.ports;
  const { id } = port.sent[1];
  port.deliver({ id, event: "progress", data: { stage: "authorize", url: "https://x/" } });
  port.deliver({ id, event: "something_new", data: {} });
  await flush();
  assert.equal(login.done, false);
  assert.equal(events.length, 2);
  assert.equal(events[0].data.url, "https://x/");
  port.deliver({ id, ok: true, data: { username: "ann", server: "s" } });
  await flush();
  assert.deepEqual(login.value, { username: "ann", server: "s" });
});

test("error replies reject with the host's code", async () => {
  const { host } = setUp({ handlers: { save: () => {
    throw Object.assign(new Error("bad scheme"), { code: "invalid_url" });
  } } });
  await assert.rejects(host.request("save", { url: "chrome://x" }),
    { name: "HostError", code: "invalid_url", message: "bad scheme" });
});

test("a host speaking another protocol is refused before any request is sent", async () => {
  const { nativeHost, host } = setUp({ protocol: 2, version: "0.9.0" });
  await assert.rejects(host.request("save", { url: "https://a.example/" }), (error) => {
    assert.equal(error.code, "version_mismatch");
    assert.match(error.message, /0\.1\.0.*0\.9\.0, protocol 2/);
    return true;
  });
  assert.deepEqual(nativeHost.actions(), ["hello"]);
  assert.equal(nativeHost.ports[0].closedByExtension, true);
});

test("another release of the host is reported as a warning and still used", async () => {
  const { host } = setUp({ version: "0.3.1" });
  await host.request("lookup", { url: "https://a.example/" });
  assert.equal(host.about.version, "0.3.1");
  assert.equal(host.about.extensionVersion, "0.1.0");
  assert.match(host.about.warning, /different releases/);
  const same = setUp({ version: "0.1.7" });
  await same.host.request("lookup", { url: "https://a.example/" });
  assert.equal(same.host.about.warning, null);
});

test("actions the host does not offer are refused as host_outdated", async () => {
  const { nativeHost, host } = setUp();
  await assert.rejects(host.request("sync"), { code: "host_outdated" });
  assert.ok(!nativeHost.actions().includes("sync"));
});

test("a missing host fails at once with the fix, then backs off", async () => {
  const { chrome, nativeHost, clock, host } = setUp();
  nativeHost.failStart = NOT_FOUND;
  await assert.rejects(host.request("save", { url: "https://a.example/" }, { retryNow: true }),
    (error) => {
      assert.equal(error.code, "host_missing");
      assert.equal(error.detail, NOT_FOUND);
      return true;
    });
  // background lookups during the back-off fail without starting the host again
  await assert.rejects(host.request("lookup", { url: "https://a.example/" }), { code: "host_missing" });
  assert.equal(chrome.runtime.connects, 1);
  // a user's click tries at once
  await assert.rejects(host.request("save", { url: "https://a.example/" }, { retryNow: true }));
  assert.equal(chrome.runtime.connects, 2);
  // the pause doubles: 1 s after the first failure, 2 s after the second
  await clock.advance(1_500);
  await assert.rejects(host.request("lookup", { url: "https://a.example/" }));
  assert.equal(chrome.runtime.connects, 2);
  // installed meanwhile: at the end of the pause it is tried again by itself
  nativeHost.failStart = null;
  await clock.advance(600);
  assert.equal(chrome.runtime.connects, 3);
  assert.deepEqual(await host.request("lookup", { url: "https://a.example/" }), { saved: false });
  assert.equal(chrome.runtime.connects, 3);
});

test("a host that stays missing is tried again by itself, ever less often", async () => {
  const { chrome, nativeHost, clock, host } = setUp({}, { firstDelay: 1_000, maxDelay: 4_000 });
  nativeHost.failStart = NOT_FOUND;
  await assert.rejects(host.request("status", {}, { retryNow: true }));
  const tries = [];
  for (let second = 1; second <= 16; second += 1) {
    await clock.advance(1_000);
    tries.push(chrome.runtime.connects);
  }
  // starts at 0 s, then 1, 3, 7, 11 and 15 s: pauses of 1, 2, 4, 4, 4 s
  assert.deepEqual([...new Set(tries)], [2, 3, 4, 5, 6]);
  assert.equal(tries.indexOf(6), 14);
});

test("the back-off stops growing at its maximum", async () => {
  const { chrome, nativeHost, clock, host } = setUp({}, { firstDelay: 1_000, maxDelay: 4_000 });
  nativeHost.failStart = EXITED;
  for (let i = 0; i < 6; i += 1) {
    await assert.rejects(host.request("status", {}, { retryNow: true }), { code: "host_exited" });
  }
  assert.ok(host.retryAt - clock.now() <= 4_000);
  nativeHost.failStart = null;
  nativeHost.handlers.status = () => ({ pending: 0 });
  await clock.advance(4_000);
  assert.deepEqual(await host.request("status"), { pending: 0 });
  assert.equal(chrome.runtime.connects, 7);
});

test("when a working port is lost, safe requests are sent again on a new port", async () => {
  const { chrome, nativeHost, clock, host } = setUp({ manual: true });
  const save = watch(host.request("save", { url: "https://a.example/" }));
  const modify = watch(host.request("modify", { url: "https://a.example/", op: "archive" }));
  await flush();
  await flush();
  nativeHost.ports[0].close(EXITED);
  await flush();
  assert.equal(modify.error.code, "host_exited");
  assert.equal(save.done, false);
  assert.equal(chrome.runtime.connects, 1);
  await clock.advance(1_000);
  const second = nativeHost.ports[1];
  assert.deepEqual(second.sent.map((m) => m.action), ["hello", "save"]);
  second.deliver({ id: second.sent[1].id, ok: true, data: { state: "pending", url: "u" } });
  await flush();
  assert.equal(save.value.state, "pending");
});

test("a request is repeated only once", async () => {
  const { nativeHost, clock, host } = setUp({ manual: true });
  const save = watch(host.request("save", { url: "https://a.example/" }));
  for (let i = 0; i < 2; i += 1) {
    await clock.advance(1_000);
    nativeHost.ports.at(-1).close(EXITED, { firefox: true });
  }
  await flush();
  assert.equal(save.error.code, "host_exited");
  assert.equal(nativeHost.actions().filter((a) => a === "save").length, 2);
});

test("a request without a reply times out; its late reply is ignored", async () => {
  const { nativeHost, clock, host } = setUp({ manual: true }, { timeouts: { save: 5_000 } });
  const save = watch(host.request("save", { url: "https://a.example/" }));
  await clock.advance(5_000);
  assert.equal(save.error.code, "host_timeout");
  const [port] = nativeHost.ports;
  port.deliver({ id: port.sent[1].id, ok: true, data: {} });
  nativeHost.manual = false;
  assert.deepEqual(await host.request("lookup", { url: "https://a.example/" }), { saved: false });
});

test("a host that never says hello is dropped", async () => {
  const { nativeHost, clock, host } = setUp({}, { helloMs: 3_000 });
  nativeHost.receive = () => {};
  const save = watch(host.request("save", { url: "https://a.example/" }, { timeout: 60_000 }));
  await clock.advance(3_000);
  assert.equal(save.error.code, "host_timeout");
  assert.equal(nativeHost.ports[0].closedByExtension, true);
});

test("a caller the host refuses gets the install fix", async () => {
  const { nativeHost, host } = setUp();
  nativeHost.answer = ({ id }) => ({ id, ok: false,
    error: { code: "forbidden_caller", message: "not allowed", retryable: false } });
  await assert.rejects(host.request("save", { url: "https://a.example/" }),
    { code: "forbidden_caller" });
});

test("an idle port is closed and the next request opens a new one", async () => {
  const { chrome, nativeHost, clock, host } = setUp({}, { idleMs: 10_000 });
  await host.request("lookup", { url: "https://a.example/" });
  await clock.advance(9_000);
  assert.equal(nativeHost.ports[0].connected, true);
  await clock.advance(1_000);
  assert.equal(nativeHost.ports[0].closedByExtension, true);
  await host.request("lookup", { url: "https://a.example/" });
  assert.equal(chrome.runtime.connects, 2);
});

test("a new background (a restarted service worker) connects afresh", async () => {
  const { chrome, nativeHost, host } = setUp();
  await host.request("lookup", { url: "https://a.example/" });
  nativeHost.ports[0].close(null); // the worker stopped: the browser closed its port
  const restarted = new HostConnection(chrome.runtime, { clock: new FakeClock() });
  await restarted.request("save", { url: "https://a.example/" });
  assert.equal(chrome.runtime.connects, 2);
  assert.deepEqual(nativeHost.ports[1].sent.map((m) => m.action), ["hello", "save"]);
});
