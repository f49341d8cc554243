// The delivery scheduler: when to ask the core for a batch, sending it, and handing the answer
// back. Every wait is a relative, clamped delay (a clock moved back neither stalls delivery nor
// overflows setTimeout), a pump that could send nothing never re-arms at zero delay (no busy
// timers), and flush() settles because every request has a deadline.

export const DEFAULT_INTERVAL_MS = 1000;
/** The longest any timer of the SDK waits (well under setTimeout's 2^31-1 ms overflow). */
export const MAX_DELAY_MS = 60 * 60_000;
/** The shortest regular interval, whatever flushIntervalMs says. */
export const MIN_INTERVAL_MS = 10;
/** Up to this many batches go out at once when the page is going away. */
const URGENT_BATCHES = 8;
/** Verdicts after which the next batch may follow at once. */
const PROGRESS = new Set(['delivered', 'split', 'rejected', 'stale']);

/** A delay in ms for setTimeout: finite, ≥ `min`, ≤ MAX_DELAY_MS; `fallback` when unusable. */
export function clampDelay(ms, fallback, min = 0) {
  const v = typeof ms === 'number' && Number.isFinite(ms) ? ms : fallback;
  return Math.min(Math.max(v, min), MAX_DELAY_MS);
}

/**
 * `core` is the guarded core (`read`/`write`); `transport.send(body, urgent)` never rejects.
 * Options: interval (flushIntervalMs), batchSize, report(error), debug, onSettled(verdict),
 * now (wall clock for the core), timers ({ setTimeout, clearTimeout }), random.
 */
export function createDelivery(core, transport, options = {}) {
  const interval = clampDelay(options.interval > 0 ? options.interval : DEFAULT_INTERVAL_MS, DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS);
  const batchSize = options.batchSize > 0 ? options.batchSize : 50;
  const report = options.report || (() => {});
  const now = options.now || Date.now;
  const timers = options.timers || globalThis;
  const random = options.random || Math.random;
  const monotonic = () => performance.now();
  let timer = 0;
  let dueAt = null; // monotonic time the armed timer fires
  let sending = null;
  let backoff = null; // ms the core asked to wait after a failure (consumed by the next timer)
  let inFlight = 0;
  let lastStatus = null;

  function arm(delay) {
    timers.clearTimeout(timer);
    dueAt = monotonic() + delay;
    timer = timers.setTimeout(() => {
      timer = 0;
      dueAt = null;
      backoff = null;
      pump();
    }, delay);
  }

  function disarm() {
    timers.clearTimeout(timer);
    timer = 0;
    dueAt = null;
  }

  /**
   * Arms the next attempt. `soon` (a call just queued events): send at once when a full batch
   * is waiting and nothing stops it. Otherwise the backoff the core asked for, else the interval.
   */
  function schedule(soon = false) {
    const pending = core.read((s) => s.pending, 0);
    if (!pending) {
      disarm();
      return;
    }
    if (sending) return; // the running pump re-arms when it ends
    if (backoff !== null) {
      if (!timer) arm(backoff);
      return;
    }
    // (Re-arming the interval on every call would postpone delivery while calls keep coming.)
    // A zero-delay timer already armed stays: re-arming it on each of a burst of calls cost
    // a clearTimeout + setTimeout per identify().
    if (soon && pending >= batchSize) {
      if (!timer || dueAt > monotonic()) arm(0);
    } else if (!timer) arm(interval);
  }

  /** Hands one answer to the core; returns its verdict (null when the core is gone). */
  function settle(batch, res) {
    inFlight--;
    lastStatus = res.status;
    const verdict = core.write((s) => s.settle(batch.id, res.status, res.retryAfter, now(), random()), null);
    if (res.sealed.length) core.write((s) => s.sealed(res.sealed.join(' '), now()));
    if (verdict && verdict.verdict === 'retry') {
      backoff = clampDelay(verdict.retryIn, interval);
      if (options.debug) console.warn('[SessionSight] retrying', res.status);
    } else if (verdict && verdict.verdict === 'delivered') {
      backoff = null;
    } else if (verdict && verdict.verdict === 'rejected') {
      report(new Error(`SessionSight: the collector rejected ${verdict.count} event(s) with HTTP ${verdict.status}`));
    }
    if (verdict && options.onSettled) options.onSettled(verdict);
    return verdict;
  }

  function send(batch, urgent) {
    inFlight++;
    return transport.send(batch.body, urgent).then((res) => settle(batch, res));
  }

  /** Sends batches until the queue is empty or a failure asks to wait. Never rejects. */
  function pump() {
    if (sending) return sending;
    disarm();
    sending = (async () => {
      for (;;) {
        const batch = core.write((s) => s.nextBatch(now(), false), null);
        if (!batch) break;
        const verdict = await send(batch, false);
        if (!verdict || !PROGRESS.has(verdict.verdict)) break;
      }
    })().catch((e) => report(e)).finally(() => {
      sending = null;
      schedule();
    });
    return sending;
  }

  /** The page is going away: send what is not in flight, with keepalive, whatever the backoff. */
  function flushUrgent() {
    for (let i = 0; i < URGENT_BATCHES; i++) {
      const batch = core.write((s) => s.nextBatch(now(), true), null);
      if (!batch) return;
      send(batch, true).catch(() => {});
    }
  }

  return {
    schedule,
    pump,
    flushUrgent,
    /** A failure's wait is over early (the browser is back online, the page is shown again). */
    wake() {
      backoff = null;
      disarm();
      return pump();
    },
    stats() {
      return {
        pending: core.read((s) => s.pending, 0),
        inFlight,
        nextRetryInMs: backoff === null || dueAt === null ? null : Math.max(0, Math.round(dueAt - monotonic())),
        lastStatus,
      };
    },
  };
}
