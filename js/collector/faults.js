// Injected faults (POST /control/faults), so tests can prove nothing is lost: what they do to
// the next request, decided by one pure function, kept in this process's memory by default
// and in the database with PostgreSQL (store-pg.js), so every process behind a balancer agrees.
// { fail: N, status, retryAfter } answers the next N requests with `status` (default 503);
// { failEvery: K } fails every K-th request; { maxBytes } answers 413 above a body size;
// { delayMs } delays answers; { hang: N } never answers N requests; { drop: N } destroys N
// connections. They apply to batches that are well-formed (a malformed one is refused first),
// so with PostgreSQL the check rides in the batch's one statement (store-pg.js `ingest`).

/**
 * What the faults `f` do to request number `n` (counted from 1) of `size` bytes: `{ delayMs,
 * action, status, retryAfter, next }`, `action` one of null, 'hang', 'drop', 'fail', 'tooLarge',
 * and `next` the faults left for the following requests.
 */
export function nextFault(f, n, size) {
  const next = { ...f };
  const decision = (action) => ({ delayMs: f.delayMs > 0 ? Math.min(f.delayMs, 60_000) : 0, action, status: f.status || 503, retryAfter: f.retryAfter, next });
  if (f.hang > 0) { next.hang--; return decision('hang'); }
  if (f.drop > 0) { next.drop--; return decision('drop'); }
  if (f.fail > 0 || (f.failEvery > 0 && n % f.failEvery === 0)) {
    if (f.fail > 0) next.fail--;
    return decision('fail');
  }
  if (f.maxBytes && size > f.maxBytes) return decision('tooLarge');
  return decision(null);
}

/** Faults and sealed sessions in this process's memory (`state.faults`, `state.sealed`). */
export function memoryShared(state) {
  return {
    active: () => Object.keys(state.faults).length > 0,
    takeFault: async (size) => {
      const d = nextFault(state.faults, state.requests, size);
      state.faults = d.next;
      return d;
    },
    getFaults: async () => state.faults,
    setFaults: async (f) => { state.faults = { ...f }; },
    seal: async (id) => { state.sealed.add(id); return [...state.sealed]; },
    sealedAmong: (ids) => ids.filter((id) => state.sealed.has(id)),
  };
}
