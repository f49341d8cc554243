// The JavaScript shim of SessionSight Insights: builds the public API from its parts (js/sdk/):
// the guarded core, the network transport, the delivery scheduler, the page lifecycle, tab
// coordination and the queue of calls made before init(). Every decision is the wasm core's.
import { SessionSightValidationError, configError, fromCore } from './sdk/errors.js';
import { payloadKey, refuseReentry, snapshot, snapshotOptions } from './sdk/payload.js';
import { createCoreGuard } from './sdk/core.js';
import { createTransport, makeFetchRequest } from './sdk/transport.js';
import { createDelivery } from './sdk/delivery.js';
import { pageVisible, watchPage } from './sdk/lifecycle.js';
import { createTabs } from './sdk/tabs.js';
import { createEarlyQueue } from './sdk/early.js';
import { screenEvents } from './sdk/before-send.js';
import { botReason, validPatterns } from './sdk/bots.js';

export { SessionSightValidationError };

/** Input events count as activity at most this often. */
const INPUT_EVERY_MS = 5000;

/** True when the browser sends Global Privacy Control (a refused read counts as not sent). */
function gpc() {
  try {
    return navigator.globalPrivacyControl === true;
  } catch (e) {
    return false;
  }
}

function storedProfile() {
  try {
    return localStorage.getItem('ss_prof');
  } catch (e) {
    return null;
  }
}

/**
 * Builds the public API around a wasm loader. `loadWasm()` resolves to the wasm-bindgen
 * module ({ Sdk, explainIdentify, memory }) once instantiated.
 */
export function createSessionSight(loadWasm) {
  const browser = typeof window !== 'undefined' && typeof document !== 'undefined';
  let wasm = null;
  let opts = {};
  let starting = null;
  let failed = false;
  let filtered = false; // a bot's page: nothing is written, sent or queued
  let delivery = null;
  let tabs = null;
  let lastActivity = 0;
  const early = createEarlyQueue();
  // identify()'s fast path: the same accepted payload again, for the same visitor, with the
  // stored fingerprints untouched, cannot change the profile. `epoch` moves whenever that may
  // no longer hold (reset, consent, another tab's change, any delivery outcome).
  let epoch = 0;
  let lastIdentify = { key: null, epoch: -1, version: -1, profile: null };

  function report(error) {
    if (opts.debug) console.warn('[SessionSight]', error);
    if (typeof opts.onError === 'function') {
      try { opts.onError(error); } catch (e) { /* the callback's own bug stays out of the SDK */ }
    }
  }

  // After a trap every call returns its fallback: timers and listeners find nothing to do.
  const core = createCoreGuard({
    report,
    onPersist: () => {
      if (lastIdentify.profile === undefined) lastIdentify.profile = storedProfile();
    },
  });

  function changed() {
    epoch++;
    if (delivery) delivery.schedule(true);
  }

  function activity(claim) {
    const now = Date.now();
    core.write((s) => s.activity(now, claim));
    lastActivity = now;
    if (delivery) delivery.schedule();
  }

  /** This tab's id was taken by a copy of it: a new id and session, and their lock. */
  function retab() {
    core.write((s) => s.retab(Date.now()));
    const tabId = core.read((s) => s.tabId, '');
    if (tabId) tabs.claim(tabId, retab);
    changed();
  }

  /**
   * The person is looking at this tab: follow other tabs' changes, then claim the session. A
   * tab closed just now (the browser shows this one instead) may have left events its unload
   * send did not deliver: they are adopted now rather than at the next periodic pass.
   */
  function claim() {
    if (tabs) {
      tabs.sync();
      tabs.adoptSoon();
    }
    activity(true);
  }

  function listen() {
    watchPage(window, document, {
      claim,
      hidden: () => delivery.flushUrgent(),
      pagehide: () => {
        delivery.flushUrgent();
        tabs.pagehide();
      },
      pageshow: () => {
        tabs.pageshow(core.read((s) => s.tabId, ''));
        claim();
        delivery.wake();
      },
      online: () => {
        delivery.flushUrgent();
        delivery.wake();
      },
      input: () => { if (Date.now() - lastActivity > INPUT_EVERY_MS) activity(false); },
    });
    window.addEventListener('storage', (e) => tabs.onStorage(e));
  }

  function replay(name, args) {
    try {
      api[name](...args);
    } catch (e) {
      console.error('[SessionSight]', e);
      report(e);
    }
  }

  /**
   * The consent the core starts with: a setConsent('denied') queued before init(), else the
   * init option, else denied for a browser sending Global Privacy Control (`respectGpc`,
   * default true) until the site grants explicitly.
   */
  function startConsent() {
    return early.initConsent(opts.consent, opts.respectGpc !== false && gpc());
  }

  async function start(options) {
    opts = snapshotOptions(options);
    if (!validPatterns(opts.botPatterns)) throw configError('botPatterns must be an array of strings and RegExps');
    wasm = await loadWasm(opts);
    const bot = opts.filterBots !== false && typeof navigator === 'object' && botReason(navigator, window, opts.botPatterns || undefined);
    if (bot) {
      filtered = true;
      early.drain();
      if (opts.debug) console.info(`[SessionSight] not counted, nothing written or sent: ${bot} (filterBots: false counts it)`);
      return;
    }
    const url = new URL(opts.endpoint || '/ingest', window.location.href);
    const consent = startConsent();
    // The core calls beforeSend through `screenEvents` (a non-function is the core's error to name).
    const beforeSend = typeof opts.beforeSend === 'function' ? screenEvents(opts.beforeSend, wasm.explainIdentify, report) : opts.beforeSend;
    const sdk = new wasm.Sdk({ ...opts, consent, beforeSend }, Date.now());
    const locks = typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : undefined;
    tabs = createTabs({ core, locks, onChange: changed });
    const inherited = sdk.inheritedTabId;
    const duplicate = await tabs.isDuplicate(inherited);
    sdk.start(Date.now(), duplicate, pageVisible(document));
    // Requested now, not awaited, so ready does not wait a round trip (3–30 ms measured in
    // Chromium) for the grant. A copy of this tab made before the grant finds the id free and
    // keeps it with this tab's session; this tab then goes on as a new tab (`retab`).
    tabs.claim(sdk.tabId, retab);
    const transport = createTransport({ timeoutMs: opts.requestTimeoutMs }, makeFetchRequest({
      endpoint: url.href,
      sameOrigin: url.origin === window.location.origin,
    }));
    delivery = createDelivery(core, transport, {
      interval: opts.flushIntervalMs,
      batchSize: opts.batchSize,
      debug: opts.debug,
      report,
      onSettled: () => { epoch++; },
    });
    core.attach(sdk);
    listen();
    tabs.start();
    // Denied on this visit: what earlier visits stored is gone, for the open tabs too.
    if (consent === 'denied') tabs.announceDenied();
    for (const [name, args] of early.drain()) replay(name, args);
    delivery.schedule();
  }

  /** Before the core is live: queue the call (browser only); true when queued or dropped. */
  function notLive(name, args) {
    if (core.live) return false;
    if (browser && !failed && !filtered && !core.disabled) early.push(name, args);
    return true;
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
      const data = snapshot(payload);
      if (notLive('identify', [data])) return;
      // (With a beforeSend hook the core always decides: a dropped identify does not count.)
      const key = opts.beforeSend ? null : payloadKey(data);
      // profileVersion moves when the core forgets fingerprints (an identify was not delivered).
      const version = core.read((s) => s.profileVersion, 0);
      const same = key !== null && key === lastIdentify.key && lastIdentify.epoch === epoch && lastIdentify.version === version;
      // (`profile` is undefined while this task's own write is pending: nobody else can have
      // written in between.)
      if (same && (lastIdentify.profile === undefined ? core.persistPending : storedProfile() === lastIdentify.profile)) {
        if (Date.now() - lastActivity > 1000) activity(false);
        return;
      }
      if (core.write((s) => s.identify(data, Date.now()), false)) delivery.schedule(true);
      lastIdentify = { key, epoch, version: core.read((s) => s.profileVersion, 0), profile: undefined };
    },
    getVisitorId() {
      refuseReentry();
      return core.read((s) => s.visitorId, '');
    },
    getSessionId() {
      refuseReentry();
      return core.read((s) => s.sessionId, '');
    },
    setConsent(value) {
      refuseReentry();
      if (value !== 'granted' && value !== 'denied') {
        throw new TypeError(`SessionSight.setConsent: 'granted' or 'denied', not '${value}'`);
      }
      if (notLive('setConsent', [value])) return;
      epoch++;
      core.write((s) => s.setConsent(value === 'granted', Date.now()));
      if (value === 'denied') tabs.announceDenied();
      delivery.schedule(true);
    },
    /** The consent the SDK acts on: the core's once live, else what init() would start with. */
    getConsent() {
      refuseReentry();
      return core.read((s) => s.consent, startConsent() !== 'denied') ? 'granted' : 'denied';
    },
    reset() {
      refuseReentry();
      if (notLive('reset', [])) return;
      epoch++;
      core.write((s) => s.reset(Date.now()));
      delivery.schedule(true);
    },
    /** identify()'s checks without sending: null, or the error identify() would throw. */
    validate(payload) {
      return api.explain(payload).error;
    },
    /** What identify() would do with a payload: its error, and the keys it would drop as PII. */
    explain(payload) {
      let data;
      try { data = snapshot(payload); } catch (e) { return { error: e, dropped: [] }; }
      // The checks live in the wasm core: without it there is no answer, in any environment.
      if (!wasm) throw new Error('SessionSight: validate()/explain() need the wasm core: await init() first (in a browser)');
      const out = wasm.explainIdentify(data);
      return { error: out.error ? fromCore(out.error) : null, dropped: out.dropped };
    },
    async flush() {
      refuseReentry();
      if (starting) await starting.catch(() => {});
      if (!core.live || !delivery) return;
      await delivery.pump();
    },
  };
  // Not part of the API: figures for the benchmark and the demo (wasm memory, delivery state).
  Object.defineProperty(api, '__stats', {
    value: () => ({
      wasmMemoryBytes: wasm ? wasm.memory.buffer.byteLength : 0,
      pending: 0,
      ...(delivery && delivery.stats()),
      storageFailed: core.read((s) => s.storageFailed === true, false),
      disabled: core.disabled,
    }),
  });
  return api;
}
