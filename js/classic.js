// The classic-script entry (<script async src=".../sessionsight.js">): defines
// window.SessionSight synchronously, loads the wasm from beside this script, and replays the
// calls the inline snippet queued before the script arrived, in their original order. The wasm
// starts downloading and compiling as soon as this script runs, before init() is called.
import { initSync } from '../pkg/sessionsight.js';
import * as wasm from '../pkg/sessionsight.js';
import { prefetchWasm } from './prefetch.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const script = document.currentScript;
const base = (script && script.src) || window.location.href;
const load = prefetchWasm(new URL('sessionsight_bg.wasm', base), initSync);

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
