// The parts of the wasm-bindgen glue the ES module entry uses, loaded on first use (js/index.js).
export { initSync, Sdk, explainIdentify } from '../pkg/sessionsight.js';
