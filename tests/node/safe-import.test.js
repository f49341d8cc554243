// Importing the ES module entry is safe wherever app code and its tests run (issue 21): nothing
// at module load touches a global that Node, jsdom (Jest, Vitest) or a worker may lack;
// init() that cannot get its wasm says which URL and what to do; validate()/explain() never
// answer null for a payload they did not check. Each case runs in a fresh Node process whose
// globals are cut down to the environment's. (The real Jest and Vitest runs are in the
// frameworks layer, examples/frameworks/{jest,vitest}.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const entry = new URL('../../dist/index.js', import.meta.url).href;

/** Runs `body` (an async function body) after `prelude`, in a fresh Node; returns its JSON output. */
function inFreshNode(prelude, body) {
  const script = `${prelude}
    const out = {};
    try { await (async () => { ${body} })(); } catch (e) { out.uncaught = String(e && e.stack || e); }
    console.log(JSON.stringify(out));
    process.exit(0); // an SDK that started keeps its timers: the answer is in`;
  const text = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(text.trim().split('\n').at(-1));
}

// What jest-environment-jsdom leaves: a window and a document, no TextDecoder/TextEncoder,
// no fetch, Response, DecompressionStream or structuredClone.
const jestJsdom = `
  for (const name of ['TextDecoder', 'TextEncoder', 'fetch', 'Response', 'Request', 'Headers', 'DecompressionStream', 'structuredClone', 'FinalizationRegistry', 'WeakRef']) {
    Object.defineProperty(globalThis, name, { value: undefined, configurable: true, writable: true });
  }
  globalThis.window = globalThis;
  globalThis.document = { cookie: '', visibilityState: 'visible', addEventListener() {}, removeEventListener() {} };
  globalThis.location = new URL('http://localhost/');
  globalThis.addEventListener = () => {};
  globalThis.removeEventListener = () => {};`;

test('Jest + jsdom globals: importing the SDK does not throw; init() rejects naming the wasm URL and what to do', () => {
  const out = inFreshNode(jestJsdom, `
    const m = await import(${JSON.stringify(entry)});
    out.imported = typeof m.default.init;
    try { await m.default.init({ apiKey: 'pk_test' }); out.init = 'resolved'; } catch (e) { out.init = e.message; }`);
  assert.equal(out.uncaught, undefined, out.uncaught);
  assert.equal(out.imported, 'function');
  assert.match(out.init, /sessionsight_bg\.wasm/);
  assert.match(out.init, /file:\/\/\S*\/dist\/sessionsight_bg\.wasm/);
  assert.match(out.init, /serve it there, pass init\(\{ wasmUrl \}\), or mock '@sessionsight\/insights'/);
});

test("Vitest + jsdom globals (Node's own DecompressionStream and WebAssembly): init() inflates the wasm the module carries, nothing fetched; validate() answers after it", () => {
  const out = inFreshNode(`globalThis.window = globalThis; globalThis.location = new URL('http://localhost:3000/');
    globalThis.document = { cookie: '', visibilityState: 'visible', addEventListener() {}, removeEventListener() {} };
    globalThis.addEventListener = () => {}; globalThis.removeEventListener = () => {};
    globalThis.fetch = async (url) => { throw new TypeError('fetch failed: ' + url); };`, `
    const m = await import(${JSON.stringify(entry)});
    try { await m.default.init({ apiKey: 'pk_test', filterBots: false }); out.init = 'resolved'; } catch (e) { out.init = e.message; }
    out.validate = m.default.validate({ id: 'ana@example.com' })?.code;`);
  assert.equal(out.uncaught, undefined, out.uncaught);
  assert.equal(out.init, 'resolved');
  assert.equal(out.validate, 'id_email_shaped');
});

test('validate() and explain() never answer null unchecked: the same clear error in Node, in jsdom, and in a browser before init()', () => {
  for (const prelude of ['', jestJsdom]) {
    const out = inFreshNode(prelude, `
      const m = await import(${JSON.stringify(entry)});
      for (const [name, payload] of [['validate', { id: 'ana@example.com' }], ['validateOk', { id: 'user_1' }], ['explain', { id: 'ana@example.com' }]]) {
        try { out[name] = { value: m.default[name.replace('Ok', '')](payload) }; } catch (e) { out[name] = { error: e.message }; }
      }`);
    assert.equal(out.uncaught, undefined, out.uncaught);
    for (const name of ['validate', 'validateOk', 'explain']) {
      assert.equal(out[name].value, undefined, `${name} answered ${JSON.stringify(out[name].value)} ${prelude ? 'in jsdom' : 'in Node'}`);
      assert.match(out[name].error, /validate\(\)\/explain\(\) need the wasm core: await init\(\) first/);
    }
  }
});
