// The collector's control endpoints (/control/*: read events, seal, inject faults, reset) and
// who may call them: same-origin callers with the token printed at start. The demo page served
// by the same collector on loopback gets the token from GET /control/token. Reset empties the
// store (with PostgreSQL also the shared seals and faults) and this process's memory.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadRequest } from './protocol.js';

export const newToken = () => randomBytes(24).toString('base64url');

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;
const LOOPBACK_PEER = /^(127\.|::1$|::ffff:127\.)/;
const digest = (s) => createHash('sha256').update(String(s)).digest();

/** False when a browser says the request comes from a page of another origin. */
function sameOrigin(req) {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const scheme = req.socket.encrypted ? 'https' : 'http';
  return origin === `${scheme}://${req.headers.host}`;
}

function hasToken(req, token) {
  if (typeof token !== 'string' || token.length < 16) return false; // no usable token: control stays closed
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization || '');
  return !!m && timingSafeEqual(digest(m[1]), digest(token));
}

function readJson(readBody, req) {
  return readBody(req, 65536).then((raw) => {
    let body;
    try { body = JSON.parse(raw.toString() || '{}'); } catch (e) { throw new BadRequest(400, 'malformed_json', 'control body is not JSON'); }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest(400, 'not_an_object', 'control body must be a JSON object');
    return body;
  });
}

/**
 * Handles one /control/* request. `ctx`: { state, store, shared (faults.js), token, loopback, json, readBody,
 * resetState }. Throws BadRequest for refusals.
 */
export async function control(req, res, path, ctx) {
  const { state, json } = ctx;
  if (!sameOrigin(req)) throw new BadRequest(403, 'forbidden_origin', 'control endpoints refuse other origins');
  if (path === '/control/token') {
    // Only for the demo page this collector serves on loopback; never on a public listener.
    const local = ctx.loopback && LOOPBACK_HOST.test(req.headers.host || '') && LOOPBACK_PEER.test(req.socket.remoteAddress || '');
    if (req.method !== 'GET' || !local) throw new BadRequest(403, 'forbidden', 'the token is only handed to same-origin pages on loopback');
    return json(res, 200, { token: ctx.token });
  }
  if (!hasToken(req, ctx.token)) throw new BadRequest(401, 'unauthorized', 'send Authorization: Bearer <the token the collector printed at start>');
  const body = req.method === 'POST' ? await readJson(ctx.readBody, req) : {};
  switch (path) {
    case '/control/events':
      return json(res, 200, { events: state.events, requests: state.requests, accepted: state.accepted, duplicates: state.duplicates, rejected: state.rejected });
    case '/control/seal': {
      if (typeof body.sessionId !== 'string' || body.sessionId.length > 100) throw new BadRequest(400, 'invalid_session', 'sessionId must be a string');
      // Events carry canonical (trimmed, lower-case) ids: seal the same form.
      return json(res, 200, { sealed: await ctx.shared.seal(body.sessionId.trim().toLowerCase()) });
    }
    case '/control/faults':
      if (req.method === 'POST') await ctx.shared.setFaults(body);
      return json(res, 200, { faults: await ctx.shared.getFaults() });
    case '/control/reset':
      if (req.method !== 'POST') throw new BadRequest(405, 'method_not_allowed', 'POST only');
      await ctx.store.reset();
      ctx.resetState();
      return json(res, 200, { ok: true });
    default:
      throw new BadRequest(404, 'not_found', path.slice(0, 200));
  }
}
