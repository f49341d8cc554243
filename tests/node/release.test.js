// A release a site can pin (issue 23): the version in each entry's banner and in the versioned
// file beside the stable one, the README's script tag carrying that file's SRI hash, a CHANGELOG
// entry for the version, and the snippet in the README and the demo being js/snippet.js as built,
// with every method the global Window type promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

const read = (f) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');
const { version } = JSON.parse(read('package.json'));
const readme = read('README.md');

test('the version is in both entries\' banner and in the versioned file, the same bytes as the stable one', () => {
  for (const f of ['dist/sessionsight.js', 'dist/index.js']) assert.ok(read(f).startsWith(`/*! SessionSight Insights ${version} `), f);
  assert.equal(read(`dist/sessionsight-${version}.js`), read('dist/sessionsight.js'));
  assert.ok(JSON.parse(read('package.json')).files.includes(`dist/sessionsight-${version}.js`));
  assert.match(read('Cargo.toml'), new RegExp(`^version = "${version}"$`, 'm'));
});

test("the README's script tag pins this version with its SRI hash (npm run build prints it)", () => {
  const file = readFileSync(new URL(`../../dist/sessionsight-${version}.js`, import.meta.url));
  const sri = `sha384-${createHash('sha384').update(file).digest('base64')}`;
  const tag = readme.match(/<script async src="[^"]*\/sessionsight-([\d.]+)\.js"\s+integrity="([^"]+)"\s+crossorigin="anonymous"><\/script>/);
  assert.ok(tag, 'a pinned script tag in the README');
  assert.equal(tag[1], version);
  assert.equal(tag[2], sri, `README's integrity: update it to ${sri} (a change to the SDK is a new release: bump the version and CHANGELOG too)`);
});

test('CHANGELOG.md keeps a changelog from this version on', () => {
  const log = read('CHANGELOG.md');
  assert.match(log, /Keep a Changelog/);
  assert.match(log, /^## \[Unreleased\]$/m);
  assert.match(log, new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
});

test('the snippet in the README and the demo is js/snippet.js minified, with what the global type promises', () => {
  const built = transformSync(read('js/snippet.js'), { minify: true }).code.trim();
  const url = /"[^"]*sessionsight[^"]*\.js"\)/;
  const inReadme = readme.match(/<script>(\(function\(.*?)<\/script>/)[1];
  assert.equal(inReadme.replace(url, 'URL)'), built.replace(url, 'URL)'));
  const inPage = read('www/snippet.html').match(/<script>(\(function\(.*?)<\/script>/)[1];
  assert.equal(inPage, built);
  const promised = [...read('js/index.d.ts').match(/export interface SessionSightApi \{([\s\S]*?)\n\}/)[1].matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]).filter((m) => !m.startsWith('__'));
  for (const m of promised) assert.ok(built.includes(`"${m}"`), `the stub lacks ${m}`);
});
