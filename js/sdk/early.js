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
     * the init option.
     */
    initConsent(optionConsent) {
      return calls.some(([name, args]) => name === 'setConsent' && args[0] === 'denied') ? 'denied' : optionConsent;
    },
    /** Hands the calls over in order and forgets them. */
    drain() {
      const out = calls;
      calls = [];
      return out;
    },
  };
}
