// PostgreSQL store (DATABASE_URL=postgres://…): one table, `message_id` unique, insert-or-ignore
// in one statement with rows in `message_id` order (two processes inserting overlapping batches
// take their row locks in the same order, so they never deadlock), so any number of collector
// processes share the database and each event is stored exactly once. Sealed sessions and
// injected faults live in the database too (`shared`), so every process agrees on them.
// Same interface as store-file.js.
import { nextFault } from './faults.js';
const LOCK_KEY = 7_355_608; // serialises schema creation between processes starting together

/** Connects, creates the table if needed, and loads the `recent` newest records. */
export async function openPgStore(url, { recent = 10_000, table = 'sessionsight_events', poolSize = 4, warn = console.error } = {}) {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`invalid table name ${table}`);
  let pg;
  try {
    pg = (await import('pg')).default;
  } catch (_) {
    throw new Error('DATABASE_URL is set but the "pg" driver is missing: run `npm install` in the project folder');
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000, query_timeout: 15000 });
  // A connection dropped while idle is replaced on the next query; it must not crash the process.
  pool.on('error', (e) => warn(`collector: postgres connection lost (${e.code || e.message})`));

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      message_id text NOT NULL UNIQUE,
      type text NOT NULL,
      visitor_id text NOT NULL,
      session_id text NOT NULL,
      event_at text NOT NULL,
      received_at timestamptz NOT NULL,
      dropped integer NOT NULL DEFAULT 0,
      body json NOT NULL)`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table}_sealed (
      session_id text PRIMARY KEY,
      sealed_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table}_faults (
      id int PRIMARY KEY CHECK (id = 1),
      faults jsonb NOT NULL,
      requests bigint NOT NULL DEFAULT 0)`);
    await client.query(`INSERT INTO ${table}_faults (id, faults) VALUES (1, '{}') ON CONFLICT (id) DO NOTHING`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
    await pool.end();
    throw e;
  }
  client.release();

  const { rows } = await pool.query(`SELECT body FROM (SELECT seq, body FROM ${table} ORDER BY seq DESC LIMIT $1) t ORDER BY seq`, [recent]);

  return {
    name: 'postgres',
    table,
    loaded: rows.map((r) => r.body),
    async insert(records) {
      if (!records.length) return new Set();
      const columns = [[], [], [], [], [], [], [], []];
      const ordered = [...records].sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
      for (const r of ordered) {
        const values = [r.messageId, r.type, r.visitorId, r.sessionId, r.timestamp, r.receivedAt, r.dropped || 0, r.json];
        values.forEach((v, i) => columns[i].push(v));
      }
      // One statement: committed as a whole when it returns, or not at all.
      const { rows: inserted } = await pool.query(
        `INSERT INTO ${table} (message_id, type, visitor_id, session_id, event_at, received_at, dropped, body)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::json[])
         ON CONFLICT (message_id) DO NOTHING RETURNING message_id`, columns);
      return new Set(inserted.map((r) => r.message_id));
    },
    async reset() {
      await pool.query(`TRUNCATE ${table}, ${table}_sealed`);
      await pool.query(`UPDATE ${table}_faults SET faults = '{}', requests = 0`);
    },
    shared: {
      /** One read when no fault is set; else the decision and its update in one transaction. */
      async takeFault(size) {
        const { rows } = await pool.query(`SELECT 1 FROM ${table}_faults WHERE faults <> '{}'::jsonb`);
        if (!rows.length) return nextFault({}, 0, size);
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const { rows: [row] } = await c.query(`SELECT faults, requests FROM ${table}_faults WHERE id = 1 FOR UPDATE`);
          const n = Number(row.requests) + 1;
          const decision = nextFault(row.faults, n, size);
          await c.query(`UPDATE ${table}_faults SET faults = $1, requests = $2 WHERE id = 1`, [JSON.stringify(decision.next), n]);
          await c.query('COMMIT');
          return decision;
        } catch (e) {
          await c.query('ROLLBACK').catch(() => {});
          throw e;
        } finally {
          c.release();
        }
      },
      async getFaults() {
        const { rows: [row] } = await pool.query(`SELECT faults FROM ${table}_faults WHERE id = 1`);
        return row ? row.faults : {};
      },
      async setFaults(faults) {
        await pool.query(`UPDATE ${table}_faults SET faults = $1, requests = 0 WHERE id = 1`, [JSON.stringify(faults)]);
      },
      async seal(sessionId) {
        await pool.query(`INSERT INTO ${table}_sealed (session_id) VALUES ($1) ON CONFLICT DO NOTHING`, [sessionId]);
        const { rows: sealed } = await pool.query(`SELECT session_id FROM ${table}_sealed ORDER BY sealed_at, session_id LIMIT 10000`);
        return sealed.map((r) => r.session_id);
      },
      async sealedAmong(ids) {
        if (!ids.length) return [];
        const { rows: sealed } = await pool.query(`SELECT session_id FROM ${table}_sealed WHERE session_id = ANY($1::text[])`, [ids]);
        return sealed.map((r) => r.session_id);
      },
    },
    close: () => pool.end(),
  };
}
