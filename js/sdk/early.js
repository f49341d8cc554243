// Calls made before init() resolved (or through the snippet before the script arrived), kept in
// order and replayed once the core is live. A setConsent('denied') among them is applied as the
// consent init() starts with, so nothing is written or sent before the denial takes effect.

const QUEUED = new Set(['identify', 'setConsent', 'reset']);

export function createEarlyQueue() {
  let calls = [];
  return {
    push(name, args) {
      if (QUEUED.has(name)) calls.push([name, args]);
    },
    /**
     * The consent the core must start with: 'denied' when any queued call denied it (the
     * later calls still replay in order, so a grant after it mints a fresh visitor), else
     * the init option; without either, 'denied' when `gpc` (the browser sends Global
     * Privacy Control and the site respects it) until the site grants explicitly.
     */
    initConsent(optionConsent, gpc) {
      const asked = calls.filter(([name]) => name === 'setConsent');
      if (asked.some(([, args]) => args[0] === 'denied')) return 'denied';
      return optionConsent || (gpc && !asked.length ? 'denied' : optionConsent);
    },
    /** Hands the calls over in order and forgets them. */
    drain() {
      const out = calls;
      calls = [];
      return out;
    },
  };
}
