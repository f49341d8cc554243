// The reference collector as a service facing the open internet (SPEC §6): no request crashes
// it, a messageId counts as seen only once stored, only protocol fields are stored, CORS on the
// POST itself, control endpoints closed to other origins and to callers without the token,
// bounded memory, and pathological bodies refused cheaply. Real collector, real loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollector } from '../../js/collector.js';

const TS = '2026-11-22T10:00:00.000Z';
const uuid = () => crypto.randomUUID();
const sessionStart = (o = {}) => ({ type: 'session_start', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), previousSessionId: null, reason: 'new_tab', ...o });
const identify = (o = {}) => ({ type: 'identify', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), id: 'user-1', customProperties: { plan: 'pro' }, ...o });
const batch = (events, o = {}) => ({ apiKey: 'pk_test', sentAt: TS, dropped: 0, events, ...o });

async function start(t, options = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sessionsight-hardening-'));
  const c = await startCollector({ port: 0, quiet: true, dataDir, ...options });
  t.after(async () => { await c.close(); rmSync(dataDir, { recursive: true, force: true }); });
  return { ...c, dataDir, file: join(dataDir, 'events.ndjson') };
}

async function post(c, body, { gzip = false, headers = {} } = {}) {
  let payload = typeof body === 'string' ? body : JSON.stringify(body);
  const h = { 'Content-Type': 'text/plain;charset=UTF-8', ...headers };
  if (gzip) { payload = gzipSync(payload); h['Content-Encoding'] = 'gzip'; }
  const res = await fetch(`${c.url}/ingest`, { method: 'POST', headers: h, body: payload });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

const fileText = (c) => (existsSync(c.file) ? readFileSync(c.file, 'utf8') : '');
const fileIds = (c) => fileText(c).split('\n').filter(Boolean).map((l) => JSON.parse(l).messageId);

/** Sends raw bytes on a fresh TCP connection; resolves with what came back when it closes (or after `ms`). */
function raw(c, bytes, ms = 3000) {
  return new Promise((ok, fail) => {
    const socket = connect(c.port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { socket.destroy(); ok({ text: Buffer.concat(chunks).toString('latin1'), closed: false }); }, ms);
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', () => { clearTimeout(timer); ok({ text: Buffer.concat(chunks).toString('latin1'), closed: true }); });
    socket.on('error', (e) => { clearTimeout(timer); if (e.code === 'ECONNRESET') ok({ text: Buffer.concat(chunks).toString('latin1'), closed: true }); else fail(e); });
    socket.write(bytes);
  });
}

async function assertStillServing(c) {
  const e = sessionStart();
  const r = await post(c, batch([e]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, 1);
}

// ── no request crashes it ───────────────────────────────────────────────────────────────────

test('a malformed request target (GET http://[ HTTP/1.1) is answered 400 and the process keeps serving', async (t) => {
  const crashes = [];
  const record = (e) => crashes.push(String(e));
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  t.after(() => { process.off('unhandledRejection', record); process.off('uncaughtException', record); });
  const c = await start(t);

  for (const target of ['http://[', 'http://[/ingest', '*', 'http://x:99999999/', '//[']) {
    const r = await raw(c, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 4\d\d /, `${target} → ${JSON.stringify(r.text.slice(0, 60))}`);
  }
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(crashes, [], 'no unhandled error escaped the request handler');
  await assertStillServing(c);
});

test('never crashes: huge headers, odd encodings, bad bytes, deep JSON, and slow clients are cut off', async (t) => {
  const crashes = [];
  const record = (e) => crashes.push(String(e));
  process.on('unhandledRejection', record);
  t.after(() => process.off('unhandledRejection', record));
  const c = await start(t, { timeouts: { headersMs: 600, requestMs: 600, checkEveryMs: 100 } });

  const huge = await raw(c, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
  assert.match(huge.text, /^HTTP\/1\.1 431 /);

  for (const encoding of ['gzip, gzip', 'deflate', 'GZIP;q=1', '\tgzip x']) {
    const r = await post(c, batch([sessionStart()]), { headers: { 'Content-Encoding': encoding } });
    assert.ok(r.status === 400 || r.status === 415, `${encoding} → ${r.status}`);
  }
  const bytes = await fetch(`${c.url}/ingest`, { method: 'POST', body: new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x22]) });
  assert.equal(bytes.status, 400);

  const deep = '['.repeat(100000) + ']'.repeat(100000);
  for (const field of ['customProperties', 'id', 'email', 'visitorId', 'extra']) {
    const body = JSON.stringify(batch([identify({ [field]: 0 })])).replace(`"${field}":0`, `"${field}":${deep}`);
    const r = await post(c, body, { gzip: true });
    assert.ok(r.status < 500, `deep ${field} → ${r.status} ${r.text.slice(0, 80)}`);
  }

  // A client that sends half its headers and then nothing is disconnected by the server.
  const started = Date.now();
  const slow = await raw(c, 'POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n', 5000);
  assert.ok(slow.closed, 'the server closed the connection of a client that stalled');
  assert.ok(Date.now() - started < 4000, `closed after ${Date.now() - started} ms`);
  // A body that never completes, too.
  const slowBody = await raw(c, 'POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"apiKey":', 5000);
  assert.ok(slowBody.closed, 'the server closed the connection of a body that stalled');

  assert.deepEqual(crashes, []);
  await assertStillServing(c);
});

// ── durability: seen only once stored ───────────────────────────────────────────────────────

test('an event whose write failed is not marked seen: the retry is accepted and stored once (deep JSON)', async (t) => {
  const c = await start(t);
  const event = identify();
  // A field nested deep enough that serialising the event overflows the stack.
  const body = JSON.stringify(batch([{ ...event, extra: 0 }])).replace('"extra":0', `"extra":${'['.repeat(20000)}${']'.repeat(20000)}`);
  const first = await post(c, body);
  const retry = await post(c, body);
  assert.equal(retry.status, 200, retry.text);
  assert.deepEqual(fileIds(c), [event.messageId], `first answer ${first.status}: the event is stored exactly once after the retry`);
});

test('a failed store write answers 5xx, marks nothing seen, and the retry is accepted', async (t) => {
  const { openFileStore } = await import('../../js/collector/store-file.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'sessionsight-failing-'));
  const inner = await openFileStore(dataDir);
  let failures = 1;
  const store = { ...inner, insert: (records) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : inner.insert(records)) };
  const c = await startCollector({ port: 0, quiet: true, store });
  t.after(async () => { await c.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const events = [sessionStart(), identify()];

  const first = await post(c, batch(events));
  assert.ok(first.status >= 500 && first.status < 600, `a failed write is a 5xx, got ${first.status}`);
  assert.ok(!first.text.includes('disk full'), 'internal error details stay in the server log');
  const retry = await post(c, batch(events));
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.json.accepted, 2, 'the retry is accepted, not discarded as a duplicate');
  const stored = readFileSync(join(dataDir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).messageId);
  assert.deepEqual(stored, events.map((e) => e.messageId));
});

// ── protocol only ───────────────────────────────────────────────────────────────────────────

test('fields outside the protocol are never stored ("note": "SSN 123-45-6789")', async (t) => {
  const c = await start(t);
  const start1 = sessionStart({ note: 'SSN 123-45-6789' });
  const id1 = identify({ note: 'SSN 123-45-6789', traits: { ssn: '123-45-6789' } });
  const r = await post(c, batch([start1, id1], { note: 'SSN 123-45-6789' }));
  assert.ok(r.status === 200 || r.status === 422, r.text);
  assert.ok(!fileText(c).includes('123-45-6789'), 'the SSN never reached the file');
  assert.ok(!fileText(c).includes('note'), 'no unknown field reached the file');
  assert.ok(!JSON.stringify(c.state.events).includes('123-45-6789'), 'nor the collector memory');
  if (r.status === 200) {
    // Stripped: the protocol fields are kept as sent.
    const stored = c.state.events.find((e) => e.messageId === id1.messageId);
    assert.deepEqual(stored.customProperties, { plan: 'pro' });
    assert.equal(stored.id, 'user-1');
  }
});

// ── CORS and the control endpoints ──────────────────────────────────────────────────────────

test('POST /ingest answers with Access-Control-Allow-Origin for any origin, errors included', async (t) => {
  const c = await start(t);
  const headers = { Origin: 'https://shop.example' };
  const ok = await post(c, batch([sessionStart()]), { headers });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), '*');
  const bad = await post(c, batch([sessionStart({ reason: 'nope' })]), { headers });
  assert.equal(bad.status, 422);
  assert.equal(bad.headers.get('access-control-allow-origin'), '*');
});

test('/control/* refuses other origins and callers without the token', async (t) => {
  const c = await start(t, { token: undefined });
  assert.equal(typeof c.token, 'string', 'startCollector() returns the control token');
  assert.ok(c.token.length >= 20);
  await assertStillServing(c);

  // A page on another origin posts a "simple" request: no preflight, so the server must refuse it.
  const evil = await fetch(`${c.url}/control/reset`, { method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'text/plain' }, body: '{}' });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const evilWithToken = await fetch(`${c.url}/control/reset`, { method: 'POST', headers: { Origin: 'http://evil.example', Authorization: `Bearer ${c.token}` }, body: '{}' });
  assert.equal(evilWithToken.status, 403, 'another origin is refused even with the token');
  assert.equal(c.state.events.length, 1, 'nothing was reset');

  for (const guess of ['undefined', 'null', '']) {
    const r = await fetch(`${c.url}/control/events`, { headers: { Authorization: `Bearer ${guess}` } });
    assert.equal(r.status, 401, `Bearer ${guess}`);
  }
  const noToken = await fetch(`${c.url}/control/events`);
  assert.equal(noToken.status, 401);
  const wrong = await fetch(`${c.url}/control/faults`, { method: 'POST', headers: { Authorization: 'Bearer nope' }, body: '{"fail":1}' });
  assert.equal(wrong.status, 401);
  const preflight = await fetch(`${c.url}/control/reset`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'no CORS grant for control');

  // The token handed to the same-origin demo page; another origin cannot have it.
  const cross = await fetch(`${c.url}/control/token`, { headers: { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
  assert.equal(cross.status, 403);
  const same = await fetch(`${c.url}/control/token`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(same.status, 200);
  assert.equal((await same.json()).token, c.token);

  const allowed = await fetch(`${c.url}/control/events`, { headers: { Authorization: `Bearer ${c.token}`, Origin: c.url } });
  assert.equal(allowed.status, 200);
  assert.equal((await allowed.json()).events.length, 1);
  const reset = await fetch(`${c.url}/control/reset`, { method: 'POST', headers: { Authorization: `Bearer ${c.token}` }, body: '{}' });
  assert.equal(reset.status, 200);
  assert.equal(c.state.events.length, 0);
});

// ── bounded memory ──────────────────────────────────────────────────────────────────────────

test('memory stays bounded: dedupe memory, event list and request log are capped; the store stays the truth', async (t) => {
  const c = await start(t, { limits: { seen: 100, events: 50, log: 20 } });
  const batches = Array.from({ length: 30 }, () => batch(Array.from({ length: 10 }, () => sessionStart())));
  for (const b of batches) assert.equal((await post(c, b)).json.accepted, 10);
  assert.ok(c.state.seen.size <= 100, `dedupe memory ${c.state.seen.size}`);
  assert.ok(c.state.events.length <= 50, `event list ${c.state.events.length}`);
  assert.ok(c.state.log.length <= 20, `request log ${c.state.log.length}`);
  assert.equal(c.state.accepted, 300);
  // The oldest batch fell out of memory long ago; the store still knows it.
  const again = await post(c, batches[0]);
  assert.deepEqual(again.json, { accepted: 0, duplicates: 10, sealed: [] });
  assert.equal(fileIds(c).length, 300);
});

// ── pathological bodies ─────────────────────────────────────────────────────────────────────

test('an 8 KB gzip body of "AB12 " values is refused cheaply without blocking the event loop', async (t) => {
  const c = await start(t);
  const value = 'AB12 '.repeat(204);
  const props = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, value]));
  const body = JSON.stringify(batch(Array.from({ length: 45 }, () => identify({ customProperties: props }))));
  assert.ok(gzipSync(body).length < 9000, `${gzipSync(body).length} bytes of gzip`);

  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const r = await post(c, body, { gzip: true });
  h.disable();
  const worstMs = h.max / 1e6;
  assert.ok(r.status === 413 || r.status === 422, `${r.status} ${r.text.slice(0, 100)}`);
  assert.ok(worstMs < 250, `the event loop was blocked for ${worstMs.toFixed(0)} ms`);

  // The largest single event the SDK can send (an id of 256 characters, 20 custom keys of 128
  // and values of 1024) still passes.
  const key = (i) => `k${String(i).padStart(127, '0')}`;
  const one = identify({ id: 'u'.repeat(256), customProperties: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [key(i), 'x'.repeat(1024)])) });
  const ok = await post(c, batch([one]), { gzip: true });
  assert.equal(ok.status, 200, ok.text);
});

test('file store: exact with a saturated Bloom filter, and a partial last line left by a crash is dropped at open', async (t) => {
  const { openFileStore } = await import('../../js/collector/store-file.js');
  const { appendFileSync } = await import('node:fs');
  const dataDir = mkdtempSync(join(tmpdir(), 'sessionsight-filestore-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Records as protocol.js hands them to a store: canonical keys and the line to write.
  const record = () => {
    const r = { ...sessionStart(), receivedAt: TS, dropped: 0 };
    return { ...r, json: JSON.stringify(r) };
  };

  // 64 bits: every lookup is a "maybe", so every answer comes from reading the file.
  let store = await openFileStore(dataDir, { bloomBits: 64 });
  const first = Array.from({ length: 50 }, record);
  assert.equal((await store.insert(first)).size, 50);
  const next = [first[3], record(), first[49], record()];
  assert.deepEqual([...await store.insert(next)], [next[1].messageId, next[3].messageId]);
  await store.close();

  appendFileSync(join(dataDir, 'events.ndjson'), '{"type":"session_start","messageId":"'); // a crash mid-append
  store = await openFileStore(dataDir, { bloomBits: 64, recent: 10 });
  t.after(() => store.close());
  assert.equal(store.loaded.length, 10);
  assert.equal(store.loaded.at(-1).messageId, next[3].messageId);
  const later = record();
  assert.deepEqual([...await store.insert([first[0], later])], [later.messageId]);
  const lines = readFileSync(join(dataDir, 'events.ndjson'), 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 53);
  for (const line of lines) JSON.parse(line); // every line whole
});
