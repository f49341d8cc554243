// Unit tests of js/sdk/lifecycle.js on plain EventTargets: which page event calls which handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageVisible, watchPage } from '../../js/sdk/lifecycle.js';

function setup() {
  const win = new EventTarget();
  const doc = new EventTarget();
  doc.visibilityState = 'visible';
  const calls = [];
  const handlers = Object.fromEntries(['claim', 'hidden', 'pagehide', 'pageshow', 'online', 'input'].map((n) => [n, (...a) => calls.push([n, ...a])]));
  watchPage(win, doc, handlers);
  return { win, doc, calls };
}

const event = (type, props = {}) => Object.assign(new Event(type), props);

test('focus and becoming visible claim; hidden flushes', () => {
  const { win, doc, calls } = setup();
  win.dispatchEvent(event('focus'));
  doc.dispatchEvent(event('visibilitychange'));
  doc.visibilityState = 'hidden';
  doc.dispatchEvent(event('visibilitychange'));
  assert.deepEqual(calls, [['claim'], ['claim'], ['hidden']]);
});

test('pagehide passes persisted; only a persisted pageshow resumes', () => {
  const { win, calls } = setup();
  win.dispatchEvent(event('pagehide', { persisted: true }));
  win.dispatchEvent(event('pageshow', { persisted: false }));
  win.dispatchEvent(event('pageshow', { persisted: true }));
  assert.deepEqual(calls, [['pagehide', true], ['pageshow']]);
});

test('online and input events', () => {
  const { win, calls } = setup();
  win.dispatchEvent(event('online'));
  win.dispatchEvent(event('keydown'));
  win.dispatchEvent(event('pointerdown'));
  assert.deepEqual(calls.map((c) => c[0]), ['online', 'input', 'input']);
});

test('no unload or beforeunload listener (they keep pages out of the back/forward cache)', () => {
  const types = [];
  const win = { addEventListener: (t) => types.push(t), removeEventListener() {} };
  const doc = { addEventListener: (t) => types.push(t), removeEventListener() {} };
  watchPage(win, doc, {});
  assert.ok(!types.includes('unload') && !types.includes('beforeunload'));
  assert.ok(types.includes('pagehide') && types.includes('pageshow'));
});

test('pageVisible: hidden and prerendering pages are not visible', () => {
  assert.equal(pageVisible({ visibilityState: 'visible' }), true);
  assert.equal(pageVisible({ visibilityState: 'hidden' }), false);
  assert.equal(pageVisible({ visibilityState: 'visible', prerendering: true }), false);
  assert.equal(pageVisible({ get visibilityState() { throw new Error('x'); } }), true);
});
