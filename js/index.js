// The ES module entry (bundlers, <script type="module">). Importing it has no side effects
// and works during server-side rendering, where every call is a no-op.
import initWasm, * as wasm from '../pkg/sessionsight.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const SessionSight = createSessionSight(async () => {
  const { memory } = await initWasm({ module_or_path: new URL('./sessionsight_bg.wasm', import.meta.url) });
  return { Sdk: wasm.Sdk, validateIdentify: wasm.validateIdentify, explainIdentify: wasm.explainIdentify, memory };
});

export const { init, identify, getVisitorId, getSessionId, setConsent, reset, flush, validate, explain } = SessionSight;
export { SessionSightValidationError };
export default SessionSight;
