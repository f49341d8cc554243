// The npm package as consumers see it: the exports map resolves, importing the ES module in
// Node (server-side rendering: no window) does not throw and every call is a no-op, and the
// files a site serves exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url)));

test('package.json follows the ecosystem conventions', () => {
  assert.equal(pkg.name, '@sessionsight/insights');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(Object.keys(pkg.exports['.'])[0], 'types', 'types first');
  assert.equal(Object.keys(pkg.exports['./server'])[0], 'types');
  for (const file of pkg.files) assert.ok(existsSync(new URL(`../../${file}`, import.meta.url)), `${file} exists`);
});

test('importing during SSR does not throw and calls are no-ops', async () => {
  assert.equal(typeof globalThis.window, 'undefined');
  const mod = await import('@sessionsight/insights');
  const SessionSight = mod.default;
  await SessionSight.init({ apiKey: 'pk_test', filterBots: false });
  assert.equal(SessionSight.identify({ id: 'user-1' }), undefined);
  assert.equal(SessionSight.identify({ id: 'ana@example.com' }), undefined, 'no validation without a browser');
  assert.equal(SessionSight.getVisitorId(), '');
  assert.equal(SessionSight.getSessionId(), '');
  SessionSight.reset();
  await SessionSight.flush();
  assert.equal(typeof mod.SessionSightValidationError, 'function');
  const err = new mod.SessionSightValidationError('m', 'id_too_long', 'id');
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'SessionSightValidationError');
});

test('the server entry resolves through the exports map', async () => {
  const { forRequest } = await import('@sessionsight/insights/server');
  const vid = '0f8fad5b-d9cb-469f-a165-70867728950e';
  assert.deepEqual(forRequest(`ss_vid=${vid}`), { visitorId: vid, sessionId: null });
  const require = createRequire(import.meta.url);
  assert.ok(require.resolve('@sessionsight/insights/sessionsight_bg.wasm').endsWith('dist/sessionsight_bg.wasm'));
});
