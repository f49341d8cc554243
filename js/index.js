// The ES module entry (bundlers, <script type="module">). In a browser, evaluating it starts
// inflating and compiling the wasm it carries (its only side effect, so init() finds it ready);
// during server-side rendering it does nothing and every call is a no-op. The wasm-bindgen glue
// is evaluated on first use, not at import: its top level creates a TextDecoder, which Jest's
// jsdom lacks, so importing the SDK is safe in Node, jsdom and workers alike.
import { embeddedWasm } from './embedded.js';
import { compileWasm } from './prefetch.js';
import { createSessionSight, SessionSightValidationError } from './sdk.js';

const glue = () => import('./glue.js');
const initSync = async (module) => (await glue()).initSync(module);
// A failed load names the URL and what to do (jsdom test runners may have no fetch or
// DecompressionStream, or cannot fetch file: URLs).
const named = (url, loading) => loading.catch((e) => {
  throw Error(`SessionSight: cannot load the wasm at ${url} (${e.message}): serve it there, pass init({ wasmUrl }), or mock '@sessionsight/insights' in unit tests`);
});
const beside = () => new URL('./sessionsight_bg.wasm', import.meta.url);
const load = embeddedWasm(initSync, beside);

const SessionSight = createSessionSight(async (options) => {
  const { memory } = await (options.wasmUrl
    ? named(options.wasmUrl, compileWasm(new URL(options.wasmUrl, location.href)).then((module) => initSync({ module })))
    : named(beside(), load()));
  const wasm = await glue();
  return { Sdk: wasm.Sdk, explainIdentify: wasm.explainIdentify, memory };
});

export const { init, identify, getVisitorId, getSessionId, setConsent, getConsent, reset, flush, validate, explain } = SessionSight;
export { SessionSightValidationError };
export default SessionSight;
