// The classic-script entry (<script async src=".../sessionsight.js">): defines
// window.SessionSight synchronously, loads the wasm from beside this script, and replays the
// calls the inline snippet queued before the script arrived, in their original order.
import initWasm, * as wasm from '../pkg/sessionsight.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const script = document.currentScript;
const base = (script && script.src) || window.location.href;

const SessionSight = createSessionSight(async () => {
  const { memory } = await initWasm({ module_or_path: new URL('sessionsight_bg.wasm', base) });
  return { Sdk: wasm.Sdk, validateIdentify: wasm.validateIdentify, explainIdentify: wasm.explainIdentify, memory };
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
