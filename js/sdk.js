// The JavaScript shim of SessionSight Insights. It owns what only JavaScript can do well:
// loading the wasm, the network (fetch with keepalive, sendBeacon, gzip), timers and the
// page lifecycle (focus, visibility, pagehide, online), Web Locks between tabs, and the
// queue of calls made before init() resolved. Every decision is the wasm core's.

export class SessionSightValidationError extends Error {
  constructor(message, code, field) {
    super(message);
    this.name = 'SessionSightValidationError';
    this.code = code;
    this.field = field;
  }
}

const DEFAULT_FLUSH_MS = 1000;
const KEEPALIVE_LIMIT = 60000;
const TAB_LOCK = 'ss_tab:';

/**
 * A cheap exact key for a payload made only of primitive values (null when it holds anything
 * else, which must go through the core's full checks). Lets a repeated identical call skip
 * the wasm boundary.
 */
function payloadKey(payload) {
  if (!payload || typeof payload !== 'object') return null;
  const proto = Object.getPrototypeOf(payload);
  if (proto !== Object.prototype && proto !== null) return null;
  let key = '';
  for (const k of Object.keys(payload)) {
    const v = payload[k];
    const t = typeof v;
    if (v === undefined || v === null) continue;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(v))) return null;
    key += `${k}\u0000${t[0]}${v}\u0001`;
  }
  return key;
}

function storedProfile() {
  try {
    return localStorage.getItem('ss_prof');
  } catch (e) {
    return null;
  }
}

// Promises that keep this page's locks held; referenced here so they can never be collected
// (a lock is released when its callback's promise settles or goes away).
const heldLocks = [];

/** Holds the Web Lock `name` for the page's lifetime; false when another tab holds it. */
function holdLock(name, waitMs) {
  const locks = typeof navigator !== 'undefined' && navigator.locks;
  if (!locks) return Promise.resolve(true);
  return new Promise((resolve) => {
    let options = { ifAvailable: true };
    let timer = 0;
    if (waitMs) {
      // (AbortSignal.timeout is younger than Web Locks in some browsers.)
      const abort = new AbortController();
      timer = setTimeout(() => abort.abort(), waitMs);
      options = { signal: abort.signal };
    }
    locks.request(name, options, (lock) => {
      clearTimeout(timer);
      resolve(!!lock);
      if (!lock) return undefined;
      const forever = new Promise(() => {});
      heldLocks.push(forever);
      return forever;
    }).catch(() => resolve(false));
  });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; NaN when absent. */
function retryAfterMs(value) {
  if (!value) return NaN;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : NaN;
}

async function gzip(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/**
 * Builds the public API around a wasm loader. `loadWasm()` resolves to the wasm-bindgen
 * module ({ Sdk }) once instantiated.
 */
export function createSessionSight(loadWasm) {
  let wasmModule = null;
  const browser = typeof window !== 'undefined' && typeof document !== 'undefined';
  let sdk = null;
  let opts = {};
  let endpoint = '';
  let sameOrigin = true;
  let starting = null;
  let failed = false;
  let early = []; // calls made before init() resolved: [name, args]
  let timer = 0;
  let sending = null;
  let lastActivity = 0;
  let persistQueued = false;
  // Bumped whenever the visitor may change (reset, consent): the identify fast path resets.
  let epoch = 0;
  let lastIdentify = { key: null, epoch: -1, profile: null };

  /** Writes the core's queue to storage once per task, however many calls changed it. */
  function persistSoon() {
    if (persistQueued) return;
    persistQueued = true;
    queueMicrotask(() => {
      persistQueued = false;
      try {
        if (sdk) sdk.persist();
        if (lastIdentify.profile === undefined) lastIdentify.profile = storedProfile();
      } catch (e) {
        sdk = null;
        failed = true;
      }
    });
  }

  function report(error) {
    if (opts.debug) console.warn('[SessionSight]', error);
    if (typeof opts.onError === 'function') {
      try { opts.onError(error); } catch (e) { /* the callback's own bug stays out of the SDK */ }
    }
  }

  /** Runs `fn` against the core; a trap switches the SDK off instead of breaking the page. */
  function guarded(fn, fallback) {
    if (!sdk) return fallback;
    persistSoon();
    try {
      return fn(sdk);
    } catch (e) {
      if (e && e.name === 'SessionSightValidationError') {
        throw new SessionSightValidationError(e.message, e.code, e.field);
      }
      sdk = null;
      failed = true;
      console.error('[SessionSight] disabled after an internal error', e);
      return fallback;
    }
  }

  function schedule() {
    clearTimeout(timer);
    const pending = guarded((s) => s.pending, 0);
    if (!pending) return;
    const interval = opts.flushIntervalMs > 0 ? opts.flushIntervalMs : DEFAULT_FLUSH_MS;
    const retryAt = guarded((s) => s.retryAt, 0);
    const wait = Math.max(interval, retryAt - Date.now());
    timer = setTimeout(() => { pump(); }, pending >= (opts.batchSize || 50) && !retryAt ? 0 : wait);
  }

  /** One POST. Resolves to the response status (0 for a network error) and its details. */
  async function post(body, urgent) {
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
    const keepalive = size <= KEEPALIVE_LIMIT;
    try {
      const res = await fetch(endpoint, { method: 'POST', body: payload, headers, keepalive, credentials: 'omit' });
      let sealed = [];
      if (res.ok) {
        try { sealed = (await res.json()).sealed || []; } catch (e) { sealed = []; }
      }
      return { status: res.status, retryAfter: retryAfterMs(res.headers.get('Retry-After')), sealed };
    } catch (e) {
      // A refused keepalive at unload still has the beacon; its outcome stays unknown, so the
      // events stay queued and a later load sends them again (deduplicated by messageId).
      if (urgent && typeof navigator.sendBeacon === 'function') {
        try { navigator.sendBeacon(endpoint, new Blob([body], { type: 'text/plain;charset=UTF-8' })); } catch (_) { /* nothing left to try */ }
      }
      return { status: 0, retryAfter: NaN, sealed: [] };
    }
  }

  function settle(batch, res) {
    const now = Date.now();
    const verdict = guarded((s) => s.settle(batch.id, res.status, res.retryAfter, now, Math.random()), null);
    if (res.sealed.length) guarded((s) => s.sealed(res.sealed.filter((x) => typeof x === 'string'), now));
    if (verdict && verdict.verdict === 'rejected') {
      report(new Error(`SessionSight: the collector rejected ${verdict.count} event(s) with HTTP ${verdict.status}`));
    } else if (verdict && verdict.verdict === 'retry' && opts.debug) {
      // Not an error for the host: nothing is lost, the events are sent again later.
      console.warn(`[SessionSight] delivery failed (${res.status || 'network error'}), retrying`);
    }
    return verdict;
  }

  /** Sends batches until the queue is empty or a failure asks to wait. */
  function pump() {
    if (sending) return sending;
    sending = (async () => {
      for (;;) {
        const batch = guarded((s) => s.nextBatch(Date.now(), false), null);
        if (!batch) break;
        const verdict = settle(batch, await post(batch.body, false));
        if (!verdict || (verdict.verdict !== 'delivered' && verdict.verdict !== 'split' && verdict.verdict !== 'rejected')) break;
      }
    })().finally(() => {
      sending = null;
      schedule();
    });
    return sending;
  }

  /** Page going away: send what is not in flight now, with keepalive, ignoring backoff. */
  function flushUrgent() {
    for (let i = 0; i < 8; i++) {
      const batch = guarded((s) => s.nextBatch(Date.now(), true), null);
      if (!batch) return;
      post(batch.body, true).then((res) => { settle(batch, res); });
    }
  }

  function activity(claim) {
    const now = Date.now();
    guarded((s) => s.activity(now, claim));
    lastActivity = now;
    schedule();
  }

  /**
   * Adopts the queues of tabs that are gone: their Web Lock is free. Without Web Locks, a
   * queue unwritten for 3 minutes counts as gone (at worst a live tab's events are sent
   * twice and deduplicated by messageId; none is lost).
   */
  function adoptOrphans() {
    const locks = navigator.locks;
    if (!locks) {
      for (const tab of guarded((s) => s.staleQueues(Date.now(), 180000), [])) guarded((s) => s.adopt(tab));
      schedule();
      return;
    }
    for (const tab of guarded((s) => s.otherQueues(), [])) {
      locks.request(TAB_LOCK + tab, { ifAvailable: true }, (lock) => {
        if (lock && guarded((s) => s.adopt(tab), 0)) schedule();
      }).catch(() => {});
    }
  }

  function listen() {
    setInterval(adoptOrphans, 60000);
    const onVisibility = () => {
      if (document.visibilityState === 'visible') activity(true);
      else flushUrgent();
    };
    window.addEventListener('focus', () => activity(true));
    window.addEventListener('pageshow', (e) => { if (e.persisted) activity(true); });
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', flushUrgent);
    window.addEventListener('online', () => { flushUrgent(); pump(); });
    const onInput = () => { if (Date.now() - lastActivity > 5000) activity(false); };
    for (const type of ['pointerdown', 'keydown', 'scroll']) {
      window.addEventListener(type, onInput, { capture: true, passive: true });
    }
  }

  function replay(name, args) {
    try {
      api[name](...args);
    } catch (e) {
      console.error('[SessionSight]', e);
      report(e);
    }
  }

  async function start(options) {
    if (!options || typeof options !== 'object') throw new TypeError('SessionSight.init: options must be an object');
    opts = options;
    const wasm = await loadWasm();
    wasmModule = wasm;
    const origin = window.location.origin;
    const url = new URL(options.endpoint || '/ingest', window.location.href);
    endpoint = url.href;
    sameOrigin = url.origin === origin;
    const core = new wasm.Sdk(options, Date.now());
    const inherited = core.inheritedTabId;
    let duplicate = false;
    if (inherited) {
      // Another live tab holding our inherited id means this tab was duplicated; a reload's
      // previous document releases it within moments.
      duplicate = !(await holdLock(TAB_LOCK + inherited)) && !(await holdLock(TAB_LOCK + inherited, 500));
    }
    core.start(Date.now(), duplicate);
    // Granted before init() resolves: a tab duplicated from this one must find it held.
    // (Not awaiting the grant saves ~6 ms but lost that race in about 1 suite run in 3.)
    if (!inherited || duplicate) await holdLock(TAB_LOCK + core.tabId);
    sdk = core;
    listen();
    adoptOrphans();
    const calls = early;
    early = [];
    for (const [name, args] of calls) replay(name, args);
    schedule();
  }

  const api = {
    init(options) {
      if (!browser) return Promise.resolve();
      if (!starting) {
        starting = start(options).catch((e) => {
          failed = true;
          starting = null;
          throw e;
        });
      }
      return starting;
    },
    identify(payload) {
      if (!sdk) {
        if (browser && !failed) early.push(['identify', [payload]]);
        return;
      }
      // The same accepted payload again, for the same visitor, with the stored fingerprints
      // untouched by any other tab: it cannot change the profile. Skip the wasm round trip.
      // (`profile` is undefined while this task's own write is pending: nobody else can have
      // written in between.)
      const key = payloadKey(payload);
      const same = key !== null && key === lastIdentify.key && lastIdentify.epoch === epoch;
      if (same && (lastIdentify.profile === undefined ? persistQueued : storedProfile() === lastIdentify.profile)) {
        if (Date.now() - lastActivity > 1000) activity(false);
        return;
      }
      if (guarded((s) => s.identify(payload, Date.now()), false)) schedule();
      // The fingerprints this call left are known once written (see persistSoon).
      lastIdentify = { key, epoch, profile: undefined };
    },
    getVisitorId() {
      return guarded((s) => s.visitorId, '');
    },
    getSessionId() {
      return guarded((s) => s.sessionId, '');
    },
    setConsent(value) {
      if (value !== 'granted' && value !== 'denied') {
        throw new TypeError(`SessionSight.setConsent: 'granted' or 'denied', not '${value}'`);
      }
      if (!sdk) {
        if (browser && !failed) early.push(['setConsent', [value]]);
        return;
      }
      epoch++;
      guarded((s) => s.setConsent(value === 'granted', Date.now()));
      schedule();
    },
    reset() {
      if (!sdk) {
        if (browser && !failed) early.push(['reset', []]);
        return;
      }
      epoch++;
      guarded((s) => s.reset(Date.now()));
      schedule();
    },
    /** identify()'s checks without sending: null, or the error identify() would throw. */
    validate(payload) {
      if (!wasmModule) {
        if (!browser) return null;
        throw new Error('SessionSight.validate() needs init() to have resolved');
      }
      const e = wasmModule.validateIdentify(payload);
      return e ? new SessionSightValidationError(e.message, e.code, e.field) : null;
    },
    async flush() {
      if (starting) await starting.catch(() => {});
      if (!sdk) return;
      await pump();
    },
  };
  // Not part of the API: figures for the benchmark (wasm linear memory, queued events).
  Object.defineProperty(api, '__stats', {
    value: () => ({ wasmMemoryBytes: wasmModule ? wasmModule.memory.buffer.byteLength : 0, pending: guarded((s) => s.pending, 0) }),
  });
  return api;
}
