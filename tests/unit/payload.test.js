// Unit tests of js/sdk/payload.js: what reaches the wasm core is a fresh plain object of
// primitives, read once; unreadable payloads and re-entrant getters give payload_unreadable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { payloadKey, refuseReentry, snapshot, snapshotOptions } from '../../js/sdk/payload.js';
import { SessionSightValidationError } from '../../js/sdk/errors.js';

const unreadable = (fn) => assert.throws(fn, (e) => e instanceof SessionSightValidationError && e.code === 'payload_unreadable' && e.field === 'payload');

test('a plain payload becomes a fresh copy of the same keys and primitive values', () => {
  const input = { id: 'u1', email: 'A@B.co', n: 2, ok: true, gone: undefined, none: null };
  const out = snapshot(input);
  assert.notEqual(out, input);
  assert.deepEqual(out, input);
  assert.deepEqual(Object.keys(out), Object.keys(input));
});

test('non-primitive values become fresh stand-ins of the same kind (the core rejects them by type)', () => {
  const fn = () => 'secret';
  const out = snapshot({ f: fn, a: [1, 2], o: { deep: 1 }, d: new Date(0), b: 10n });
  assert.equal(typeof out.f, 'function');
  assert.notEqual(out.f, fn);
  assert.deepEqual(out.a, []);
  assert.ok(Array.isArray(out.a));
  assert.deepEqual(out.o, {});
  assert.deepEqual(out.d, {});
  assert.equal(out.b, 10n);
});

test('what is not a plain object stays "not an object" for the core', () => {
  for (const v of [null, undefined, 'x', 3]) assert.equal(snapshot(v), v);
  for (const v of [[1], () => {}, new Date(), new Map(), new (class A {})()]) assert.ok(Array.isArray(snapshot(v)));
  assert.deepEqual(snapshot(Object.create(null)), {});
});

test('a __proto__ key stays a plain key', () => {
  const input = JSON.parse('{"__proto__": "x", "plan": "p"}');
  const out = snapshot(input);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['__proto__', 'plan']);
});

test('getters run exactly once', () => {
  let reads = 0;
  const out = snapshot({ get plan() { reads++; return 'p'; } });
  assert.equal(reads, 1);
  assert.equal(out.plan, 'p');
});

test('throwing getters, revoked Proxies and throwing traps give payload_unreadable', () => {
  unreadable(() => snapshot({ get plan() { throw new Error('boom'); } }));
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  unreadable(() => snapshot(proxy));
  unreadable(() => snapshot(new Proxy({}, { ownKeys() { throw new Error('trap'); } })));
  unreadable(() => snapshot(new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } })));
  // A working Proxy over a plain object is read like the object.
  assert.deepEqual(snapshot(new Proxy({ plan: 'p' }, {})), { plan: 'p' });
});

test('a getter calling back into the SDK gives payload_unreadable, even if it catches', () => {
  unreadable(() => snapshot({ get plan() { refuseReentry(); return 'x'; } }));
  unreadable(() => snapshot({ get plan() { try { refuseReentry(); } catch (e) { /* swallowed */ } return 'x'; } }));
  unreadable(() => snapshot({ get plan() { snapshot({ inner: 1 }); return 'x'; } }));
  // Afterwards the SDK may be called again.
  assert.doesNotThrow(() => refuseReentry());
  assert.deepEqual(snapshot({ plan: 'fine' }), { plan: 'fine' });
});

test('payloadKey: equal for equal primitive payloads, null when anything else is inside', () => {
  assert.equal(payloadKey({ a: 'x', b: 1 }), payloadKey({ a: 'x', b: 1 }));
  assert.notEqual(payloadKey({ a: 'x', b: 1 }), payloadKey({ a: 'x', b: '1' }));
  assert.equal(payloadKey({ a: 'x', skip: null }), payloadKey({ a: 'x' }));
  assert.equal(payloadKey({ a: {} }), null);
  assert.equal(payloadKey({ a: NaN }), null);
  assert.equal(payloadKey([]), null);
});

test('init options are read once into a plain object; a throwing getter rejects init', () => {
  const onError = () => {};
  assert.deepEqual(snapshotOptions({ apiKey: 'k', onError }), { apiKey: 'k', onError });
  assert.throws(() => snapshotOptions(null), TypeError);
  assert.throws(() => snapshotOptions({ get apiKey() { throw new Error('boom'); } }), /boom/);
});
