// The network: one POST per batch, with a deadline (a request that never answers is a network
// error, so nothing waits on it forever), gzip where it helps, a beacon at unload when fetch is
// refused, and a defensive reading of whatever the server answers. Shaped like Sentry's
// createTransport(options, makeRequest): the policy here, the browser call injected.

export const DEFAULT_TIMEOUT_MS = 10_000;
const KEEPALIVE_LIMIT = 60_000;
const MAX_SEALED = 100;

/** What a failed or timed-out request settles as. */
export const NETWORK_ERROR = { status: 0, retryAfter: NaN, sealed: [] };

/** Retry-After as milliseconds: delta-seconds or an HTTP date; NaN when absent or unreadable. */
export function retryAfterMs(value, now = Date.now()) {
  if (typeof value !== 'string' || !value.trim()) return NaN;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : NaN;
}

/**
 * The session ids a 2xx body says are sealed. Any body is tolerated: not JSON, not an object,
 * `sealed` not an array, entries not strings all mean "nothing sealed" (or are skipped).
 */
export function sealedFrom(text) {
  let body;
  try { body = JSON.parse(text); } catch (e) { return []; }
  const list = body && typeof body === 'object' ? body.sealed : undefined;
  if (!Array.isArray(list)) return [];
  return list.slice(0, MAX_SEALED).filter((x) => typeof x === 'string' && x.length <= 64);
}

/** A response's status as a number the core accepts (0 when it makes no sense). */
function statusOf(res) {
  const s = res && Number(res.status);
  return Number.isInteger(s) && s >= 100 && s <= 599 ? s : 0;
}

function header(res, name) {
  try { return res.headers.get(name); } catch (e) { return null; }
}

/**
 * `makeRequest({ body, urgent, signal })` resolves to a fetch-like Response or rejects.
 * Returns `{ send(body, urgent) }`; `send` never rejects and settles within `timeoutMs`:
 * `{ status, retryAfter, sealed, timedOut? }` with status 0 for a network error.
 */
export function createTransport(options, makeRequest) {
  const timeoutMs = options.timeoutMs > 0 ? Math.min(options.timeoutMs, 2 ** 31 - 1) : DEFAULT_TIMEOUT_MS;
  const timers = options.timers || globalThis;
  const now = options.now || Date.now;
  return {
    async send(body, urgent = false) {
      const abort = typeof AbortController === 'function' ? new AbortController() : null;
      let timer = 0;
      const deadline = new Promise((resolve) => {
        timer = timers.setTimeout(() => {
          try { if (abort) abort.abort(); } catch (e) { /* nothing to cancel */ }
          resolve({ ...NETWORK_ERROR, timedOut: true });
        }, timeoutMs);
      });
      const attempt = (async () => {
        const res = await makeRequest({ body, urgent, signal: abort ? abort.signal : undefined });
        const status = statusOf(res);
        // The body is read (under the same deadline) only for a 2xx: it may seal sessions.
        let sealed = [];
        if (status >= 200 && status < 300) {
          let text = '';
          try { text = await res.text(); } catch (e) { text = ''; }
          sealed = sealedFrom(typeof text === 'string' ? text : '');
        }
        return { status, retryAfter: retryAfterMs(header(res, 'Retry-After'), now()), sealed };
      })().catch(() => NETWORK_ERROR);
      try {
        return await Promise.race([attempt, deadline]);
      } finally {
        timers.clearTimeout(timer);
      }
    },
  };
}

async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/**
 * The browser's request: `fetch` POST as text/plain (no CORS preflight), gzip for same-origin
 * regular sends, keepalive within the 64 KB budget, and `sendBeacon` when an unload send is
 * refused (its fate stays unknown: the events stay queued and may be sent again).
 */
export function makeFetchRequest({ endpoint, sameOrigin = true, fetch = globalThis.fetch, sendBeacon }) {
  const beacon = sendBeacon || (typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function'
    ? (url, data) => navigator.sendBeacon(url, data) : null);
  return async ({ body, urgent, signal }) => {
    const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
    let payload = body;
    if (!urgent && sameOrigin && typeof CompressionStream === 'function') {
      try {
        payload = await gzip(body);
        headers['Content-Encoding'] = 'gzip';
      } catch (e) {
        payload = body;
      }
    }
    const size = typeof payload === 'string' ? body.length * 3 : payload.byteLength;
    try {
      return await fetch(endpoint, { method: 'POST', body: payload, headers, keepalive: size <= KEEPALIVE_LIMIT, credentials: 'omit', signal });
    } catch (e) {
      if (urgent && beacon) {
        try { beacon(endpoint, new Blob([body], { type: 'text/plain;charset=UTF-8' })); } catch (_) { /* nothing left to try */ }
      }
      throw e;
    }
  };
}
