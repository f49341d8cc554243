// The collector's HTTP server: routes requests, takes POST /ingest batches (checked, deduplicated,
// stored before the answer), applies injected faults (faults.js), and keeps every failure inside
// a request. It listens before the store opens, so a second process started on a busy port
// fails before it touches the data. The bytes of all bodies being read share one budget.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { BadRequest, MAX_BODY, parseBatch } from './protocol.js';
import { control } from './control.js';
import { staticFile } from './static.js';
import { memoryShared } from './faults.js';
import { LruSet, pushBounded } from './memory.js';

/** What the collector keeps in memory, at most (the store holds everything). */
export const DEFAULT_LIMITS = { seen: 100_000, events: 10_000, log: 1_000, sealed: 10_000, inflightBytes: 32 * 1024 * 1024 };
const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, checkEveryMs: 1_000, idleMs: 120_000 };
const INGEST_CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' };
/** A refused body is read to its end (and thrown away) up to this size, so the client sees the answer. */
const MAX_DRAIN = 64 * 1024 * 1024;

/**
 * Reads a body of at most `limit` bytes, holding its bytes against `budget` ({ used, max }, shared
 * by all requests) while it is read. A body over the limit, or one the budget cannot hold, is
 * read to its end without being kept and then refused (413, or 503 to retry), so the answer
 * reaches a client that is still sending instead of a closed connection.
 */
function readBody(req, limit, budget = { used: 0, max: Infinity }) {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length']);
    let refusal = null;
    let held = 0;
    let size = 0;
    const chunks = [];
    const release = () => { budget.used -= held; held = 0; chunks.length = 0; };
    const refuse = (e) => {
      if (refusal) return;
      refusal = e;
      release();
      if (declared > MAX_DRAIN) { req.socket.destroy(); fail(e); }
    };
    if (declared > limit) refuse(new BadRequest(413, 'payload_too_large', `body over ${limit} bytes`));
    else if (declared > 0 && budget.used + declared > budget.max) refuse(busy());
    else if (declared > 0) { held = declared; budget.used += held; }
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_DRAIN) { req.socket.destroy(); return; }
      if (refusal) return;
      if (size > limit) return refuse(new BadRequest(413, 'payload_too_large', `body over ${limit} bytes`));
      if (size > held) {
        if (budget.used + (size - held) > budget.max) return refuse(busy());
        budget.used += size - held;
        held = size;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refusal) return fail(refusal);
      const body = Buffer.concat(chunks);
      release();
      ok(body);
    });
    req.on('error', (e) => { release(); fail(e); });
    req.on('close', () => {
      release();
      if (!req.complete) fail(refusal || new BadRequest(400, 'incomplete_body', 'the client went away'));
    });
  });
}

const busy = () => Object.assign(new BadRequest(503, 'busy', 'too many bodies in flight; retry'), { retryAfter: '1' });

/** The request's path, or null when the request target cannot be parsed. */
function pathOf(url) {
  try {
    return new URL(url, 'http://x').pathname;
  } catch (_) {
    return null;
  }
}

/**
 * Listens, then opens the store (`openStore()`, or `store` as given), then serves; resolves to
 * { url, port, token, state, server, store, close }. Requests that arrive in between wait.
 */
export function serveCollector({ store: givenStore, openStore = async () => givenStore, token, port = 8787, host = '127.0.0.1', quiet = false,
  static: serveStatic = true, headers = {}, tls = null, www, dist, limits: limitOptions = {}, timeouts: timeoutOptions = {} }) {
  const limits = { ...DEFAULT_LIMITS, ...limitOptions };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...timeoutOptions };
  // `recent` holds the last stored records as { json } and parses one only when `state.events`
  // is read (by /control/events and tests), not for every event stored.
  const fresh = () => ({ seen: new LruSet(limits.seen), recent: [], requests: 0, accepted: 0, duplicates: 0, rejected: 0,
    sealed: new LruSet(limits.sealed), faults: {}, log: [] });
  const state = fresh();
  Object.defineProperty(state, 'events', { enumerable: true, get: () => state.recent.map((r) => (r.value ??= JSON.parse(r.json))) });
  const budget = { used: 0, max: limits.inflightBytes };
  let store = null;
  let shared = null;
  let opened;
  const ready = new Promise((r) => { opened = r; });
  const log = (...a) => { if (!quiet) console.log(...a); };
  const warn = (...a) => { if (!quiet) console.error(...a); };
  const note = (entry) => pushBounded(state.log, { at: Date.now(), ...entry }, limits.log);

  function json(res, status, value, extra = {}) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers, ...extra });
    res.end(JSON.stringify(value));
  }

  /** Applies the injected faults (faults.js); true when the request was consumed by one. */
  async function fault(req, res, size) {
    const f = await shared.takeFault(size);
    if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.action === 'hang') return true; // never answer
    if (f.action === 'drop') { req.socket.destroy(); return true; }
    if (f.action === 'fail') {
      note({ status: f.status, events: 0 });
      json(res, f.status, { error: 'injected_failure' }, { ...INGEST_CORS, ...(f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {}) });
      return true;
    }
    if (f.action === 'tooLarge') {
      note({ status: 413, events: 0 });
      json(res, 413, { error: 'payload_too_large' }, INGEST_CORS);
      return true;
    }
    return false;
  }

  /**
   * Stores the new records unless faults are set (and `force` is not), and says which of the
   * sessions are sealed: { stored, sealed, faultsActive }. PostgreSQL does all of it in one
   * statement (store-pg.js `ingest`); the other stores keep faults and seals in this process.
   */
  async function save(records, sessions, force) {
    if (store.ingest) return store.ingest(records, sessions, force);
    if (!force && shared.active()) return { faultsActive: true };
    return { stored: records.length ? await store.insert(records) : new Set(), sealed: shared.sealedAmong(sessions) };
  }

  async function ingest(req, res) {
    state.requests++;
    const raw = await readBody(req, MAX_BODY, budget);
    const batch = parseBatch(raw, req.headers['content-encoding']);
    const candidates = new Map();
    for (const record of batch.records) {
      if (!candidates.has(record.messageId) && !state.seen.has(record.messageId)) candidates.set(record.messageId, record);
    }
    const sessions = [...new Set(batch.records.map((r) => r.sessionId))];
    let saved;
    try {
      saved = await save([...candidates.values()], sessions, false);
      if (saved.faultsActive) {
        if (await fault(req, res, raw.length)) return;
        saved = await save([...candidates.values()], sessions, true);
      }
    } catch (e) {
      // Nothing counts as seen: the SDK retries and the retry is stored.
      warn(`collector: storing ${candidates.size} events failed: ${e.code || e.message}`);
      note({ status: 503, events: batch.records.length, accepted: 0 });
      return json(res, 503, { error: 'store_unavailable', detail: 'the events were not stored; retry' }, { ...INGEST_CORS, 'Retry-After': '1' });
    }
    const { stored, sealed } = saved;
    for (const [id, record] of candidates) {
      state.seen.add(id);
      if (stored.has(id)) pushBounded(state.recent, { json: record.json }, limits.events);
    }
    const accepted = stored.size;
    const duplicates = batch.records.length - accepted;
    state.accepted += accepted;
    state.duplicates += duplicates;
    note({ status: 200, events: batch.records.length, accepted, bytes: raw.length, gzip: req.headers['content-encoding'] === 'gzip' });
    log(`ingest: ${accepted} accepted, ${duplicates} duplicate`);
    json(res, 200, { accepted, duplicates, sealed }, INGEST_CORS);
  }

  const ctx = {
    state, token, loopback: /^(127\.|localhost$|::1$)/.test(host), json, readBody,
    get store() { return store; },
    get shared() { return shared; },
    resetState: () => Object.assign(state, fresh()),
  };

  const handler = async (req, res) => {
    const path = pathOf(req.url);
    try {
      await ready;
      if (path === null) throw new BadRequest(400, 'bad_request_target', 'the request target is not a valid URL');
      if (path === '/ingest') {
        if (req.method === 'OPTIONS') {
          res.writeHead(204, { ...INGEST_CORS, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding', 'Access-Control-Max-Age': '600' });
          return res.end();
        }
        if (req.method !== 'POST') throw new BadRequest(405, 'method_not_allowed', 'POST only');
        return await ingest(req, res);
      }
      if (path.startsWith('/control/')) return await control(req, res, path, ctx);
      if (serveStatic && (req.method === 'GET' || req.method === 'HEAD')) return staticFile(res, path, { www, dist, headers, head: req.method === 'HEAD' });
      throw new BadRequest(404, 'not_found', path.slice(0, 200));
    } catch (e) {
      if (e instanceof BadRequest) {
        if (path === '/ingest') {
          state.rejected++;
          note({ status: e.status, events: 0 });
        }
        // A body that could not be read to its end: close the connection rather than drain it.
        const close = (e.status === 413 || e.error === 'busy') && !req.complete ? { Connection: 'close' } : {};
        const retry = e.retryAfter ? { 'Retry-After': e.retryAfter } : {};
        return json(res, e.status, { error: e.error, detail: e.message }, { ...(path === '/ingest' ? INGEST_CORS : {}), ...close, ...retry });
      }
      warn('collector error', e);
      if (!res.headersSent) json(res, 500, { error: 'internal_error' }, path === '/ingest' ? INGEST_CORS : {});
      else res.destroy();
    }
  };

  const serverOptions = { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkEveryMs, keepAliveTimeout: 5_000 };
  const server = tls ? createTlsServer({ ...tls, ...serverOptions }, handler) : createServer(serverOptions, handler);
  server.setTimeout(timeouts.idleMs, (socket) => socket.destroy());
  server.maxConnections = limits.connections || 1024;
  const stop = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, async () => {
      try {
        store = await openStore();
      } catch (e) {
        await stop();
        return fail(e);
      }
      shared = store.shared || memoryShared(state);
      for (const record of store.loaded.slice(-limits.events)) {
        state.recent.push({ value: record });
        state.seen.add(record.messageId);
      }
      opened();
      const actual = server.address().port;
      const close = () => stop().then(() => store.close());
      ok({ url: `${tls ? 'https' : 'http'}://${host}:${actual}`, port: actual, token, state, server, store, close });
    });
  });
}
