// The collector's HTTP server: routes requests, takes POST /ingest batches (checked, deduplicated,
// stored before the answer), applies injected faults, and keeps every failure inside a request.
// Faults (POST /control/faults): { fail: N, status, retryAfter } answers the next N requests
// with `status` (default 503); { failEvery: K } fails every K-th request; { maxBytes } answers
// 413 above a body size; { delayMs } delays answers; { hang: N } never answers N requests;
// { drop: N } destroys N connections.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { BadRequest, MAX_BODY, parseBatch } from './protocol.js';
import { control } from './control.js';
import { staticFile } from './static.js';
import { LruSet, pushBounded } from './memory.js';

/** What the collector keeps in memory, at most (the store holds everything). */
export const DEFAULT_LIMITS = { seen: 100_000, events: 10_000, log: 1_000, sealed: 10_000 };
const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, checkEveryMs: 1_000, idleMs: 120_000 };
const INGEST_CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'Retry-After' };

function readBody(req, limit) {
  return new Promise((ok, fail) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return fail(new BadRequest(413, 'payload_too_large', `body over ${limit} bytes`));
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      if (size > limit) return;
      size += c.length;
      if (size > limit) {
        chunks.length = 0;
        fail(new BadRequest(413, 'payload_too_large', `body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
    req.on('close', () => { if (!req.complete) fail(new BadRequest(400, 'incomplete_body', 'the client went away')); });
  });
}

/** The request's path, or null when the request target cannot be parsed. */
function pathOf(url) {
  try {
    return new URL(url, 'http://x').pathname;
  } catch (_) {
    return null;
  }
}

/** Starts listening; resolves to { url, port, token, state, server, store, close }. */
export function serveCollector({ store, token, port = 8787, host = '127.0.0.1', quiet = false, static: serveStatic = true,
  headers = {}, tls = null, www, dist, limits: limitOptions = {}, timeouts: timeoutOptions = {} }) {
  const limits = { ...DEFAULT_LIMITS, ...limitOptions };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...timeoutOptions };
  const fresh = () => ({ seen: new LruSet(limits.seen), events: [], requests: 0, accepted: 0, duplicates: 0, rejected: 0,
    sealed: new LruSet(limits.sealed), faults: {}, log: [] });
  const state = fresh();
  for (const record of store.loaded.slice(-limits.events)) {
    state.events.push(record);
    state.seen.add(record.messageId);
  }
  const log = (...a) => { if (!quiet) console.log(...a); };
  const warn = (...a) => { if (!quiet) console.error(...a); };
  const note = (entry) => pushBounded(state.log, { at: Date.now(), ...entry }, limits.log);

  function json(res, status, value, extra = {}) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers, ...extra });
    res.end(JSON.stringify(value));
  }

  /** Applies the injected faults; true when the request was consumed by one. */
  async function fault(req, res, size) {
    const f = state.faults;
    if (f.delayMs > 0) await new Promise((r) => setTimeout(r, Math.min(f.delayMs, 60_000)));
    if (f.hang > 0) { f.hang--; return true; } // never answer
    if (f.drop > 0) { f.drop--; req.socket.destroy(); return true; }
    const failing = f.fail > 0 || (f.failEvery > 0 && state.requests % f.failEvery === 0);
    if (failing) {
      if (f.fail > 0) f.fail--;
      note({ status: f.status || 503, events: 0 });
      json(res, f.status || 503, { error: 'injected_failure' }, { ...INGEST_CORS, ...(f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {}) });
      return true;
    }
    if (f.maxBytes && size > f.maxBytes) {
      note({ status: 413, events: 0 });
      json(res, 413, { error: 'payload_too_large' }, INGEST_CORS);
      return true;
    }
    return false;
  }

  async function ingest(req, res) {
    state.requests++;
    const raw = await readBody(req, MAX_BODY);
    if (await fault(req, res, raw.length)) return;
    const batch = parseBatch(raw, req.headers['content-encoding']);
    const receivedAt = new Date().toISOString();
    const candidates = new Map();
    for (const event of batch.events) {
      if (!candidates.has(event.messageId) && !state.seen.has(event.messageId)) {
        candidates.set(event.messageId, { ...event, receivedAt, dropped: batch.dropped });
      }
    }
    let stored = new Set();
    if (candidates.size) {
      try {
        stored = await store.insert([...candidates.values()]);
      } catch (e) {
        // Nothing counts as seen: the SDK retries and the retry is stored.
        warn(`collector: storing ${candidates.size} events failed: ${e.code || e.message}`);
        note({ status: 503, events: batch.events.length, accepted: 0 });
        return json(res, 503, { error: 'store_unavailable', detail: 'the events were not stored; retry' }, { ...INGEST_CORS, 'Retry-After': '1' });
      }
    }
    for (const [id, record] of candidates) {
      state.seen.add(id);
      if (stored.has(id)) pushBounded(state.events, record, limits.events);
    }
    const accepted = stored.size;
    const duplicates = batch.events.length - accepted;
    state.accepted += accepted;
    state.duplicates += duplicates;
    const sealed = [...new Set(batch.events.map((e) => e.sessionId))].filter((id) => state.sealed.has(id));
    note({ status: 200, events: batch.events.length, accepted, bytes: raw.length, gzip: req.headers['content-encoding'] === 'gzip' });
    log(`ingest: ${accepted} accepted, ${duplicates} duplicate`);
    json(res, 200, { accepted, duplicates, sealed }, INGEST_CORS);
  }

  const ctx = {
    state, store, token, loopback: /^(127\.|localhost$|::1$)/.test(host), json, readBody,
    resetState: () => Object.assign(state, fresh()),
  };

  const handler = async (req, res) => {
    const path = pathOf(req.url);
    try {
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
        // After a body too large, stop reading it: close the connection rather than drain it.
        const close = e.status === 413 && !req.complete ? { Connection: 'close' } : {};
        return json(res, e.status, { error: e.error, detail: e.message }, { ...(path === '/ingest' ? INGEST_CORS : {}), ...close });
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
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const actual = server.address().port;
      const close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }).then(() => store.close());
      ok({ url: `${tls ? 'https' : 'http'}://${host}:${actual}`, port: actual, token, state, server, store, close });
    });
  });
}
