// The README's framework recipes are the example apps' sources (examples/frameworks, built and
// visited by the frameworks layer): every code line of these files appears in the README, so
// the two cannot drift. And the README states the collector's settings as it enforces them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const lines = new Set(readme.split('\n').map((l) => l.trim()));

const recipes = [
  'examples/frameworks/next/proxy.js',
  'examples/frameworks/sveltekit/src/hooks.server.js',
  'examples/frameworks/nuxt/server/middleware/sessionsight.js',
];

test('each recipe file is in the README, line for line (comments aside)', () => {
  for (const file of recipes) {
    const code = readFileSync(new URL(file, root), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
    const missing = code.filter((l) => !lines.has(l));
    assert.deepEqual(missing, [], `${file}: lines not in the README`);
  }
});

test('the README names the React entry, identityHeaders and the wasm location option', () => {
  for (const s of ["@sessionsight/insights/react", 'useIdentify(user)', 'identityHeaders(request, identity)', 'init({ wasmUrl })']) {
    assert.ok(readme.includes(s), s);
  }
});

test('COLLECTOR_TOKEN: the README states the minimum length the collector enforces', async () => {
  assert.match(readme, /COLLECTOR_TOKEN[^.]*at least 16 characters/);
  const { startCollector } = await import('../../js/collector.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-token-'));
  const started = startCollector({ port: 0, host: '127.0.0.1', dataDir, quiet: true, token: 'x'.repeat(15) });
  started.then((c) => c.close(), () => {}).finally(() => rmSync(dataDir, { recursive: true, force: true }));
  await assert.rejects(started, /16 characters/);
});
