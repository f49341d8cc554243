// The classic-script entry (<script async src=".../sessionsight.js">): defines
// window.SessionSight synchronously and replays the calls the inline snippet queued before the
// script arrived, in their original order. The wasm travels inside this script (embedded.js):
// init() compiles it without a second request.
import { initSync } from '../pkg/sessionsight.js';
import * as wasm from '../pkg/sessionsight.js';
import { embeddedWasm } from './embedded.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

// The script's own URL, read while it is evaluated: the .wasm beside it is the fallback.
const script = document.currentScript ? document.currentScript.src : '';
const load = embeddedWasm(initSync, () => new URL('sessionsight_bg.wasm', script || location.href));

const SessionSight = createSessionSight(async () => {
  const { memory } = await load();
  return { Sdk: wasm.Sdk, explainIdentify: wasm.explainIdentify, memory };
});
SessionSight.SessionSightValidationError = SessionSightValidationError;

const stub = window.SessionSight;
window.SessionSight = SessionSight;
if (stub && Array.isArray(stub._q)) {
  for (const [name, args, settle] of stub._q) {
    try {
      const result = SessionSight[name](...args);
      if (settle) Promise.resolve(result).then(settle[0], settle[1]);
    } catch (e) {
      console.error('[SessionSight]', e);
      if (settle) settle[1](e);
    }
  }
}
