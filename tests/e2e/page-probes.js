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
