// The reference collector (js/collector.js) over real HTTP: every test starts its own collector
// on an ephemeral port with a fresh data dir, talks to it with fetch (or raw http.request where
// the path must reach the server un-normalised) and closes it afterwards. Wire format: SPEC §5–§6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollector } from '../../js/collector.js';

const TS = '2026-11-22T10:00:00.000Z';
const uuid = () => crypto.randomUUID();

// ── events and batches ──────────────────────────────────────────────────────────────────────

function sessionStart(overrides = {}) {
  return { type: 'session_start', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(),
    previousSessionId: null, reason: 'new_tab', ...overrides };
}

function identify(overrides = {}) {
  return { type: 'identify', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(),
    id: 'user-1', email: 'ana@example.com', customProperties: { plan: 'pro' }, ...overrides };
}

function batch(events, overrides = {}) {
  return { apiKey: 'pk_test', sentAt: TS, dropped: 0, events, ...overrides };
}

/** A session_start and an identify of the same visitor and session. */
function twoEvents() {
  const start = sessionStart();
  return [start, identify({ visitorId: start.visitorId, sessionId: start.sessionId })];
}

// ── collector and HTTP helpers ──────────────────────────────────────────────────────────────

function freshDir() {
  return mkdtempSync(join(tmpdir(), 'sessionsight-collector-'));
}

/** Starts a collector for this test; it is closed (and its data dir removed) when the test ends. */
async function start(t, dataDir = freshDir(), { keepDir = false } = {}) {
  const collector = await startCollector({ port: 0, quiet: true, dataDir });
  t.after(async () => {
    await collector.close();
    if (!keepDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return { ...collector, dataDir, file: join(dataDir, 'events.ndjson') };
}

async function readResponse(res) {
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch (_) { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * POSTs to /ingest as the SDK does. `body` is an object (JSON-encoded), a string or bytes (sent
 * as is); `gzip: true` compresses it; `encoding` sets Content-Encoding explicitly.
 */
async function ingest(c, body, { gzip = false, encoding, signal } = {}) {
  let payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
  if (gzip) {
    payload = gzipSync(payload);
    headers['Content-Encoding'] = 'gzip';
  }
  if (encoding) headers['Content-Encoding'] = encoding;
  return readResponse(await fetch(`${c.url}/ingest`, { method: 'POST', headers, body: payload, signal }));
}

/** Control endpoints take the token the collector printed at start. */
const auth = (c) => ({ Authorization: `Bearer ${c.token}` });

async function control(c, name, body = {}) {
  const res = await fetch(`${c.url}/control/${name}`, { method: 'POST', headers: auth(c), body: JSON.stringify(body) });
  return readResponse(res);
}

async function recorded(c) {
  const r = await readResponse(await fetch(`${c.url}/control/events`, { headers: auth(c) }));
  assert.equal(r.status, 200);
  return r.json;
}

function fileEvents(c) {
  if (!existsSync(c.file)) return [];
  return readFileSync(c.file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * GET with the path sent byte for byte (fetch/URL would resolve `..` segments client-side).
 * Fails instead of hanging when the server never finishes the answer.
 */
function rawGet(c, path, timeoutMs = 2000) {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: c.port, path, method: 'GET' }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path}: no complete answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

function assertOk(r, expected) {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, expected);
}

function assertError(r, status, error, detail) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.json.error, error, r.text);
  assert.equal(typeof r.json.detail, 'string', `detail missing in ${r.text}`);
  if (detail instanceof RegExp) assert.match(r.json.detail, detail);
  else if (detail !== undefined) assert.ok(r.json.detail.includes(detail), `detail ${JSON.stringify(r.json.detail)} should include ${JSON.stringify(detail)}`);
}

/** The server still takes a valid batch after whatever the test threw at it. */
async function assertStillServing(c) {
  const events = twoEvents();
  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  const ids = (await recorded(c)).events.map((e) => e.messageId);
  for (const e of events) assert.ok(ids.includes(e.messageId));
}

// ── ingest: accepting, persisting, deduplicating ────────────────────────────────────────────

test('a valid batch is accepted, written to events.ndjson before the response, and listed', async (t) => {
  const c = await start(t);
  const events = twoEvents();

  const r = await ingest(c, batch(events, { dropped: 3 }));
  assertOk(r, { accepted: 2, duplicates: 0, sealed: [] });

  // Read the file right after the response: it must already hold both events.
  const onDisk = fileEvents(c);
  assert.deepEqual(onDisk.map((e) => e.messageId), events.map((e) => e.messageId));
  for (const [i, e] of onDisk.entries()) {
    const { receivedAt, dropped, ...sent } = e;
    assert.deepEqual(sent, events[i], 'the event is stored as sent');
    assert.ok(!Number.isNaN(Date.parse(receivedAt)), 'receivedAt is a timestamp');
    assert.equal(dropped, 3, 'the batch\'s dropped count travels with the event');
  }

  const state = await recorded(c);
  assert.deepEqual(state.events.map((e) => e.messageId), events.map((e) => e.messageId));
  assert.equal(state.events[1].email, 'ana@example.com');
  assert.deepEqual(state.events[1].customProperties, { plan: 'pro' });
  assert.equal(state.requests, 1);
  assert.equal(state.accepted, 2);
  assert.equal(state.duplicates, 0);
  assert.equal(state.rejected, 0);
});

test('a resent batch is all duplicates, also after the collector restarts on the same data dir', async (t) => {
  const dataDir = freshDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const events = twoEvents();

  const first = await startCollector({ port: 0, quiet: true, dataDir });
  try {
    assertOk(await ingest(first, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
    assertOk(await ingest(first, batch(events)), { accepted: 0, duplicates: 2, sealed: [] });
    const state = await recorded(first);
    assert.equal(state.duplicates, 2);
    assert.equal(state.accepted, 2);
    assert.equal(state.events.length, 2, 'duplicates are not stored again');
    assert.equal(fileEvents({ file: join(dataDir, 'events.ndjson') }).length, 2);

    // A batch mixing a known and a new event: only the new one is taken.
    const fresh = sessionStart();
    assertOk(await ingest(first, batch([events[0], fresh])), { accepted: 1, duplicates: 1, sealed: [] });
    // The same messageId twice in one batch counts once.
    const twice = sessionStart();
    assertOk(await ingest(first, batch([twice, twice])), { accepted: 1, duplicates: 1, sealed: [] });
  } finally {
    await first.close();
  }

  const second = await start(t, dataDir, { keepDir: true });
  assert.equal((await recorded(second)).events.length, 4, 'events reloaded from the file');
  assertOk(await ingest(second, batch(events)), { accepted: 0, duplicates: 2, sealed: [] });
  const state = await recorded(second);
  assert.equal(state.events.length, 4);
  assert.equal(state.duplicates, 2);
  assert.equal(fileEvents(second).length, 4, 'nothing appended for duplicates');
});

test('content encodings: gzip is accepted, broken gzip is 400 bad_encoding, br is 415', async (t) => {
  const c = await start(t);
  const events = twoEvents();

  assertOk(await ingest(c, batch(events), { gzip: true }), { accepted: 2, duplicates: 0, sealed: [] });
  assert.deepEqual(fileEvents(c).map((e) => e.messageId), events.map((e) => e.messageId));

  assertOk(await ingest(c, batch([sessionStart()]), { encoding: 'identity' }), { accepted: 1, duplicates: 0, sealed: [] });

  const notGzip = Buffer.from(JSON.stringify(batch([sessionStart()])));
  assertError(await ingest(c, notGzip, { encoding: 'gzip' }), 400, 'bad_encoding');
  const truncated = gzipSync(JSON.stringify(batch([sessionStart()]))).subarray(0, 20);
  assertError(await ingest(c, truncated, { encoding: 'gzip' }), 400, 'bad_encoding');

  assertError(await ingest(c, batch([sessionStart()]), { encoding: 'br' }), 415, 'unsupported_encoding', 'br');

  const state = await recorded(c);
  assert.equal(state.events.length, 3, 'rejected bodies record nothing');
  assert.equal(state.rejected, 3);
  assert.equal(fileEvents(c).length, 3);
});

test('malformed envelopes are rejected with a JSON error naming the problem', async (t) => {
  const c = await start(t);
  const valid = () => [sessionStart()];
  const cases = [
    ['malformed JSON', '{"apiKey": "pk_test", ', 400, 'malformed_json'],
    ['empty body', '', 400, 'malformed_json'],
    ['JSON array', '[]', 400, 'not_an_object'],
    ['JSON string', '"hello"', 400, 'not_an_object'],
    ['JSON null', 'null', 400, 'not_an_object'],
    ['JSON number', '42', 400, 'not_an_object'],
    ['missing apiKey', batch(valid(), { apiKey: undefined }), 400, 'invalid_api_key'],
    ['empty apiKey', batch(valid(), { apiKey: '' }), 400, 'invalid_api_key'],
    ['numeric apiKey', batch(valid(), { apiKey: 42 }), 400, 'invalid_api_key'],
    ['missing sentAt', batch(valid(), { sentAt: undefined }), 400, 'invalid_sent_at'],
    ['unparseable sentAt', batch(valid(), { sentAt: 'not a date' }), 400, 'invalid_sent_at'],
    ['numeric sentAt', batch(valid(), { sentAt: Date.parse(TS) }), 400, 'invalid_sent_at'],
    ['dropped -1', batch(valid(), { dropped: -1 }), 400, 'invalid_dropped'],
    ['dropped 1.5', batch(valid(), { dropped: 1.5 }), 400, 'invalid_dropped'],
    ['dropped "0"', batch(valid(), { dropped: '0' }), 400, 'invalid_dropped'],
    ['events missing', batch(undefined), 400, 'invalid_events'],
    ['events an object', batch({ 0: sessionStart() }), 400, 'invalid_events'],
    ['events a string', batch('[]'), 400, 'invalid_events'],
    ['1001 events', batch(Array.from({ length: 1001 }, () => sessionStart())), 413, 'too_many_events'],
  ];
  for (const [name, body, status, error] of cases) {
    await t.test(name, async () => {
      assertError(await ingest(c, body), status, error);
    });
  }

  await t.test('a body over 1 MiB is 413 payload_too_large', async () => {
    const huge = JSON.stringify(batch(valid(), { padding: 'x'.repeat(1024 * 1024) }));
    assert.ok(Buffer.byteLength(huge) > 1024 * 1024);
    assertError(await ingest(c, huge), 413, 'payload_too_large');
  });

  const state = await recorded(c);
  assert.equal(state.events.length, 0, 'no event of a rejected batch is recorded');
  assert.equal(state.rejected, cases.length + 1);
  assert.equal(state.requests, cases.length + 1);
  assert.equal(fileEvents(c).length, 0);

  await t.test('absent dropped and exactly 1000 events are fine', async () => {
    assertOk(await ingest(c, batch([sessionStart()], { dropped: undefined })), { accepted: 1, duplicates: 0, sealed: [] });
    const thousand = Array.from({ length: 1000 }, () => sessionStart());
    assertOk(await ingest(c, batch(thousand)), { accepted: 1000, duplicates: 0, sealed: [] });
    assert.equal(fileEvents(c).length, 1001);
  });

  await assertStillServing(c);
});

test('events the SDK core rejects are 422 invalid_event naming the index and field; PII never lands', async (t) => {
  const c = await start(t);
  const cases = [
    ['identify with an email-shaped id', identify({ id: 'ana@example.com' }), 'id', 'id_email_shaped'],
    ['identify with an SSN in id', identify({ id: '123-45-6789' }), 'id', 'id_contains_pii'],
    ['SSN in a custom property', identify({ customProperties: { plan: 'pro', note: '123-45-6789' } }), 'customProperties', 'pii'],
    ['SSN with spaces in a custom property', identify({ customProperties: { note: 'ssn 123 45 6789' } }), 'customProperties', 'pii'],
    ['nested object in customProperties', identify({ customProperties: { address: { city: 'Lisbon' } } }), 'address', 'value_type'],
    ['array in customProperties', identify({ customProperties: { tags: ['a', 'b'] } }), 'tags', 'value_type'],
    ['non-UUID messageId', sessionStart({ messageId: 'msg-1' }), 'messageId', 'invalid_uuid'],
    ['unknown type', sessionStart({ type: 'track' }), 'type', 'unknown_type'],
    ['session_start with an unknown reason', sessionStart({ reason: 'because' }), 'reason', 'invalid_reason'],
  ];
  for (const [name, bad, field, code] of cases) {
    await t.test(`${name} (alone, at index 0)`, async () => {
      assertError(await ingest(c, batch([bad])), 422, 'invalid_event', `events[0].${field}: ${code}`);
    });
    await t.test(`${name} (after a valid event, at index 1): the whole batch is refused`, async () => {
      const good = sessionStart();
      assertError(await ingest(c, batch([good, bad])), 422, 'invalid_event', `events[1].${field}: ${code}`);
      assert.ok(!(await recorded(c)).events.some((e) => e.messageId === good.messageId), 'valid neighbour not taken');
    });
  }

  const state = await recorded(c);
  assert.equal(state.events.length, 0);
  assert.equal(state.accepted, 0);
  assert.equal(state.rejected, cases.length * 2);
  const onDisk = existsSync(c.file) ? readFileSync(c.file, 'utf8') : '';
  assert.ok(!/45.6789/.test(onDisk), 'no SSN reached the file');
  assert.ok(!/45.6789/.test(JSON.stringify(state)), 'no SSN in the collector state');

  await assertStillServing(c);
});

test('routing: GET /ingest is 405, unknown paths are 404, and the server keeps serving', async (t) => {
  const c = await start(t);

  assertError(await readResponse(await fetch(`${c.url}/ingest`)), 405, 'method_not_allowed');
  assertError(await readResponse(await fetch(`${c.url}/ingest`, { method: 'PUT', body: '{}' })), 405, 'method_not_allowed');
  assertError(await readResponse(await fetch(`${c.url}/nope`)), 404, 'not_found', '/nope');
  assertError(await readResponse(await fetch(`${c.url}/nope`, { method: 'POST', body: '{}' })), 404, 'not_found');
  assertError(await control(c, 'nope'), 404, 'not_found', '/control/nope');
  assertError(await readResponse(await fetch(`${c.url}/ingest/`, { method: 'POST', body: '{}' })), 404, 'not_found');

  await assertStillServing(c);
});

// ── sealing ─────────────────────────────────────────────────────────────────────────────────

test('a sealed session is reported back in the response of a batch carrying it', async (t) => {
  const c = await start(t);
  const sealedSession = uuid();

  const r = await control(c, 'seal', { sessionId: sealedSession });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.sealed, [sealedSession]);
  assertError(await control(c, 'seal', { sessionId: 42 }), 400, 'invalid_session');

  const start1 = sessionStart({ sessionId: sealedSession });
  const id1 = identify({ sessionId: sealedSession, visitorId: start1.visitorId });
  assertOk(await ingest(c, batch([start1, id1])), { accepted: 2, duplicates: 0, sealed: [sealedSession] });

  assertOk(await ingest(c, batch([sessionStart()])), { accepted: 1, duplicates: 0, sealed: [] });

  // A mixed batch names only the sealed session, once; a duplicate of it still reports the seal.
  assertOk(await ingest(c, batch([sessionStart(), identify({ sessionId: sealedSession })])),
    { accepted: 2, duplicates: 0, sealed: [sealedSession] });
  assertOk(await ingest(c, batch([start1])), { accepted: 0, duplicates: 1, sealed: [sealedSession] });
});

// ── fault injection ─────────────────────────────────────────────────────────────────────────

test('faults: {fail: 2, status: 503} answers two 503s, then the same batch is accepted', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  const r = await control(c, 'faults', { fail: 2, status: 503 });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.faults, { fail: 2, status: 503 });

  for (let i = 0; i < 2; i++) {
    const failed = await ingest(c, batch(events));
    assert.equal(failed.status, 503);
    assert.equal(failed.json.error, 'injected_failure');
    assert.equal(failed.headers.get('retry-after'), null);
  }
  let state = await recorded(c);
  assert.equal(state.events.length, 0, 'events of failed requests are not recorded');
  assert.equal(fileEvents(c).length, 0);

  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  state = await recorded(c);
  assert.equal(state.requests, 3);
  assert.equal(state.accepted, 2);
  assert.equal(state.duplicates, 0);
  assert.equal(fileEvents(c).length, 2);
});

test('faults: {fail: 1, status: 429, retryAfter: 7} answers 429 with Retry-After: 7', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  await control(c, 'faults', { fail: 1, status: 429, retryAfter: 7 });

  const r = await ingest(c, batch(events));
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  assert.equal(r.json.error, 'injected_failure');
  assert.equal((await recorded(c)).events.length, 0);

  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  assert.equal((await recorded(c)).requests, 2);
});

test('faults: {maxBytes: 200} refuses a larger batch with 413 and lets a small one through', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  await control(c, 'faults', { maxBytes: 200 });

  const big = batch(events);
  assert.ok(JSON.stringify(big).length > 200);
  const r = await ingest(c, big);
  assert.equal(r.status, 413);
  assert.equal(r.json.error, 'payload_too_large');
  assert.equal((await recorded(c)).events.length, 0);

  const small = batch([]);
  assert.ok(JSON.stringify(small).length <= 200);
  assertOk(await ingest(c, small), { accepted: 0, duplicates: 0, sealed: [] });

  await control(c, 'faults', {});
  assertOk(await ingest(c, big), { accepted: 2, duplicates: 0, sealed: [] });
  assert.equal((await recorded(c)).requests, 3);
});

test('faults: {drop: 1} destroys the connection, the next request is fine', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  await control(c, 'faults', { drop: 1 });

  await assert.rejects(ingest(c, batch(events)), TypeError, 'fetch rejects on a destroyed connection');
  let state = await recorded(c);
  assert.equal(state.events.length, 0);
  assert.equal(state.requests, 1);

  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  state = await recorded(c);
  assert.equal(state.requests, 2);
  assert.equal(state.events.length, 2);
});

test('faults: {delayMs: 300} delays the answer by at least 300 ms', async (t) => {
  const c = await start(t);
  await control(c, 'faults', { delayMs: 300 });

  const started = performance.now();
  const r = await ingest(c, batch(twoEvents()));
  const elapsed = performance.now() - started;
  assertOk(r, { accepted: 2, duplicates: 0, sealed: [] });
  assert.ok(elapsed >= 300, `answered after ${elapsed.toFixed(0)} ms`);
});

test('faults: {hang: 1} never answers (the client aborts at 500 ms), the next request is answered', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  await control(c, 'faults', { hang: 1 });

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 500);
  try {
    await assert.rejects(ingest(c, batch(events), { signal: controller.signal }), { name: 'AbortError' });
  } finally {
    clearTimeout(timer);
  }
  assert.ok(controller.signal.aborted, 'the request was aborted, not answered');
  assert.equal((await recorded(c)).events.length, 0, 'the hung request recorded nothing');

  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  const state = await recorded(c);
  assert.equal(state.requests, 2);
  assert.equal(state.events.length, 2);
});

// ── reset ───────────────────────────────────────────────────────────────────────────────────

test('POST /control/reset clears events, counters, seals, faults and the file', async (t) => {
  const c = await start(t);
  const events = twoEvents();
  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  await control(c, 'seal', { sessionId: events[0].sessionId });
  await control(c, 'faults', { maxBytes: 10 });
  assert.equal(fileEvents(c).length, 2);

  const r = await control(c, 'reset');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { ok: true });
  assert.equal(readFileSync(c.file, 'utf8'), '');
  assert.deepEqual(await recorded(c), { events: [], requests: 0, accepted: 0, duplicates: 0, rejected: 0 });

  // Forgotten messageIds are new again; the seal and the fault are gone.
  assertOk(await ingest(c, batch(events)), { accepted: 2, duplicates: 0, sealed: [] });
  assert.equal(fileEvents(c).length, 2);
});

// ── static serving ──────────────────────────────────────────────────────────────────────────

test('static: the demo page and the built wasm are served with the right types', async (t) => {
  const c = await start(t);

  const page = await fetch(`${c.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(await page.text(), /<!doctype html>/i);

  const wasm = await fetch(`${c.url}/dist/sessionsight_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'starts with the wasm magic');
  assert.ok(WebAssembly.validate(bytes), 'a valid module');

  const css = await fetch(`${c.url}/demo.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type'), /^text\/css/);
});

test('static: path traversal (raw, encoded, directories) never leaves www/ or dist/', async (t) => {
  const c = await start(t);
  const attempts = [
    '/../package.json',
    '/dist/../../etc/passwd',
    '/dist/../package.json',
    '/dist/../js/collector.js',
    '/dist/%2e%2e/package.json',
    '/dist/..%2f..%2fpackage.json',
    '/..%2fpackage.json',
    '/%2e%2e/package.json',
    '/..%5c..%5cpackage.json',
    '/../../../../etc/passwd',
    '/dist/',
    '/dist/.',
  ];
  for (const path of attempts) {
    const r = await rawGet(c, path);
    assert.equal(r.status, 404, `${path} → ${r.status}`);
    assert.equal(JSON.parse(r.text).error, 'not_found', path);
    assert.ok(!r.text.includes('@sessionsight/insights') && !r.text.includes('root:'), `${path} leaked a file`);
  }
  const undecodable = await rawGet(c, '/%E0%A4%A');
  assert.equal(undecodable.status, 400);
  assert.equal(JSON.parse(undecodable.text).error, 'bad_path');
  await assertStillServing(c);
});
