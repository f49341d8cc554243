// Unit tests of js/sdk/transport.js with fake timers and a fake fetch: the deadline, hostile
// answers, Retry-After, the beacon fallback at unload.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createTransport, makeFetchRequest, retryAfterMs, sealedFrom } from '../../js/sdk/transport.js';

let calls = [];

const tick = () => new Promise((r) => setImmediate(r));

function response(status, body = '', headers = {}) {
  return { status, headers: { get: (k) => headers[k] ?? null }, text: async () => body };
}

test('a request that never answers settles as a network error at the deadline, and is aborted', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let signal;
  const transport = createTransport({ timeoutMs: 5000 }, (req) => { signal = req.signal; return new Promise(() => {}); });
  let result = null;
  transport.send('{}').then((r) => { result = r; });
  await tick();
  t.mock.timers.tick(4999);
  await tick();
  assert.equal(result, null);
  t.mock.timers.tick(1);
  await tick();
  assert.deepEqual({ ...result, sealed: [...result.sealed] }, { status: 0, retryAfter: NaN, sealed: [], timedOut: true });
  assert.equal(signal.aborted, true);
});

test('a body that never ends is under the same deadline', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const transport = createTransport({ timeoutMs: 1000 }, async () => ({ status: 200, headers: { get: () => null }, text: () => new Promise(() => {}) }));
  let result = null;
  transport.send('{}').then((r) => { result = r; });
  await tick();
  t.mock.timers.tick(1000);
  await tick();
  assert.equal(result.status, 0);
  assert.equal(result.timedOut, true);
});

test('an answer before the deadline clears the deadline timer', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const transport = createTransport({ timeoutMs: 1000 }, async () => response(200, '{"sealed":["s1"]}'));
  const result = await transport.send('{}');
  assert.deepEqual(result.sealed, ['s1']);
  assert.equal(result.status, 200);
});

test('a rejected request is a network error, never a rejection', async () => {
  const transport = createTransport({}, async () => { throw new TypeError('Failed to fetch'); });
  const result = await transport.send('{}');
  assert.equal(result.status, 0);
});

test('hostile 2xx bodies seal nothing and never throw', async () => {
  for (const body of ['{"sealed":"none"}', 'not json', '', 'null', '[]', '"x"', '{"sealed":{"length":3}}', '{"sealed":null}', '{"sealed":7}']) {
    assert.deepEqual(sealedFrom(body), [], body);
    const transport = createTransport({}, async () => response(200, body));
    assert.deepEqual((await transport.send('{}')).sealed, [], body);
  }
  assert.deepEqual(sealedFrom('{"sealed":[1,null,"a",{"x":1},"b"]}'), ['a', 'b']);
  assert.deepEqual(sealedFrom(JSON.stringify({ sealed: ['x'.repeat(65), 'ok'] })), ['ok']);
  assert.equal(sealedFrom(JSON.stringify({ sealed: Array(500).fill('s') })).length, 100);
});

test('odd statuses, throwing headers and unreadable bodies are tolerated', async () => {
  const weird = createTransport({}, async () => ({ status: 'abc', headers: { get() { throw new Error('x'); } }, text: async () => { throw new Error('y'); } }));
  assert.equal((await weird.send('{}')).status, 0);
  const noBody = createTransport({}, async () => ({ status: 204, headers: null, text: async () => { throw new Error('no body'); } }));
  const r = await noBody.send('{}');
  assert.equal(r.status, 204);
  assert.deepEqual(r.sealed, []);
  assert.ok(Number.isNaN(r.retryAfter));
});

test('Retry-After: seconds, HTTP dates, garbage', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs('-5'), 0);
  assert.ok(Number.isNaN(retryAfterMs(null)));
  assert.ok(Number.isNaN(retryAfterMs('soon')));
  assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
  assert.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 20000), 0);
});

/** Stands in for the page's fetch (and navigator.sendBeacon) during `fn`. */
async function withBrowser({ fetch, sendBeacon }, fn) {
  const saved = { fetch: globalThis.fetch, navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator') };
  globalThis.fetch = fetch;
  Object.defineProperty(globalThis, 'navigator', { value: { sendBeacon }, configurable: true, writable: true });
  try {
    await fn();
  } finally {
    globalThis.fetch = saved.fetch;
    if (saved.navigator) Object.defineProperty(globalThis, 'navigator', saved.navigator);
    else delete globalThis.navigator;
  }
}

test.beforeEach(() => { calls = []; });

test('the fetch request: text/plain, no credentials, keepalive within budget, signal passed', () => withBrowser({ fetch: async (url, init) => { calls.push([url, init]); return response(200); } }, async () => {
  const request = makeFetchRequest({ endpoint: 'http://x/ingest', sameOrigin: false });
  const abort = new AbortController();
  await request({ body: '{"a":1}', urgent: false, signal: abort.signal });
  await request({ body: 'x'.repeat(30000), urgent: true });
  assert.equal(calls[0][0], 'http://x/ingest');
  assert.equal(calls[0][1].headers['Content-Type'], 'text/plain;charset=UTF-8');
  assert.equal(calls[0][1].credentials, 'omit');
  assert.equal(calls[0][1].keepalive, true);
  assert.equal(calls[0][1].signal, abort.signal);
  assert.equal(calls[0][1].headers['Content-Encoding'], undefined); // cross-origin: not compressed
  assert.equal(calls[1][1].keepalive, false); // 30 000 characters may be 90 KB: over the budget
}));

test('same-origin regular sends are gzip-compressed; unload sends are not', () => withBrowser({ fetch: async (url, init) => { calls.push([url, init]); return response(200); } }, async () => {
  const request = makeFetchRequest({ endpoint: '/ingest', sameOrigin: true });
  const sent = () => calls.map(([, init]) => init);
  await request({ body: '{"events":[]}', urgent: false });
  await request({ body: '{"events":[]}', urgent: true });
  assert.equal(sent()[0].headers['Content-Encoding'], 'gzip');
  assert.ok(sent()[0].body instanceof ArrayBuffer);
  assert.equal(sent()[1].headers['Content-Encoding'], undefined);
  assert.equal(typeof sent()[1].body, 'string');
}));

const beacons = [];
test('an unload send refused by fetch falls back to a beacon; a regular one does not', () => withBrowser({ fetch: async () => { throw new TypeError('refused'); }, sendBeacon: (url, blob) => beacons.push([url, blob]) }, async () => {
  const request = makeFetchRequest({ endpoint: '/ingest', sameOrigin: true });
  await assert.rejects(request({ body: '{}', urgent: false }));
  assert.equal(beacons.length, 0);
  await assert.rejects(request({ body: '{"u":1}', urgent: true }));
  assert.equal(beacons.length, 1);
  assert.equal(await beacons[0][1].text(), '{"u":1}');
}));
