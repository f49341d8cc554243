// The collector on PostgreSQL (DATABASE_URL): a throw-away PostgreSQL server on loopback in a
// temporary folder (initdb + pg_ctl, as an unprivileged user when run as root), the collector
// in-process and as separate processes sharing it. Where the PostgreSQL server programs are not
// installed the tests are reported as skipped, saying what to install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../../js/collector.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TS = '2026-11-22T10:00:00.000Z';
const uuid = () => crypto.randomUUID();
const sessionStart = () => ({ type: 'session_start', messageId: uuid(), timestamp: TS, visitorId: uuid(), sessionId: uuid(), previousSessionId: null, reason: 'new_tab' });
const batch = (events) => ({ apiKey: 'pk_test', sentAt: TS, dropped: 0, events });

/** The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin. */
function findPgBin() {
  const onPath = (process.env.PATH || '').split(delimiter).filter((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
  if (onPath.length) return onPath[0];
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

const pgBin = findPgBin();
const pgDriver = await import('pg').then((m) => m.default, () => null);
const skip = !pgBin
  ? 'PostgreSQL server programs (initdb, pg_ctl) not found: install them (Debian/Ubuntu: apt-get install postgresql; or run `bash scripts/setup.sh test` as root)'
  : !pgDriver ? 'the "pg" driver is not installed: run `npm install`' : false;
if (skip) console.log(`collector-pg: skipped: ${skip}`);

/** PostgreSQL refuses to run as root: then it runs as `postgres` (or `nobody`). */
function runAs() {
  if (process.getuid?.() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** A throw-away PostgreSQL server; resolves to { url, stop, start, query }. */
async function startPostgres(t) {
  const dir = mkdtempSync(join(tmpdir(), 'sessionsight-pg-'));
  const user = runAs();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const run = (cmd, args) => {
    const r = spawnSync(join(pgBin, cmd), args, { cwd: dir, ...user, encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'sessionsight', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`;
  const startServer = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  const stopServer = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  startServer();
  const url = `postgres://sessionsight@127.0.0.1:${port}/postgres`;
  /** One short connection per query: the server is stopped and started again in a test. */
  const query = async (sql, params) => {
    const client = new pgDriver.Client({ connectionString: url });
    await client.connect();
    try { return await client.query(sql, params); } finally { await client.end(); }
  };
  t.after(async () => {
    try { stopServer(); } catch (_) { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true });
  });
  return { url, start: startServer, stop: stopServer, query };
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
  assert.deepEqual(rows.map((r) => r.message_id), first.events.map((e) => e.messageId));
  const { receivedAt, dropped, ...sent } = rows[0].body;
  assert.deepEqual(sent, first.events[0]);

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
function spawnCollector(t, databaseUrl) {
  const child = spawn(process.execPath, [join(ROOT, 'js/collector.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); }));
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`collector did not start: ${out}`)), 30_000);
    child.stderr.on('data', (d) => { out += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const url = /collector: (http:\/\/\S+?)\/\s/.exec(out);
      const token = /control token: (\S+)/.exec(out);
      if (url && token) {
        clearTimeout(timer);
        assert.match(token[1], /^[\w-]{32}$/, 'a random control token was printed');
        ok({ url: url[1], token: token[1], child });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`collector exited with ${code}: ${out}`)); });
  });
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
