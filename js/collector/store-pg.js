// PostgreSQL store (DATABASE_URL=postgres://…): one table, `message_id` unique, insert-or-ignore
// in one statement, so any number of collector processes share the database and each event
// is stored exactly once. Same interface as store-file.js.
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
      for (const r of records) {
        const values = [r.messageId, r.type, r.visitorId, r.sessionId, r.timestamp, r.receivedAt, r.dropped || 0, JSON.stringify(r)];
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
      await pool.query(`TRUNCATE ${table}`);
    },
    close: () => pool.end(),
  };
}
