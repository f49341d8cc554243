// Unit tests of js/sdk/before-send.js, the wrapper the core calls with each event's JSON text:
// the site's hook sees a fresh object, null drops, the protocol's fields cannot change, the
// caller's fields are checked by identify()'s rules (here a stand-in for the core's
// explainIdentify: the real one runs in the end-to-end tests) and written back as the core
// writes them, and each distinct problem is reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenEvents } from '../../js/sdk/before-send.js';

const START = { type: 'session_start', messageId: 'm1', timestamp: 't', visitorId: 'v', sessionId: 's', previousSessionId: null, reason: 'new_tab' };
const IDENTIFY = { type: 'identify', messageId: 'm2', timestamp: 't', visitorId: 'v', sessionId: 's', id: 'user-1', email: 'ana@example.com', customProperties: { plan: 'pro', token: 'acme_123', n: 2 } };

/** identify()'s rules in miniature: `secret` values are PII, an email needs an @. */
function explain(payload) {
  if (payload.email != null && !String(payload.email).includes('@')) {
    return { error: { message: 'email must have a single @', code: 'email_invalid', field: 'email' }, dropped: [] };
  }
  return { error: null, dropped: Object.keys(payload).filter((k) => payload[k] === 'secret').map((key) => ({ key, family: 'credential' })) };
}

function screen(hook) {
  const reported = [];
  const run = screenEvents(hook, explain, (e) => reported.push(e));
  return { reported, send: (event) => { const out = run(JSON.stringify(event)); return out === null ? null : JSON.parse(out); }, text: (event) => run(JSON.stringify(event)) };
}

test('without changes the event goes as the core wrote it, byte for byte', () => {
  const { send, text, reported } = screen((e) => e);
  assert.equal(text(START), JSON.stringify(START));
  assert.equal(text(IDENTIFY), JSON.stringify(IDENTIFY));
  assert.deepEqual(send(IDENTIFY), IDENTIFY);
  assert.deepEqual(reported, []);
});

test('custom properties removed or rewritten; null drops the event without a report', () => {
  const { send, reported } = screen((e) => {
    if (e.type === 'session_start') return null;
    delete e.customProperties.token;
    e.customProperties.plan = 'PRO';
    return e;
  });
  assert.equal(send(START), null);
  assert.deepEqual(send(IDENTIFY).customProperties, { plan: 'PRO', n: 2 });
  assert.deepEqual(reported, []);
});

test('what the hook returns is scrubbed again and written as the core writes it', () => {
  const { send } = screen((e) => ({ ...e, id: 42, email: ' Ana@Example.COM ', customProperties: { a: 'secret', b: null, c: true, d: 'ok' } }));
  const out = send(IDENTIFY);
  assert.equal(out.id, '42');
  assert.equal(out.email, 'ana@example.com');
  assert.deepEqual(out.customProperties, { c: true, d: 'ok' });
  assert.deepEqual(Object.keys(out), ['type', 'messageId', 'timestamp', 'visitorId', 'sessionId', 'id', 'email', 'customProperties']);
});

test('id and email may be removed; custom keys named id or email cannot smuggle them in', () => {
  const { send } = screen((e) => ({ ...e, id: undefined, email: null, customProperties: { id: 'x', email: 'y@z.com', plan: 'pro' } }));
  const out = send(IDENTIFY);
  assert.equal('id' in out, false);
  assert.equal('email' in out, false);
  assert.deepEqual(out.customProperties, { plan: 'pro' });
});

test("the protocol's fields cannot be changed, removed or added to: the event is dropped and reported", () => {
  const cases = [
    [(e) => ({ ...e, type: 'page_view' }), 'type'],
    [(e) => ({ ...e, messageId: 'x' }), 'messageId'],
    [(e) => ({ ...e, timestamp: 'now' }), 'timestamp'],
    [(e) => { delete e.visitorId; return e; }, 'visitorId'],
    [(e) => ({ ...e, sessionId: 's2' }), 'sessionId'],
    [(e) => ({ ...e, reason: 'idle' }), 'reason'],
    [(e) => ({ ...e, properties: { a: 1 } }), 'properties'],
  ];
  for (const [hook, field] of cases) {
    const { send, reported } = screen(hook);
    assert.equal(send(IDENTIFY), null, field);
    assert.equal(reported.length, 1, field);
    assert.equal(reported[0].name, 'SessionSightValidationError');
    assert.equal(reported[0].code, 'protocol_field');
    assert.equal(reported[0].field, field);
  }
  // A session_start has no caller fields.
  const { send, reported } = screen((e) => ({ ...e, id: 'user-1' }));
  assert.equal(send(START), null);
  assert.equal(reported[0].field, 'id');
});

test('a hook that throws loses only that event, reported once however often it throws', () => {
  let calls = 0;
  const { send, reported } = screen((e) => {
    calls++;
    if (e.customProperties && e.customProperties.n === 2) throw new Error('site bug');
    return e;
  });
  assert.equal(send(IDENTIFY), null);
  assert.equal(send(IDENTIFY), null);
  assert.deepEqual(send(START), START);
  assert.equal(calls, 3);
  assert.deepEqual(reported.map((e) => e.message), ['site bug']);
});

test('what cannot be sent is reported, each kind once: not an object, a broken customProperties, an invalid email, a throwing getter', () => {
  for (const [hook, code] of [
    [() => undefined, 'not_an_object'],
    [() => 'event', 'not_an_object'],
    [() => [], 'not_an_object'],
    [async (e) => e, 'not_an_object'], // an async hook: the event cannot wait for it
    [(e) => ({ ...e, customProperties: [1] }), 'not_an_object'],
    [(e) => ({ ...e, email: 'nobody' }), 'email_invalid'],
    [(e) => ({ ...e, get customProperties() { throw new Error('getter'); } }), 'payload_unreadable'],
  ]) {
    const { send, reported } = screen(hook);
    assert.equal(send(IDENTIFY), null, code);
    assert.equal(send(IDENTIFY), null, code);
    assert.equal(reported.length, 1, code);
    assert.equal(reported[0].code, code);
  }
  const { send, reported } = screen(() => { throw 'a string'; }); // eslint-disable-line no-throw-literal
  assert.equal(send(START), null);
  assert.match(reported[0].message, /threw a string/);
});

test('the hook gets its own copy: changing it in place and returning it works, the protocol check still sees the original', () => {
  const seen = [];
  const { send } = screen((e) => { seen.push(e); e.timestamp = 'changed'; e.timestamp = 't'; return e; });
  assert.deepEqual(send(START), START);
  assert.notEqual(seen[0], START);
});
