// The one door to the wasm core. Calls that change state are followed by one storage write per
// task (a microtask), a failed storage write is reported once, and only a trap of the core's own
// code (WebAssembly.RuntimeError) switches the SDK off, reported once. Any other error (a
// browser API refusing, a bad server answer reaching the core) is reported and the call's
// fallback returned: the SDK keeps working.
import { fromCore, isValidationError } from './errors.js';

/** `report(error)` reaches debug/onError; once disabled, every call returns its fallback. */
export function createCoreGuard({ report, onPersist = () => {} }) {
  let sdk = null;
  let disabled = false;
  let persistQueued = false;
  let storageReported = false;
  const seen = new Set(); // messages of non-trap errors already reported

  function fail(e) {
    if (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) {
      sdk = null;
      disabled = true;
      console.error('[SessionSight] disabled after an internal error', e);
      report(e);
      return;
    }
    const key = String(e && e.message);
    if (seen.has(key)) return;
    seen.add(key);
    report(e instanceof Error ? e : new Error(`SessionSight: ${key}`));
  }

  function checkStorage() {
    if (storageReported || !sdk) return;
    let failed = false;
    try { failed = sdk.storageFailed === true; } catch (e) { failed = false; }
    if (failed) {
      storageReported = true;
      report(new Error('SessionSight: storage full or refused, events kept in memory'));
    }
  }

  function persistSoon() {
    if (persistQueued) return;
    persistQueued = true;
    queueMicrotask(() => {
      persistQueued = false;
      if (!sdk) return;
      try {
        sdk.persist();
      } catch (e) {
        fail(e);
      }
      checkStorage();
      onPersist();
    });
  }

  function run(fn, fallback) {
    if (!sdk) return fallback;
    try {
      return fn(sdk);
    } catch (e) {
      if (isValidationError(e)) throw fromCore(e);
      fail(e);
      return fallback;
    }
  }

  return {
    get live() { return sdk !== null; },
    get disabled() { return disabled; },
    /** True while a storage write of this task is still to come (see persistSoon). */
    get persistPending() { return persistQueued; },
    attach(core) {
      sdk = core;
      checkStorage();
    },
    /** A call that only reads. */
    read: run,
    /** A call that may change state: storage is written once at the end of the task. */
    write(fn, fallback) {
      if (!sdk) return fallback;
      persistSoon();
      return run(fn, fallback);
    },
  };
}
