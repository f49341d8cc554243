// The framework layer (`node scripts/test.mjs frameworks`): installs the packed SDK into the
// examples' shared workspace as a user's `npm install` would (only the files `npm pack` ships),
// then runs tests/frameworks/*.test.js. The workspace's own packages are installed by
// scripts/setup.sh (once, from examples/frameworks/package-lock.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root, workspace } from './harness.js';

const started = Date.now();
const packDir = join(root, '.cache/pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir, { recursive: true });
// SESSIONSIGHT_PACKAGE_DIR: pack another checkout instead (to see these tests fail on an older SDK).
execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: process.env.SESSIONSIGHT_PACKAGE_DIR || root, stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')));
const target = join(workspace, 'node_modules/@sessionsight/insights');
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
console.log(`# packed SDK installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const files = readdirSync(new URL('.', import.meta.url).pathname).filter((f) => f.endsWith('.test.js')).map((f) => join('tests/frameworks', f));
const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
console.log(`# framework layer: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
