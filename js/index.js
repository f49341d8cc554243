// The ES module entry (bundlers, <script type="module">). In a browser, evaluating it starts
// downloading and compiling the wasm (its only side effect, so init() finds it ready); during
// server-side rendering it does nothing and every call is a no-op. The wasm-bindgen glue is
// evaluated on first use, not at import: its top level creates a TextDecoder, which Jest's
// jsdom lacks, so importing the SDK is safe in Node, jsdom and workers alike.
import { compileWasm, prefetchWasm } from './prefetch.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const glue = () => import('./glue.js');
// A failed load names the URL and what to do (jsdom test runners have no fetch, or cannot fetch file: URLs).
const compile = (url) => Promise.resolve(url).then(compileWasm).catch((e) => {
  throw Error(`SessionSight: cannot load the wasm at ${url} (${e.message}): serve it there, pass init({ wasmUrl }), or mock '@sessionsight/insights' in unit tests`);
});
const load = prefetchWasm(() => compile(new URL('./sessionsight_bg.wasm', import.meta.url)), async (m) => (await glue()).initSync(m));

const SessionSight = createSessionSight(async (options) => {
  const { memory } = await (options.wasmUrl ? compile(new URL(options.wasmUrl, location.href)).then(async (module) => (await glue()).initSync({ module })) : load());
  const wasm = await glue();
  return { Sdk: wasm.Sdk, explainIdentify: wasm.explainIdentify, memory };
});

export const { init, identify, getVisitorId, getSessionId, setConsent, reset, flush, validate, explain } = SessionSight;
export { SessionSightValidationError };
export default SessionSight;
