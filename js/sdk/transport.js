// The network: one POST per batch, with a deadline (a request that never answers is a network
// error, so nothing waits on it forever), gzip where it helps, a beacon at unload when fetch is
// refused, and a defensive reading of whatever the server answers. Shaped like Sentry's
// createTransport(options, makeRequest): the policy here, the browser call injected.

export const DEFAULT_TIMEOUT_MS = 10_000;
const KEEPALIVE_LIMIT = 60_000;
const TEXT = 'text/plain;charset=UTF-8';

/** What a failed or timed-out request settles as. */
export const NETWORK_ERROR = { status: 0, retryAfter: NaN, sealed: [] };

/** Retry-After as milliseconds: delta-seconds or an HTTP date; NaN when absent or unreadable. */
export function retryAfterMs(value, now = Date.now()) {
  if (typeof value !== 'string' || !value.trim()) return NaN;
  const at = Number.isFinite(+value) ? now + value * 1000 : Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : NaN;
}

/**
 * The session ids a 2xx body says are sealed. Any body is tolerated: not JSON, not an object,
 * `sealed` not an array, entries not strings all mean "nothing sealed" (or are skipped).
 */
export function sealedFrom(text) {
  try {
    const list = JSON.parse(text).sealed;
    return Array.isArray(list) ? list.slice(0, 100).filter((x) => typeof x === 'string' && x.length <= 64) : [];
  } catch (e) {
    return []; // not JSON, or null
  }
}

/** A fetch-like answer as `{ status, retryAfter, sealed }`; status 0 when it makes no sense. */
async function answerOf(res) {
  const status = Number(res.status);
  if (!(status >= 100 && status <= 599 && status % 1 === 0)) return NETWORK_ERROR;
  let retryAfter = NaN;
  try { retryAfter = retryAfterMs(res.headers.get('Retry-After')); } catch (e) { /* no headers */ }
  // The body is read (under the same deadline) only for a 2xx: it may seal sessions.
  let sealed = [];
  if (status < 300 && status >= 200) {
    try { sealed = sealedFrom(await res.text()); } catch (e) { /* unreadable body: nothing sealed */ }
  }
  return { status, retryAfter, sealed };
}

/**
 * `makeRequest({ body, urgent, signal })` resolves to a fetch-like Response or rejects.
 * Returns `{ send(body, urgent) }`; `send` never rejects and settles within `timeoutMs`:
 * `{ status, retryAfter, sealed, timedOut? }` with status 0 for a network error.
 */
export function createTransport({ timeoutMs }, makeRequest) {
  const deadlineMs = timeoutMs > 0 ? Math.min(timeoutMs, 2 ** 31 - 1) : DEFAULT_TIMEOUT_MS;
  return {
    async send(body, urgent = false) {
      const abort = typeof AbortController === 'function' ? new AbortController() : null;
      let timer;
      const deadline = new Promise((resolve) => {
        timer = setTimeout(() => {
          if (abort) abort.abort();
          resolve({ ...NETWORK_ERROR, timedOut: true });
        }, deadlineMs);
      });
      const attempt = Promise.resolve()
        .then(() => makeRequest({ body, urgent, signal: abort ? abort.signal : undefined }))
        .then(answerOf)
        .catch(() => NETWORK_ERROR);
      try {
        return await Promise.race([attempt, deadline]);
      } finally {
        clearTimeout(timer);
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
export function makeFetchRequest({ endpoint, sameOrigin }) {
  return async ({ body, urgent, signal }) => {
    const headers = { 'Content-Type': TEXT };
    let payload = body;
    if (!urgent && sameOrigin && typeof CompressionStream === 'function') {
      try {
        payload = await gzip(body);
        headers['Content-Encoding'] = 'gzip';
      } catch (e) {
        payload = body;
      }
    }
    const size = payload.byteLength || body.length * 3;
    try {
      return await fetch(endpoint, { method: 'POST', body: payload, headers, keepalive: size <= KEEPALIVE_LIMIT, credentials: 'omit', signal });
    } catch (e) {
      try {
        if (urgent) navigator.sendBeacon(endpoint, new Blob([body], { type: TEXT }));
      } catch (_) { /* no beacon either: the events stay queued */ }
      throw e;
    }
  };
}
