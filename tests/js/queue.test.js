// The offline queue's reconciliation: what a reload shows and resends, what "saved" means.
import assert from "node:assert/strict";
import { test } from "node:test";

import { OfflineQueue } from "../../static/js/candidate/queue.js";

const reloaded = (queue) => new OfflineQueue(JSON.stringify(queue));
const paris = { text: "Paris" };
const lyon = { text: "Lyon" };

test("nothing or something unreadable in storage is an empty queue", () => {
  for (const text of [null, "", "not json", "null"]) {
    assert.deepEqual(new OfflineQueue(text).toJSON(), { items: {} });
  }
});

test("the server's copy is taken as saved", () => {
  const queue = new OfflineQueue(null);
  assert.deepEqual(queue.reconcile("7", { version: 2, answer: paris, flagged: true }), { answer: paris, flagged: true });
  assert.equal(queue.isUnsent("7"), false);
  assert.equal(queue.outgoing("7"), null);
  assert.deepEqual(queue.entry("7").acknowledged, { answer: paris, flagged: true });
});

test("a change is unsent, with the next version, until the server acknowledges it", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 2, answer: null, flagged: false });
  queue.change("7", paris, false);
  const sent = queue.outgoing("7");
  assert.deepEqual(sent, { version: 3, answer: paris, flagged: false });
  assert.deepEqual(queue.entry("7").acknowledged, { answer: null, flagged: false });   // not "saved" yet
  queue.acknowledge("7", sent, { version: 3 });
  assert.equal(queue.isUnsent("7"), false);
  assert.deepEqual(queue.entry("7").acknowledged, { answer: paris, flagged: false });
});

test("a change made while the previous one was on its way stays unsent", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 0, answer: null, flagged: false });
  queue.change("7", paris, false);
  const sent = queue.outgoing("7");
  queue.change("7", lyon, false);
  queue.acknowledge("7", sent, { version: 1 });
  assert.deepEqual(queue.entry("7").acknowledged, { answer: paris, flagged: false });
  assert.deepEqual(queue.outgoing("7"), { version: 2, answer: lyon, flagged: false });
});

test("a server holding a newer version than the one sent marks it saved at that version", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 0, answer: null, flagged: false });
  queue.change("7", paris, false);
  queue.acknowledge("7", queue.outgoing("7"), { version: 5 });
  assert.equal(queue.isUnsent("7"), false);
  queue.change("7", lyon, false);
  assert.equal(queue.outgoing("7").version, 6);   // a version number is never reused
});

test("a refused answer stays queued across a reload, wins over the page's copy and is resent", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 1, answer: null, flagged: false });
  queue.change("7", paris, true);
  queue.refuse("7", "The answer is too long.");
  assert.equal(queue.isRefused("7"), true);
  const after = reloaded(queue);
  assert.deepEqual(after.reconcile("7", { version: 1, answer: null, flagged: false }), { answer: paris, flagged: true });
  assert.deepEqual(after.outgoing("7"), { version: 2, answer: paris, flagged: true });
  assert.deepEqual(after.entry("7").acknowledged, { answer: null, flagged: false });   // the palette shows the server's
  assert.equal(after.isRefused("7"), true);
  after.acknowledge("7", after.outgoing("7"), { version: 2 });
  assert.equal(after.isRefused("7"), false);
  assert.equal(after.entry("7").refused, undefined);
});

test("an answer saved from elsewhere after this device's change wins on reload", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 1, answer: null, flagged: false });
  queue.change("7", paris, false);   // version 2, offline
  const after = reloaded(queue);
  assert.deepEqual(after.reconcile("7", { version: 4, answer: lyon, flagged: false }), { answer: lyon, flagged: false });
  assert.equal(after.isUnsent("7"), false);
  assert.equal(after.entry("7").version, 4);
});

test("a reload keeps the highest version seen, so the next change is never an old number", () => {
  const queue = new OfflineQueue(null);
  queue.reconcile("7", { version: 1, answer: null, flagged: false });
  queue.change("7", paris, false);
  queue.acknowledge("7", queue.outgoing("7"), { version: 2 });
  const after = reloaded(queue);
  after.reconcile("7", { version: 0, answer: null, flagged: false });   // e.g. a page rendered before the save
  after.change("7", lyon, false);
  assert.equal(after.outgoing("7").version, 3);
});
