// The reference collector that `npm start` runs on 127.0.0.1: serves the demo (www/) and the
// built SDK (dist/), and takes POST /ingest batches. It checks every event with the SDK's own
// wasm core (checkEvent), drops duplicate messageIds, appends accepted events to a file before
// answering, seals sessions on request, and can be told to fail, delay, hang or drop requests
// so tests can prove nothing is lost. Control endpoints live under /control/.
// Faults (POST /control/faults): { fail: N, status, retryAfter } answers the next N requests
// with `status` (default 503); { failEvery: K } fails every K-th request; { maxBytes } answers
// 413 above a body size; { delayMs } delays answers; { hang: N } never answers N requests;
// { drop: N } destroys N connections.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initSync, checkEvent } from '../pkg/collector/sessionsight.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_BODY = 1024 * 1024;
const MAX_EVENTS = 1000;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

let wasmReady = false;
function loadCore() {
  if (!wasmReady) {
    initSync({ module: readFileSync(join(ROOT, 'pkg/collector/sessionsight_bg.wasm')) });
    wasmReady = true;
  }
}

class BadRequest extends Error {
  constructor(status, error, detail) {
    super(detail);
    this.status = status;
    this.error = error;
  }
}

function readBody(req, limit) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        fail(new BadRequest(413, 'payload_too_large', `body over ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Parses and checks one wire-format batch (SPEC §5); throws BadRequest naming the problem. */
export function parseBatch(raw, rawEncoding) {
  let bytes = raw;
  const encoding = typeof rawEncoding === 'string' ? rawEncoding.trim().toLowerCase() : '';
  if (encoding === 'gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: MAX_BODY });
    } catch (e) {
      if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new BadRequest(413, 'payload_too_large', 'body inflates past 1 MiB');
      throw new BadRequest(400, 'bad_encoding', 'body is not valid gzip');
    }
  } else if (encoding && encoding !== 'identity') {
    throw new BadRequest(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported`);
  }
  let body;
  try { body = JSON.parse(bytes.toString('utf8')); } catch (e) { throw new BadRequest(400, 'malformed_json', 'body is not JSON'); }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(400, 'not_an_object', 'body must be a JSON object');
  if (typeof body.apiKey !== 'string' || !body.apiKey) throw new BadRequest(400, 'invalid_api_key', 'apiKey must be a non-empty string');
  if (typeof body.sentAt !== 'string' || !ISO_8601.test(body.sentAt) || Number.isNaN(Date.parse(body.sentAt))) throw new BadRequest(400, 'invalid_sent_at', 'sentAt must be an ISO-8601 string');
  if (body.dropped !== undefined && !(Number.isInteger(body.dropped) && body.dropped >= 0)) throw new BadRequest(400, 'invalid_dropped', 'dropped must be a non-negative integer');
  if (!Array.isArray(body.events)) throw new BadRequest(400, 'invalid_events', 'events must be an array');
  if (body.events.length > MAX_EVENTS) throw new BadRequest(413, 'too_many_events', `more than ${MAX_EVENTS} events`);
  loadCore();
  body.events.forEach((event, index) => {
    const problem = checkEvent(event);
    if (problem) throw new BadRequest(422, 'invalid_event', `events[${index}].${problem.field}: ${problem.code}: ${problem.message}`);
  });
  return body;
}

/**
 * Starts a collector; resolves to { url, port, state, close }. Options: `dataDir` for the
 * events file, `www` the folder served at / (dist/ is always served at /dist/), `headers`
 * added to every response (e.g. a Content-Security-Policy), `tls` { key, cert } for https.
 */
export function startCollector(options = {}) {
  // The glue (imported above) and the wasm are loaded together, before serving anything.
  loadCore();
  return serveCollector(options);
}

function serveCollector({ port = 8787, host = '127.0.0.1', dataDir = join(ROOT, 'data'), quiet = false, static: serveStatic = true, headers = {}, tls = null, www = join(ROOT, 'www') } = {}) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'events.ndjson');
  const state = { seen: new Set(), events: [], requests: 0, accepted: 0, duplicates: 0, rejected: 0, sealed: new Set(), faults: {}, log: [] };
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      try { const e = JSON.parse(line); state.seen.add(e.messageId); state.events.push(e); } catch (_) { /* partial last line */ }
    }
  }
  const log = (...a) => { if (!quiet) console.log(...a); };

  function json(res, status, value, extra = {}) {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers, ...extra });
    res.end(JSON.stringify(value));
  }

  /** Applies the injected faults; true when the request was consumed by one. */
  async function fault(req, res, size) {
    const f = state.faults;
    if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
    if (f.hang > 0) { f.hang--; return true; } // never answer
    if (f.drop > 0) { f.drop--; req.socket.destroy(); return true; }
    const failing = f.fail > 0 || (f.failEvery > 0 && state.requests % f.failEvery === 0);
    if (failing) {
      if (f.fail > 0) f.fail--;
      state.log.push({ at: Date.now(), status: f.status || 503, events: 0 });
      json(res, f.status || 503, { error: 'injected_failure' }, f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {});
      return true;
    }
    if (f.maxBytes && size > f.maxBytes) {
      state.log.push({ at: Date.now(), status: 413, events: 0 });
      json(res, 413, { error: 'payload_too_large' });
      return true;
    }
    return false;
  }

  async function ingest(req, res) {
    state.requests++;
    const raw = await readBody(req, MAX_BODY);
    if (await fault(req, res, raw.length)) return;
    const batch = parseBatch(raw, req.headers['content-encoding']);
    let accepted = 0;
    const lines = [];
    for (const event of batch.events) {
      if (state.seen.has(event.messageId)) { state.duplicates++; continue; }
      state.seen.add(event.messageId);
      const record = { ...event, receivedAt: new Date().toISOString(), dropped: batch.dropped || 0 };
      state.events.push(record);
      lines.push(JSON.stringify(record));
      accepted++;
    }
    if (lines.length) appendFileSync(file, lines.join('\n') + '\n');
    state.accepted += accepted;
    const sealed = [...new Set(batch.events.map((e) => e.sessionId))].filter((id) => state.sealed.has(id));
    state.log.push({ at: Date.now(), status: 200, events: batch.events.length, accepted, bytes: raw.length, gzip: req.headers['content-encoding'] === 'gzip' });
    log(`ingest: ${accepted} accepted, ${batch.events.length - accepted} duplicate`);
    json(res, 200, { accepted, duplicates: batch.events.length - accepted, sealed });
  }

  async function control(req, res, path) {
    let body = {};
    if (req.method === 'POST') {
      try { body = JSON.parse((await readBody(req, 65536)).toString() || '{}'); } catch (e) { throw new BadRequest(400, 'malformed_json', 'control body is not JSON'); }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(400, 'not_an_object', 'control body must be a JSON object');
    }
    switch (path) {
      case '/control/events':
        return json(res, 200, { events: state.events, requests: state.requests, accepted: state.accepted, duplicates: state.duplicates, rejected: state.rejected });
      case '/control/seal':
        if (typeof body.sessionId !== 'string') throw new BadRequest(400, 'invalid_session', 'sessionId must be a string');
        state.sealed.add(body.sessionId);
        return json(res, 200, { sealed: [...state.sealed] });
      case '/control/faults':
        state.faults = { ...body };
        return json(res, 200, { faults: state.faults });
      case '/control/reset':
        Object.assign(state, { seen: new Set(), events: [], requests: 0, accepted: 0, duplicates: 0, rejected: 0, sealed: new Set(), faults: {}, log: [] });
        writeFileSync(file, '');
        return json(res, 200, { ok: true });
      default:
        throw new BadRequest(404, 'not_found', path);
    }
  }

  function staticFile(res, path) {
    const inDist = path.startsWith('/dist/');
    const base = inDist ? join(ROOT, 'dist') : www;
    const rel = inDist ? path.slice(5) : path === '/' ? '/index.html' : path;
    let decoded;
    try { decoded = decodeURIComponent(rel); } catch (e) { throw new BadRequest(400, 'bad_path', path); }
    const full = normalize(join(base, decoded));
    if (!full.startsWith(base + '/') || !existsSync(full) || !statSync(full).isFile()) throw new BadRequest(404, 'not_found', path);
    const body = readFileSync(full);
    res.writeHead(200, { 'Content-Type': TYPES[extname(full)] || 'application/octet-stream', 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  }

  const handler = async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type, Content-Encoding' });
        return res.end();
      }
      if (path === '/ingest') {
        if (req.method !== 'POST') throw new BadRequest(405, 'method_not_allowed', 'POST only');
        return await ingest(req, res);
      }
      if (path.startsWith('/control/')) return await control(req, res, path);
      if (serveStatic && (req.method === 'GET' || req.method === 'HEAD')) return staticFile(res, path);
      throw new BadRequest(404, 'not_found', path);
    } catch (e) {
      if (e instanceof BadRequest) {
        if (path === '/ingest') state.rejected++;
        return json(res, e.status, { error: e.error, detail: e.message });
      }
      console.error('collector error', e);
      if (!res.headersSent) json(res, 500, { error: 'internal_error' });
      else res.destroy(e);
    }
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const actual = server.address().port;
      ok({ url: `${tls ? 'https' : 'http'}://${host}:${actual}`, port: actual, state, server, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT || 8787);
  const { url } = await startCollector({ port });
  console.log(`\nSessionSight demo and collector: ${url}/\n  ingest: POST ${url}/ingest   events: ${url}/control/events\n`);
}
