// The collector on PostgreSQL (DATABASE_URL): a throw-away PostgreSQL server on loopback in a
// temporary folder (initdb + pg_ctl, as an unprivileged user when run as root), the collector
// in-process and as separate processes sharing it. Where the PostgreSQL server programs are not
// installed the tests are reported as skipped, saying what to install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector } from '../../js/collector.js';
import { spawnCollector as spawnProcess } from '../../scripts/collector-process.mjs';
import { findPgBin, startPostgres as startServer } from '../../scripts/pg-server.mjs';

const TS = '2026-11-22T10:00:00.000Z';
const uuid = () => crypto.randomUUID();
const sessionStart = (o = {}) => ({ type: 'session_start', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), previousSessionId: null, reason: 'new_tab', ...o });
const batch = (events) => ({ apiKey: 'pk_test', sentAt: TS, dropped: 0, events });

const pgBin = findPgBin();
const pgDriver = await import('pg').then((m) => m.default, () => null);
const skip = !pgBin
  ? 'PostgreSQL server programs (initdb, pg_ctl) not found: install them (Debian/Ubuntu: apt-get install postgresql; or run `bash scripts/setup.sh test` as root)'
  : !pgDriver ? 'the "pg" driver is not installed: run `npm install`' : false;
if (skip) console.log(`collector-pg: skipped: ${skip}`);

/** A throw-away PostgreSQL server for one test; resolves to { url, stop, start, query }. */
async function startPostgres(t) {
  const server = await startServer(pgBin, ['fsync=off', 'full_page_writes=off']);
  t.after(() => server.remove());
  const { url } = server;
  /** One short connection per query: the server is stopped and started again in a test. */
  const query = async (sql, params) => {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try { return await client.query(sql, params); } finally { await client.end(); }
  };
  return { url, start: server.start, stop: server.stop, query };
}

async function post(url, body) {
  const res = await fetch(`${url}/ingest`, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json; try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: res.status, text, json };
}

test('PostgreSQL store: table created at start, stored once, the database is the truth, an outage is a 503 and the retry is stored', { skip }, async (t) => {
  const db = await startPostgres(t);
  const c = await startCollector({ port: 0, quiet: true, databaseUrl: db.url, limits: { seen: 5 } });
  let open = c;
  t.after(() => open.close());
  const { rows: tables } = await db.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'sessionsight_events'");
  assert.ok(tables.some((r) => /UNIQUE INDEX .*\(message_id\)/.test(r.indexdef)), 'message_id is unique');

  const first = batch(Array.from({ length: 10 }, sessionStart));
  assert.deepEqual((await post(c.url, first)).json, { accepted: 10, duplicates: 0, sealed: [] });
  // Five ids are remembered in memory at most: the other five are found duplicate by the database.
  assert.ok(c.state.seen.size <= 5);
  assert.deepEqual((await post(c.url, first)).json, { accepted: 0, duplicates: 10, sealed: [] });
  const { rows } = await db.query('SELECT body, message_id FROM sessionsight_events ORDER BY seq');
  // Within a batch, rows go in message_id order (so two processes never deadlock on them).
  assert.deepEqual(rows.map((r) => r.message_id), first.events.map((e) => e.messageId).sort());
  const { receivedAt, dropped, ...sent } = rows[0].body;
  assert.deepEqual(sent, first.events.find((e) => e.messageId === rows[0].message_id));

  // The database goes away: the batch is refused with a 5xx, nothing counts as seen.
  const during = batch([sessionStart(), sessionStart()]);
  db.stop();
  const refused = await post(c.url, during);
  assert.ok(refused.status >= 500, `${refused.status} ${refused.text}`);
  db.start();
  const retried = await post(c.url, during);
  assert.deepEqual(retried.json, { accepted: 2, duplicates: 0, sealed: [] }, 'the retry after the outage is stored');

  // A new process on the same database knows everything stored.
  await c.close();
  open = await startCollector({ port: 0, quiet: true, databaseUrl: db.url });
  assert.equal(open.state.events.length, 12, 'recent events loaded from the database');
  assert.deepEqual((await post(open.url, during)).json, { accepted: 0, duplicates: 2, sealed: [] });
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM sessionsight_events');
  assert.equal(n, 12);
});

/** Starts `node js/collector.js` as its own process on `databaseUrl`; resolves to { url, token, child }. */
async function spawnCollector(t, databaseUrl) {
  const c = await spawnProcess({ DATABASE_URL: databaseUrl });
  t.after(c.stop);
  assert.ok(c.url, `the collector started: ${c.out}`);
  assert.match(c.token, /^[\w-]{32}$/, 'a random control token was printed');
  return c;
}

test('two collector processes on one PostgreSQL, same batches and each other\'s retries: every event stored exactly once', { skip }, async (t) => {
  const db = await startPostgres(t);
  const [a, b] = await Promise.all([spawnCollector(t, db.url), spawnCollector(t, db.url)]);
  // Each process fails some requests, so clients retry on the other one.
  for (const [c, faults] of [[a, { failEvery: 3 }], [b, { failEvery: 4 }]]) {
    const r = await fetch(`${c.url}/control/faults`, { method: 'POST', headers: { Authorization: `Bearer ${c.token}` }, body: JSON.stringify(faults) });
    assert.equal(r.status, 200);
  }

  const batches = Array.from({ length: 30 }, () => batch(Array.from({ length: 20 }, sessionStart)));
  let accepted = 0;
  const statuses = new Map();
  /** Delivers one batch like the SDK: on a 5xx, retry (here: on the other process) until a 200. */
  async function deliver(body, first) {
    const order = [first, first === a ? b : a];
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await post(order[attempt % 2].url, body);
      statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
      if (r.status === 200) { accepted += r.json.accepted; return; }
      assert.equal(r.json.error, 'injected_failure', `only injected failures: ${r.status} ${r.text}`);
    }
    assert.fail('a batch was never accepted');
  }
  // Every batch goes to both processes at the same time (a client resending after a timeout),
  // then once more to each (answers lost on the way back).
  await Promise.all(batches.map((body) => Promise.all([deliver(body, a), deliver(body, b)])));
  await Promise.all(batches.map((body) => Promise.all([deliver(body, b), deliver(body, a)])));

  const ids = batches.flatMap((x) => x.events.map((e) => e.messageId));
  const { rows } = await db.query('SELECT message_id, count(*)::int AS n FROM sessionsight_events GROUP BY message_id');
  assert.equal(rows.length, ids.length, 'every event is stored');
  assert.ok(rows.every((r) => r.n === 1), 'none twice');
  assert.deepEqual(new Set(rows.map((r) => r.message_id)), new Set(ids));
  assert.equal(accepted, ids.length, 'the processes together reported each event accepted exactly once');
  assert.ok(statuses.get(503) > 0, 'some deliveries were retried on the other process');
});

/** Control call on a collector started in-process. */
const controlCall = (c, path, body) => fetch(`${c.url}/control/${path}`, { method: 'POST', headers: { Authorization: `Bearer ${c.token}` }, body: JSON.stringify(body) }).then((r) => r.json());

test('PostgreSQL: input that can never be stored is a 4xx, never a 503 retried forever, and the valid batches that follow are stored', { skip }, async (t) => {
  const db = await startPostgres(t);
  const c = await startCollector({ port: 0, quiet: true, databaseUrl: db.url });
  t.after(() => c.close());
  const cases = [
    batch([sessionStart(), { ...sessionStart(), timestamp: `${TS}\u0000` }]),
    batch([sessionStart(), { ...sessionStart(), timestamp: 'ana@example.com 123-45-6789 4111 1111 1111 1111' }]),
    batch([sessionStart(), { ...sessionStart(), timestamp: `${TS}${' '.repeat(700)}` }]),
    { ...batch([sessionStart()]), dropped: 2 ** 31 },
    { ...batch([sessionStart()]), dropped: 1e21 },
    { ...batch([sessionStart()]), sentAt: `${TS}\u0000` },
  ];
  for (const body of cases) {
    const r = await post(c.url, body);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text}`);
  }
  // A NUL inside a stored value (a custom property) is stored as JSON text, not refused by the database.
  const withNul = { ...sessionStart(), type: 'identify', id: 'user-1', customProperties: { note: 'a\u0000b' } };
  delete withNul.previousSessionId;
  delete withNul.reason;
  const nul = await post(c.url, batch([withNul]));
  assert.ok(nul.status === 200 || (nul.status >= 400 && nul.status < 500), `${nul.status} ${nul.text}`);
  const fine = batch([sessionStart(), sessionStart()]);
  assert.equal((await post(c.url, { ...fine, dropped: 2 ** 31 - 1 })).status, 200);
  const { rows } = await db.query('SELECT message_id, dropped FROM sessionsight_events WHERE message_id = ANY($1)', [fine.events.map((e) => e.messageId)]);
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.dropped === 2 ** 31 - 1));
  const { rows: [{ n }] } = await db.query("SELECT count(*)::int AS n FROM sessionsight_events WHERE event_at <> '2026-11-22T10:00:00.000Z'");
  assert.equal(n, 0, 'no timestamp but the valid one was stored');
});

test('PostgreSQL: ids are canonical before deduplication (one id in four spellings is one row) and stored lower-case', { skip }, async (t) => {
  const db = await startPostgres(t);
  const c = await startCollector({ port: 0, quiet: true, databaseUrl: db.url, limits: { seen: 1 } });
  t.after(() => c.close());
  const e = sessionStart();
  for (const messageId of [e.messageId, e.messageId.toUpperCase(), ` ${e.messageId} `, e.messageId.toUpperCase()]) {
    const r = await post(c.url, batch([{ ...e, messageId, visitorId: ` ${e.visitorId.toUpperCase()}` }, sessionStart()]));
    assert.equal(r.status, 200, r.text);
  }
  const { rows } = await db.query('SELECT message_id, visitor_id FROM sessionsight_events WHERE lower(trim(message_id)) = $1', [e.messageId]);
  assert.deepEqual(rows, [{ message_id: e.messageId, visitor_id: e.visitorId }]);
});

test('PostgreSQL: two collectors inserting overlapping batches in opposite orders never deadlock (no 503)', { skip }, async (t) => {
  const db = await startPostgres(t);
  const [a, b] = await Promise.all([0, 1].map(() => startCollector({ port: 0, quiet: true, databaseUrl: db.url, limits: { seen: 1 } })));
  t.after(() => Promise.all([a.close(), b.close()]));
  const statuses = [];
  let sent = 0;
  for (let round = 0; round < 10; round++) {
    // Fresh ids each round: the two inserts meet each other's uncommitted rows, not committed ones.
    const pool = Array.from({ length: 400 }, () => sessionStart());
    sent += pool.length;
    const sends = [];
    for (let i = 0; i < 8; i++) {
      const events = [...pool].sort(() => Math.random() - 0.5).slice(0, 200);
      sends.push(post(a.url, batch(events)), post(b.url, batch([...events].reverse())));
    }
    statuses.push(...(await Promise.all(sends)).map((r) => r.status));
  }
  assert.equal(statuses.length, 160);
  assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every request answered 200');
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM sessionsight_events');
  assert.ok(n <= sent && n > 0, `${n} rows`);
  const { rows } = await db.query('SELECT message_id, count(*)::int AS k FROM sessionsight_events GROUP BY message_id HAVING count(*) > 1');
  assert.deepEqual(rows, [], 'none twice');
});

test('PostgreSQL: sealed sessions and injected faults are shared by every process behind the balancer', { skip }, async (t) => {
  const db = await startPostgres(t);
  const [a, b] = await Promise.all([0, 1].map(() => startCollector({ port: 0, quiet: true, databaseUrl: db.url })));
  t.after(() => Promise.all([a.close(), b.close()]));
  const session = uuid();
  assert.deepEqual((await controlCall(a, 'seal', { sessionId: session })).sealed, [session]);
  const onB = await post(b.url, batch([sessionStart({ sessionId: session })]));
  assert.deepEqual(onB.json.sealed, [session], 'B reports the session A sealed');
  await controlCall(b, 'faults', { fail: 2, status: 503 });
  assert.deepEqual(await fetch(`${a.url}/control/faults`, { headers: { Authorization: `Bearer ${a.token}` } }).then((r) => r.json()), { faults: { fail: 2, status: 503 } });
  const first = batch([sessionStart()]);
  const answers = [await post(a.url, first), await post(b.url, first), await post(a.url, first)];
  assert.deepEqual(answers.map((r) => r.status), [503, 503, 200], 'the two failures set on B are spent by A and B together');
  await controlCall(a, 'reset', {});
  assert.deepEqual((await post(b.url, batch([sessionStart({ sessionId: session })]))).json.sealed, [], 'a reset clears the shared seals');
});
