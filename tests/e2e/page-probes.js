// Checks that run inside the page, shared by the Playwright specs and the cross-engine
// scenarios (tests/xe2e) so each finding is written once. Each function is self-contained:
// the runners serialise it into the page.

/** identify() with five payloads that cannot be read; returns what each call threw. */
export function tryUnreadablePayloads() {
  const attempt = (payload) => {
    try {
      SessionSight.identify(payload);
      return 'accepted';
    } catch (e) {
      return { name: e.name, code: e.code, field: e.field, ours: e instanceof SessionSight.SessionSightValidationError };
    }
  };
  const { proxy, revoke } = Proxy.revocable({ plan: 'x' }, {});
  revoke();
  return [
    attempt({ get plan() { throw new Error('boom'); } }),
    attempt(proxy),
    attempt(new Proxy({ plan: 'x' }, { ownKeys() { throw new Error('trap'); } })),
    attempt({ get plan() { return SessionSight.getVisitorId(); } }),
    attempt({ get plan() { SessionSight.identify({ nested: true }); return 'x'; } }),
  ];
}

/** What tryUnreadablePayloads must return: five validation errors, none raw. */
const unreadable = { name: 'SessionSightValidationError', code: 'payload_unreadable', field: 'payload', ours: true };
export const UNREADABLE_OUTCOMES = [unreadable, unreadable, unreadable, unreadable, unreadable];

/**
 * Holds the page's requests for tab locks (`ss_tab:…`) until `window[release]()` is called:
 * they reach the browser late, as on a loaded machine (init() does not await the grant).
 */
export function holdTabLocks(release) {
  const request = navigator.locks.request.bind(navigator.locks);
  const released = new Promise((r) => { window[release] = r; });
  navigator.locks.request = (name, ...rest) => (String(name).startsWith('ss_tab:')
    ? released.then(() => request(name, ...rest)) : request(name, ...rest));
}

/** Records the page's tab lock requests, so a test can wait for them (`otherTabLocksSettled`). */
export function recordTabLocks() {
  const request = navigator.locks.request.bind(navigator.locks);
  window.__tabRequests = [];
  navigator.locks.request = (...args) => {
    const done = request(...args);
    if (String(args[0]).startsWith('ss_tab:')) window.__tabRequests.push({ name: args[0], done: done.catch(() => {}) });
    return done;
  };
}

/** Resolves once every recorded request for another tab's lock has settled (this tab's own settles only on release). */
export function otherTabLocksSettled() {
  const own = `ss_tab:${sessionStorage.getItem('ss_tab')}`;
  return Promise.all(window.__tabRequests.filter((r) => r.name !== own).map((r) => r.done)).then(() => true);
}
