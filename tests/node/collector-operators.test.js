// The collector as operators run it and attackers meet it (SPEC §6): one data folder per
// process (the port bound first, the folder locked, acknowledged events never removed), the
// protocol's grammar for every field, canonical ids before deduplication, cost bounded before
// parsing (inflated size, compression ratio, one budget for the bodies in flight) and a 413 that
// reaches a client still sending. Real collector processes and HTTP on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollector } from '../../js/collector.js';
import { spawnCollector as spawnProcess } from '../../scripts/collector-process.mjs';

const TS = '2026-11-22T10:00:00.000Z';
const uuid = () => crypto.randomUUID();
const sessionStart = (o = {}) => ({ type: 'session_start', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), previousSessionId: null, reason: 'new_tab', ...o });
const identify = (o = {}) => ({ type: 'identify', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), id: 'user-1', customProperties: { plan: 'pro' }, ...o });
const batch = (events, o = {}) => ({ apiKey: 'pk_test', sentAt: TS, dropped: 0, events, ...o });
const tempDir = (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sessionsight-operators-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

async function start(t, options = {}) {
  const dataDir = options.dataDir || tempDir(t);
  const c = await startCollector({ port: 0, quiet: true, dataDir, ...options });
  t.after(() => c.close());
  return { ...c, dataDir, file: join(dataDir, 'events.ndjson') };
}

async function post(url, body, { gzip = false } = {}) {
  let payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
  if (gzip) { payload = gzipSync(payload); headers['Content-Encoding'] = 'gzip'; }
  const res = await fetch(`${url}/ingest`, { method: 'POST', headers, body: payload });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: res.status, text, json, headers: res.headers };
}

const fileLines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

/** `node js/collector.js` as its own process, stopped after the test. */
async function spawnCollector(t, env) {
  const c = await spawnProcess(env);
  t.after(c.stop);
  return c;
}

/** Calls `attempt` every 20 ms until `done(result)`, at most 100 times; resolves to that result or undefined. */
async function until(attempt, done) {
  for (let i = 0; i < 100; i++) {
    const r = await attempt();
    if (done(r)) return r;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return undefined;
}

// ── 1. one data folder, one process ────────────────────────────────────────────────────────

test('a second collector on the same data folder refuses to start and removes nothing, on another port or the same one, under load', async (t) => {
  const dataDir = tempDir(t);
  const a = await spawnCollector(t, { DATA_DIR: dataDir, PORT: '0' });
  assert.ok(a.url, `the first collector started: ${a.out}`);
  const port = new URL(a.url).port;
  const acked = [];
  let loading = true;
  const load = (async () => {
    while (loading) {
      const b = batch(Array.from({ length: 20 }, () => sessionStart()));
      const r = await post(a.url, b);
      if (r.status === 200) acked.push(...b.events.map((e) => e.messageId));
    }
  })();
  const seen = () => new Promise((r) => { const n = acked.length; const check = () => (acked.length > n + 40 ? r() : setTimeout(check, 5)); check(); });
  const outcomes = [];
  try {
    await seen();
    for (const PORT of ['0', port, '0', port]) {
      const b = await spawnCollector(t, { DATA_DIR: dataDir, PORT });
      if (b.url) b.child.kill('SIGKILL');
      outcomes.push({ PORT, served: !!b.url, code: b.code, out: b.out });
      await seen();
    }
  } finally {
    loading = false;
    await load;
  }
  for (const b of outcomes) {
    assert.equal(b.served, false, `a second process on the folder (PORT=${b.PORT}) must not serve`);
    assert.notEqual(b.code, 0);
    if (b.PORT === '0') assert.match(b.out, /in use by collector process \d+/, 'it names the lock and its holder');
  }
  const onDisk = new Set(fileLines(join(dataDir, 'events.ndjson')).map((e) => e.messageId));
  const lost = acked.filter((id) => !onDisk.has(id));
  assert.equal(lost.length, 0, `${lost.length} of ${acked.length} acknowledged events were removed from the file`);
  // The lock goes with its holder: a collector started after the first one stopped serves the same folder.
  await a.stop();
  const c = await spawnCollector(t, { DATA_DIR: dataDir, PORT: '0' });
  assert.ok(c.url, `the folder is free again: ${c.out}`);
  assert.equal((await post(c.url, batch([sessionStart({ messageId: acked[0] })]))).json.duplicates, 1, 'it knows what the first one stored');
});

test('in one process too: a second startCollector on a locked folder rejects; a stale lock of a dead process is taken over', async (t) => {
  const c = await start(t);
  const second = await startCollector({ port: 0, quiet: true, dataDir: c.dataDir }).catch((e) => e);
  if (!(second instanceof Error)) await second.close();
  assert.match(String(second?.message), /in use by collector process/);
  assert.equal((await post(c.url, batch([sessionStart()]))).status, 200, 'the first one still serves');
  const stale = tempDir(t);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(stale, 'collector.lock'), '2147483646\n'); // no such process
  const d = await start(t, { dataDir: stale });
  assert.equal((await post(d.url, batch([sessionStart()]))).status, 200);
  // A lock naming this very pid that this process does not hold: a container's pid 1 restarted.
  const reborn = tempDir(t);
  writeFileSync(join(reborn, 'collector.lock'), `${process.pid}\n`);
  const e = await start(t, { dataDir: reborn });
  assert.equal((await post(e.url, batch([sessionStart()]))).status, 200);
});

// ── 2, 3. the protocol's grammar for every field ────────────────────────────────────────────

test('timestamps must be ISO-8601 UTC like sentAt: free text, PII, padding, NUL, offsets and impossible dates are 4xx and nothing is stored', async (t) => {
  const c = await start(t);
  const bad = [
    'ana@example.com 123-45-6789 4111 1111 1111 1111',
    `${TS}${' '.repeat(700)}`,
    `${TS}\u0000`,
    '2026-11-22T10:00:00.000\u0000Z',
    '2026-11-22T10:00:00.000+01:00',
    '2026-02-30T10:00:00.000Z',
    '2026-11-22T25:00:00.000Z',
    '2026-11-22 10:00:00.000Z',
    '20261122T100000Z0000000000',
  ];
  for (const timestamp of bad) {
    const good = sessionStart();
    for (const event of [sessionStart({ timestamp }), identify({ timestamp })]) {
      const r = await post(c.url, batch([good, event]));
      assert.equal(r.status, 422, `${JSON.stringify(timestamp)}: ${r.text}`);
      assert.match(r.json.detail, /^events\[1\]\.timestamp: invalid_timestamp/);
    }
    const s = await post(c.url, batch([good], { sentAt: timestamp }));
    assert.equal(s.status, 400, `sentAt ${JSON.stringify(timestamp)}`);
    assert.equal(s.json.error, 'invalid_sent_at');
  }
  assert.equal(fileLines(c.file).length, 0);
  assert.ok(!readFileSync(c.file, 'utf8').includes('123-45-6789'));
  for (const timestamp of ['2024-02-29T23:59:59.999Z', '2026-11-22T10:00:00Z', '2026-11-22T10:00:00.123456Z']) {
    assert.equal((await post(c.url, batch([sessionStart({ timestamp })], { sentAt: timestamp }))).status, 200, timestamp);
  }
});

test('dropped is an integer within 0..2^31-1; anything else is a 400, and the largest is stored', async (t) => {
  const c = await start(t);
  for (const dropped of [2 ** 31, 1e21, 2 ** 53, -1, 1.5, '7', true, [], {}]) {
    const r = await post(c.url, batch([sessionStart()], { dropped }));
    assert.equal(r.status, 400, `dropped ${JSON.stringify(dropped)}: ${r.text}`);
    assert.equal(r.json.error, 'invalid_dropped');
  }
  assert.equal((await post(c.url, '{"apiKey":"pk","sentAt":"2026-11-22T10:00:00.000Z","dropped":1e400,"events":[]}')).status, 400);
  assert.equal((await post(c.url, batch([sessionStart()], { dropped: 2 ** 31 - 1 }))).status, 200);
  assert.equal(fileLines(c.file)[0].dropped, 2 ** 31 - 1);
});

test('apiKey, reason, previousSessionId and custom values keep to the grammar too', async (t) => {
  const c = await start(t);
  const cases = [
    [batch([sessionStart()], { apiKey: 'k'.repeat(257) }), 400, 'invalid_api_key'],
    [batch([sessionStart()], { apiKey: 'pk\u0000' }), 400, 'invalid_api_key'],
    [batch([sessionStart({ reason: 'new_tab ' })]), 422, 'invalid_reason'],
    [batch([sessionStart({ previousSessionId: 'x' })]), 422, 'invalid_uuid'],
    [batch([identify({ customProperties: { n: null } })]), 422, 'value_type'],
    [batch([identify({ id: 42 })]), 422, 'id_type'],
  ];
  for (const [body, status, code] of cases) {
    const r = await post(c.url, body);
    assert.equal(r.status, status, r.text);
    assert.ok(r.json.error === code || r.json.detail.includes(code), `${code}: ${r.text}`);
  }
  assert.equal(fileLines(c.file).length, 0);
});

// ── 5. canonical ids before deduplication ───────────────────────────────────────────────────

test('ids are made canonical (lower case, trimmed) before deduplication: one event, whatever its spelling, is stored once', async (t) => {
  const c = await start(t, { limits: { seen: 1 } }); // the store, not the memory, decides
  const event = sessionStart();
  const spellings = [event.messageId, event.messageId.toUpperCase(), ` ${event.messageId} `, `\t${event.messageId.toUpperCase()}\n`];
  let accepted = 0;
  for (const messageId of spellings) {
    const visitorId = ` ${event.visitorId.toUpperCase()} `;
    const r = await post(c.url, batch([{ ...event, messageId, visitorId }, sessionStart()]));
    assert.equal(r.status, 200, r.text);
    accepted += r.json.accepted;
  }
  const stored = fileLines(c.file).filter((e) => e.messageId === event.messageId);
  assert.equal(stored.length, 1, 'one id, stored once');
  assert.equal(accepted, 1 + spellings.length);
  assert.equal(stored[0].visitorId, event.visitorId, 'the visitor id is stored canonical, as forRequest reads it');
  const both = await post(c.url, batch([{ ...sessionStart(), messageId: event.messageId.toUpperCase() }]));
  assert.deepEqual([both.json.accepted, both.json.duplicates], [0, 1]);
  // Within one batch as well.
  const twin = sessionStart();
  const r = await post(c.url, batch([twin, { ...twin, messageId: twin.messageId.toUpperCase() }]));
  assert.deepEqual([r.json.accepted, r.json.duplicates], [1, 1]);
});

// ── 4. cost bounded before parsing ──────────────────────────────────────────────────────────

test('a gzip body that inflates past the cap or past the compression ratio is a 413, without being parsed', async (t) => {
  const c = await start(t);
  // 1 KB that inflates to 1 MiB of whitespace around a valid batch: the bomb of the report.
  const bomb = gzipSync(`${' '.repeat(1024 * 1024)}${JSON.stringify(batch([sessionStart()]))}`, { level: 9 });
  assert.ok(bomb.length < 2048, `${bomb.length} bytes`);
  const sent = await fetch(`${c.url}/ingest`, { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: bomb });
  assert.equal(sent.status, 413, await sent.text());
  // 300 KB of valid JSON (a batch followed by whitespace) inflates past the 256 KiB cap.
  const large = `${JSON.stringify(batch([sessionStart()])).slice(0, -1)}${' '.repeat(300 * 1024)}}`;
  const big = await fetch(`${c.url}/ingest`, { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: gzipSync(large) });
  assert.equal(big.status, 413);
  // A real batch, gzipped as the SDK sends it, is fine; so is a small body with a high ratio.
  assert.equal((await post(c.url, batch(Array.from({ length: 50 }, () => identify())), { gzip: true })).status, 200);
  assert.equal((await post(c.url, `${JSON.stringify(batch([sessionStart()]))}${' '.repeat(30_000)}`, { gzip: true })).status, 200);
  assert.equal(fileLines(c.file).length, 51, 'only the two real batches were stored');
});

test('one budget for the body bytes in flight: past it a request is answered 503 with Retry-After, and served again once bodies finish', async (t) => {
  const c = await start(t, { limits: { inflightBytes: 1024 * 1024 } });
  // Four slow clients each announce 256 KiB and send half of it: the budget is full.
  const sockets = [];
  for (let i = 0; i < 4; i++) {
    const s = connect(c.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write(`POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${256 * 1024}\r\n\r\n${' '.repeat(128 * 1024)}`);
    sockets.push(s);
  }
  t.after(() => sockets.forEach((s) => s.destroy()));
  const refused = await until(() => post(c.url, batch([sessionStart()])), (r) => r.status === 503);
  assert.ok(refused, 'a request past the budget is refused');
  assert.equal(refused.json.error, 'busy');
  assert.equal(refused.headers.get('retry-after'), '1');
  sockets.forEach((s) => s.destroy());
  const served = await until(() => post(c.url, batch([sessionStart()])), (r) => r.status === 200);
  assert.ok(served, 'the budget is given back when the slow bodies go away');
});

// ── 9. a 413 reaches a client that is still sending ─────────────────────────────────────────

/**
 * Uploads `size` bytes with fetch, 256 KiB at a time with a pause between chunks (a client on a
 * real network), declared in Content-Length or chunked; resolves with the status or the error.
 */
async function upload(c, size, { chunked = false } = {}) {
  const chunk = new Uint8Array(256 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream({
    async pull(controller) {
      if (sent >= size) return controller.close();
      sent += chunk.length;
      await new Promise((r) => setTimeout(r, 2));
      controller.enqueue(chunk);
    },
  });
  const headers = chunked ? {} : { 'Content-Length': String(size) };
  try {
    const r = await fetch(`${c.url}/ingest`, { method: 'POST', body, duplex: 'half', headers, signal: AbortSignal.timeout(30_000) });
    await r.text();
    return { status: r.status };
  } catch (e) {
    return { error: e.cause?.code || e.message };
  }
}

test('bodies of 4 to 16 MiB are answered 413 every time, never a broken pipe, declared or chunked', async (t) => {
  const c = await start(t);
  const results = [];
  for (let round = 0; round < 2; round++) {
    for (const mib of [4, 8, 16]) {
      for (const chunked of [false, true]) results.push({ mib, chunked, ...(await upload(c, mib * 1024 * 1024, { chunked })) });
    }
  }
  const wrong = results.filter((r) => r.status !== 413);
  assert.deepEqual(wrong, [], 'every oversized body gets its 413');
  assert.equal((await post(c.url, batch([sessionStart()]))).status, 200);
});

test('values holding tabs, newlines and quotes are stored as sent (the core hands records over as tab-separated lines)', async (t) => {
  const c = await start(t);
  const e = identify({ customProperties: { note: 'a\tb\nc "d" \\ e', plan: 'pro' } });
  assert.equal((await post(c.url, batch([e]))).status, 200);
  assert.deepEqual(fileLines(c.file)[0].customProperties, e.customProperties);
  assert.deepEqual(c.state.events[0].customProperties, e.customProperties);
});
