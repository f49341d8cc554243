// How pages embed the SDK: the async snippet (calls queued before the script arrives,
// replayed in order, a caller bug at replay reported and not thrown) and a page under a
// strict Content Security Policy that allows WebAssembly only through 'wasm-unsafe-eval'.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';
import { UUID } from '../expect.js';

const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

scenario("the async snippet's queued calls are replayed in order; a caller bug goes to onError and console.error", async (b) => {
  const c = await b.collector();
  const DELAY = 1500;
  const proxy = await b.slowProxy(c.url, { '/dist/sessionsight.js': DELAY });
  await b.goto(proxy.url + '/snippet.html');
  assert.equal(await b.run(() => window.__queuedBefore), 4, 'init and three identify() calls sat in the stub queue');
  await b.poll(() => b.run(() => window.__initResolved), true, { message: 'init resolved' });
  assert.ok(proxy.log[0].answeredAt - proxy.log[0].requestedAt >= DELAY - 50, 'the script really came late');
  await b.poll(() => c.events((e) => e.type === 'identify').map((e) => e.customProperties), [{ plan: 'first' }, { plan: 'second' }]);
  const vid = await b.run(() => SessionSight.getVisitorId());
  assert.match(vid, UUID);
  for (const e of c.events()) assert.equal(e.visitorId, vid);
  assert.deepEqual(await b.run(() => window.__replayErrors), [{ name: 'SessionSightValidationError', code: 'id_email_shaped', field: 'id' }]);
  const errors = await b.poll(() => b.consoleMessages('error'), (m) => m.length > 0);
  assert.equal(errors.length, 1, `one console.error: ${JSON.stringify(errors)}`);
  assert.ok(errors[0].includes('[SessionSight]'), errors[0]);
  assert.equal(await b.run(() => window.__initRejected), null);
});

scenario("strict CSP with 'wasm-unsafe-eval' only: the script-tag SDK works, no violation", async (b) => {
  const c = await b.collector({ headers: { 'Content-Security-Policy': STRICT_CSP } });
  await b.goto(c.url + '/csp.html');
  await b.poll(() => b.run(() => [document.body.dataset.done || null, document.body.dataset.error || null]), ['1', null]);
  const vid = await b.run(() => SessionSight.getVisitorId());
  await b.poll(() => c.events((e) => e.type === 'identify').map((e) => [e.visitorId, e.id, e.customProperties.plan]), [[vid, 'user_csp', 'strict']]);
  assert.deepEqual(await b.run(() => window.__violations), []);
  // Control: the policy is enforced and violations are seen (an inline script is one).
  await b.run(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
  });
  await b.poll(() => b.run(() => window.__violations.length), 1, { message: 'the inline script is reported' });
  assert.equal(await b.run(() => window.__inlineRan), null);
});

// Engine difference: a refused WebAssembly compilation is reported to the page as a
// securitypolicyviolation with blockedURI 'wasm-eval' in Chromium and Firefox; WebKitGTK
// 2.50 refuses it (init rejects just the same) but fires no violation event. Firefox also
// logs the refusal in the page's log (a browser note, not a page error).
const WASM_BLOCKED = { chromium: ['wasm-eval'], firefox: ['wasm-eval'], webkit: [] };

scenario("CSP without 'wasm-unsafe-eval': init rejects cleanly, nothing thrown, nothing sent", async (b) => {
  const c = await b.collector({ headers: { 'Content-Security-Policy': "default-src 'self'; script-src 'self'; connect-src 'self'" } });
  await b.goto(c.url + '/csp.html');
  const error = await b.poll(() => b.run(() => document.body.dataset.error || null), (v) => v !== null, { message: 'init rejected' });
  assert.match(error, /CompileError|WebAssembly|wasm|Content Security Policy|unsafe-eval/i);
  assert.equal(await b.run(() => document.body.dataset.done || null), null);
  assert.equal(await b.run(() => SessionSight.getVisitorId()), '');
  // Violation events arrive in order: once a later control violation (an inline script) is
  // seen, any for the WebAssembly compilation has been reported too.
  await b.run(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
  });
  const blocked = await b.poll(() => b.run(() => window.__violations.map((v) => v.blocked)), (v) => v.includes('inline'));
  assert.deepEqual(blocked.filter((v) => v !== 'inline'), WASM_BLOCKED[b.engine]);
  if (b.engine === 'firefox') assert.ok(b.log.some((e) => e.kind === 'browser' && /WebAssembly/.test(e.text)), 'Firefox logs the refusal');
  assert.equal(c.state.requests, 0);
});
