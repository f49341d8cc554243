// Unit tests of js/sdk/early.js: calls made before init() keep their order, and a denial among
// them becomes the consent init() starts with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEarlyQueue } from '../../js/sdk/early.js';

test('calls are handed over in their original order, once', () => {
  const q = createEarlyQueue();
  q.push('identify', [{ a: 1 }]);
  q.push('reset', []);
  q.push('setConsent', ['granted']);
  q.push('identify', [{ a: 2 }]);
  q.push('getVisitorId', []); // not a queued call
  assert.deepEqual(q.drain().map(([n, a]) => [n, a[0]]), [['identify', { a: 1 }], ['reset', undefined], ['setConsent', 'granted'], ['identify', { a: 2 }]]);
  assert.deepEqual(q.drain(), []);
});

test('a queued denial is the consent init() starts with, whatever the option says', () => {
  const q = createEarlyQueue();
  assert.equal(q.initConsent(undefined), undefined);
  assert.equal(q.initConsent('granted'), 'granted');
  q.push('identify', [{}]);
  q.push('setConsent', ['denied']);
  assert.equal(q.initConsent('granted'), 'denied');
  assert.equal(q.initConsent(undefined), 'denied');
});

test('denied then granted before init: starts denied (erasing), the grant replays after it', () => {
  const q = createEarlyQueue();
  q.push('setConsent', ['denied']);
  q.push('identify', [{ plan: 'x' }]);
  q.push('setConsent', ['granted']);
  assert.equal(q.initConsent('granted'), 'denied');
  assert.deepEqual(q.drain().map(([n, a]) => `${n}:${JSON.stringify(a[0])}`), ['setConsent:"denied"', 'identify:{"plan":"x"}', 'setConsent:"granted"']);
});

test('only a grant queued: the init option stands (the grant replays in order)', () => {
  const q = createEarlyQueue();
  q.push('setConsent', ['granted']);
  assert.equal(q.initConsent('denied'), 'denied');
});

test('Global Privacy Control: denied when nothing says otherwise; an init option or a queued setConsent decides first', () => {
  const q = createEarlyQueue();
  assert.equal(q.initConsent(undefined, true), 'denied');
  assert.equal(q.initConsent('granted', true), 'granted');
  assert.equal(q.initConsent(undefined, false), undefined);
  q.push('setConsent', ['granted']);
  assert.equal(q.initConsent(undefined, true), undefined, 'a grant queued before init() is explicit');
  q.push('setConsent', ['denied']);
  assert.equal(q.initConsent('granted', false), 'denied');
});
