// The ES module entry (bundlers, <script type="module">). In a browser, evaluating it starts
// downloading and compiling the wasm (its only side effect, so init() finds it ready); during
// server-side rendering it does nothing and every call is a no-op. The wasm-bindgen glue is
// evaluated on first use, not at import: its top level creates a TextDecoder, which Jest's
// jsdom lacks, so importing the SDK is safe in Node, jsdom and workers alike.
import { compileWasm, prefetchWasm } from './prefetch.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const glue = () => import('../pkg/sessionsight.js');
const beside = () => new URL('./sessionsight_bg.wasm', import.meta.url);
const load = prefetchWasm(() => compileWasm(beside()), async (m) => (await glue()).initSync(m));

const SessionSight = createSessionSight(async (options) => {
  // `wasmUrl`: where the wasm is served when not beside this file.
  const { memory } = await (options && options.wasmUrl ? glue().then(async (g) => g.initSync({ module: await compileWasm(new URL(options.wasmUrl, location.href)) })) : load());
  const wasm = await glue();
  return { Sdk: wasm.Sdk, explainIdentify: wasm.explainIdentify, memory };
});

export const { init, identify, getVisitorId, getSessionId, setConsent, reset, flush, validate, explain } = SessionSight;
export { SessionSightValidationError };
export default SessionSight;
