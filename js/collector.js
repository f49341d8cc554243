// The reference collector that `npm start` runs on 127.0.0.1: serves the demo (www/) and the
// built SDK (dist/), and takes POST /ingest batches. The parts live in js/collector/: protocol
// (checks with the SDK's own wasm core, keeps protocol fields only), server (HTTP, dedupe,
// faults), control (token-protected /control/*), static, memory (bounded caches) and the
// stores (store-file.js by default, store-pg.js with DATABASE_URL).
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCore } from './collector/protocol.js';
import { newToken } from './collector/control.js';
import { serveCollector, DEFAULT_LIMITS } from './collector/server.js';
import { openFileStore } from './collector/store-file.js';

export { parseBatch, BadRequest } from './collector/protocol.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The store for these options: `store` as given, PostgreSQL for `databaseUrl`, else the file under `dataDir`. */
export async function openStore({ store, databaseUrl, dataDir = join(ROOT, 'data'), limits = {}, quiet = false } = {}) {
  if (store) return store;
  const recent = limits.events || DEFAULT_LIMITS.events;
  if (databaseUrl) {
    const { openPgStore } = await import('./collector/store-pg.js');
    return openPgStore(databaseUrl, { recent, warn: quiet ? () => {} : console.error });
  }
  return openFileStore(dataDir, { recent });
}

/**
 * Starts a collector; resolves to { url, port, token, state, store, close }. Options: `dataDir`
 * for the events file, `databaseUrl` (postgres://…) or `store` (any object with the store
 * interface, see store-file.js) instead, `www` the folder served at / (dist/ is always served
 * at /dist/), `headers` added to every response (e.g. a Content-Security-Policy), `tls`
 * { key, cert } for https, `token` for the control endpoints (random by default), `limits`
 * { seen, events, log, sealed } and `timeouts` { headersMs, requestMs, idleMs }.
 */
export async function startCollector(options = {}) {
  // The glue and the wasm are loaded together, before serving anything.
  loadCore();
  if (options.token !== undefined && !(typeof options.token === 'string' && options.token.length >= 16)) {
    throw new Error('the control token must be a string of at least 16 characters');
  }
  // The port is bound first, then the store opened (the file store locks its folder before
  // reading it): a second process on a busy port or a locked folder touches nothing.
  return serveCollector({ ...options, store: undefined, openStore: () => openStore(options), token: options.token || newToken(),
    www: options.www || join(ROOT, 'www'), dist: options.dist || join(ROOT, 'dist') });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const port = Number(env.PORT ?? 8787);
  const host = env.HOST || '127.0.0.1';
  const collector = await startCollector({
    port,
    host,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || undefined,
    token: env.COLLECTOR_TOKEN || undefined,
    quiet: env.QUIET === '1',
  }).catch((e) => {
    // Refusing to start is an answer, not a crash: one line saying why (nothing was touched).
    console.error(`collector: not started: ${e.code === 'EADDRINUSE' ? `${host}:${port} is in use by another process` : e.message}`);
    process.exit(1);
  });
  const { url, token, store } = collector;
  console.log(`\nSessionSight demo and collector: ${url}/\n  ingest: POST ${url}/ingest   storage: ${store.name === 'file' ? store.path : 'postgres'}`);
  console.log(`  control token: ${token}   (Authorization: Bearer <token> on /control/*)\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    collector.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
