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
    /**
     * Inserts the records, unless faults are set and `force` is not (then nothing is inserted
     * and `faultsActive` is true), and reads which of `sessionIds` are sealed: one statement,
     * one round trip per batch. Resolves to { stored: Set, sealed: [], faultsActive }.
     */
    async ingest(records, sessionIds, force = false) {
      // The rows as one JSON text: every key was checked to the protocol's grammar (ids,
      // timestamps, type: nothing to escape), so this costs a join and one native escape of each
      // record's text, where eight text arrays cost the driver an escape of every element. The
      // record goes as text, cast to json, so a \u0000 inside a value stays an escape.
      const rows = records.map((r) => `{"m":"${r.messageId}","t":"${r.type}","v":"${r.visitorId}","s":"${r.sessionId}","e":"${r.timestamp}","r":"${r.receivedAt}","d":${r.dropped || 0},"b":${JSON.stringify(r.json)}}`);
      // Rows in message_id order (byte order, whatever the database's collation): two processes
      // inserting overlapping batches take their locks in the same order and never deadlock.
      const { rows: out } = await pool.query(
        `WITH f AS (SELECT faults <> '{}'::jsonb AS active FROM ${table}_faults WHERE id = 1),
         ins AS (
           INSERT INTO ${table} (message_id, type, visitor_id, session_id, event_at, received_at, dropped, body)
           SELECT m, t, v, s, e, r, d, b::json FROM json_to_recordset($1::json) AS x(m text, t text, v text, s text, e text, r timestamptz, d int, b text)
           WHERE $3::boolean OR NOT coalesce((SELECT active FROM f), false)
           ORDER BY m COLLATE "C"
           ON CONFLICT (message_id) DO NOTHING RETURNING message_id)
         SELECT 'i' AS k, message_id AS v FROM ins
         UNION ALL SELECT 's', session_id FROM ${table}_sealed WHERE session_id = ANY($2::text[])
         UNION ALL SELECT 'f', '' FROM f WHERE active AND NOT $3::boolean`,
        [`[${rows.join(',')}]`, sessionIds, force]);
      const result = { stored: new Set(), sealed: [], faultsActive: false };
      for (const { k, v } of out) {
        if (k === 'i') result.stored.add(v);
        else if (k === 's') result.sealed.push(v);
        else result.faultsActive = true;
      }
      return result;
    },
    async insert(records) {
      return (await this.ingest(records, [], true)).stored;
    },
    async reset() {
      await pool.query(`TRUNCATE ${table}, ${table}_sealed`);
      await pool.query(`UPDATE ${table}_faults SET faults = '{}', requests = 0`);
    },
    shared: {
      /** The decision and its update in one transaction (called when `ingest` found faults set). */
      async takeFault(size) {
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
    },
    close: () => pool.end(),
  };
}
