// The ES module entry (bundlers, <script type="module">). In a browser, evaluating it starts
// inflating and compiling the wasm it carries (its only side effect, so init() finds it ready); during
// server-side rendering it does nothing and every call is a no-op.
import { initSync } from '../pkg/sessionsight.js';
import * as wasm from '../pkg/sessionsight.js';
import { embeddedWasm } from './embedded.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const load = embeddedWasm(initSync, () => new URL('./sessionsight_bg.wasm', import.meta.url));

const SessionSight = createSessionSight(async () => {
  const { memory } = await load();
  return { Sdk: wasm.Sdk, explainIdentify: wasm.explainIdentify, memory };
});

export const { init, identify, getVisitorId, getSessionId, setConsent, getConsent, reset, flush, validate, explain } = SessionSight;
export { SessionSightValidationError };
export default SessionSight;
