// `npm test` after setup and build: every layer of the pyramid, then one summary table.
// Native cargo tests; wasm-bindgen-test in headless Chromium, Firefox and WebKit; Node tests
// (server helper, collector, package); TypeScript declarations; the size budget; Playwright
// end-to-end tests in Chromium against the real collector; the framework examples; the cross-engine scenarios
// (tests/xe2e) through WebDriver in Chromium, Firefox and WebKit. Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const home = process.env.HOME || '/root';
const cargoBin = join(home, '.cargo/bin');
const results = [];
const only = process.argv.slice(2);

function run(name, cmd, args, { env = {}, unset = [], parse }) {
  if (only.length && !only.some((o) => name.toLowerCase().includes(o))) return;
  console.log(`\n\x1b[1m━━ ${name}\x1b[0m  ${cmd} ${args.join(' ')}`);
  const fullEnv = { ...process.env, PATH: `${cargoBin}:${process.env.PATH}`, ...env };
  for (const k of unset) delete fullEnv[k];
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, env: fullEnv, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const output = (r.stdout || '') + (r.stderr || '');
  process.stdout.write(output);
  const counts = parse(output);
  const ok = r.status === 0 && counts.failed === 0 && counts.passed > 0;
  results.push({ name, ...counts, ok, seconds: ((Date.now() - started) / 1000).toFixed(1), failures: ok ? [] : failuresIn(output) });
}

/**
 * The failing tests named in a layer's output, each with the first line of its message, so the
 * summary (the end of a CI log) says what failed: cargo and wasm-bindgen-test, node:test (TAP)
 * and the Playwright line reporter.
 */
function failuresIn(out) {
  const found = [];
  const firstAfter = (text, re) => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => re.test(l));
    return i < 0 ? '' : lines.slice(i, i + 3).map((l) => l.trim()).filter((l) => l && l !== '|-').join(' ').replace(/^error: (\|-)?\s*/, '');
  };
  for (const m of out.matchAll(/^test (\S+) \.\.\. FAILED$/gm)) {
    const section = (out.split(new RegExp(`^---- ${m[1]} (?:stdout|output) ----$`, 'm'))[1] || '').split(/^----|^test result/m)[0];
    found.push(`${m[1]}: ${firstAfter(section, /panicked at/)}`);
  }
  for (const m of out.matchAll(/^\s*not ok \d+ - (.*)\n((?:(?!^\s*(?:not )?ok \d).*\n)*)/gm)) found.push(`${m[1]}: ${firstAfter(m[2], /^\s+error:/)}`);
  for (const m of out.matchAll(/^\s+\d+\) (\S+:\d+:\d+ › .*)\n\n\s+(.*)$/gm)) found.push(`${m[1].trim()}: ${m[2]}`);
  return [...new Set(found)].slice(0, 20);
}

function cargoCounts(out) {
  let passed = 0, failed = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/** Also proves the runner drove the intended engine. */
const inEngine = (engine) => (out) => {
  const c = cargoCounts(out);
  return out.includes(`headless tests in ${engine}`) ? c : { ...c, failed: c.failed + 1, note: `not run in ${engine}` };
};

const nodeCounts = (out) => ({
  passed: Number((out.match(/^# pass (\d+)/m) || [])[1] || 0),
  failed: Number((out.match(/^# fail (\d+)/m) || [])[1] || 0),
});

const wasmTest = ['test', '--target', 'wasm32-unknown-unknown', '--test', 'web'];
const drivers = ['CHROMEDRIVER', 'GECKODRIVER', 'SAFARIDRIVER'];

run('native (cargo test)', 'cargo', ['test'], { parse: cargoCounts });
run('wasm: Chromium', 'cargo', wasmTest, { env: { CHROMEDRIVER: '/usr/bin/chromedriver' }, unset: drivers.filter((d) => d !== 'CHROMEDRIVER'), parse: inEngine('Chrome') });
run('wasm: Firefox', 'cargo', wasmTest, { env: { GECKODRIVER: join(cargoBin, 'geckodriver') }, unset: drivers.filter((d) => d !== 'GECKODRIVER'), parse: inEngine('Firefox') });
run('wasm: WebKit', 'xvfb-run', ['-a', 'cargo', ...wasmTest], { env: { SAFARIDRIVER: '/usr/bin/WebKitWebDriver' }, unset: drivers.filter((d) => d !== 'SAFARIDRIVER'), parse: inEngine('Safari') });
run('node (server, collector, package, shim units)', 'node', ['--test', '--test-reporter=tap', 'tests/server/', 'tests/node/', 'tests/unit/'], { parse: nodeCounts });
run('types (tsc --noEmit)', 'node', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tests/types/tsconfig.json'], {
  parse: (out) => ({ passed: /error TS/.test(out) ? 0 : 1, failed: /error TS/.test(out) ? 1 : 0 }),
});
run('e2e: Playwright, Chromium', 'node', ['node_modules/@playwright/test/cli.js', 'test'], {
  parse: () => {
    const file = join(root, 'test-results/e2e.json');
    if (!existsSync(file)) return { passed: 0, failed: 1 };
    const s = JSON.parse(readFileSync(file, 'utf8')).stats;
    return { passed: s.expected, failed: s.unexpected + s.flaky };
  },
});

// The README's framework recipes as apps (examples/frameworks), built and visited in Chromium.
run('frameworks: Next, SvelteKit, Nuxt, Vitest, Jest', 'node', ['tests/frameworks/run.mjs'], { parse: nodeCounts });

/** node:test counts, and proof the scenarios ran in `engine` (the runner checks the user agent). */
const inBrowser = (engine) => (out) => {
  const c = nodeCounts(out);
  const seen = out.match(new RegExp(`^# xe2e engine: ${engine} \\(([^)]*)\\)`, 'm'));
  if (!seen) return { ...c, failed: c.failed + 1, note: `not run in ${engine}` };
  const todo = Number((out.match(/^# todo (\d+)/m) || [])[1] || 0);
  const fixed = (out.match(/^ok \d+ - .* # TODO/gm) || []).length;
  const notes = [seen[1]];
  if (todo) notes.push(`${todo} expected to fail (TODO)${fixed ? `, ${fixed} of them pass now: drop their expectFail` : ''}`);
  return { ...c, note: notes.join('; ') };
};
const xe2e = ['--test-reporter=tap', 'tests/xe2e/run.mjs'];
run('xe2e: Chromium', 'node', [...xe2e, 'chromium'], { parse: inBrowser('Chromium') });
run('xe2e: Firefox', 'node', [...xe2e, 'firefox'], { parse: inBrowser('Firefox') });
run('xe2e: WebKit', 'xvfb-run', ['-a', 'node', ...xe2e, 'webkit'], { parse: inBrowser('WebKit') });

console.log('\n\x1b[1mSummary\x1b[0m');
console.log('  layer                                  passed  failed   secs');
for (const r of results) {
  const mark = r.ok ? '\x1b[32m✓\x1b[0m' : '\x1b[31m✗\x1b[0m';
  console.log(`${mark} ${r.name.padEnd(38)} ${String(r.passed).padStart(6)} ${String(r.failed).padStart(7)} ${r.seconds.padStart(6)}${r.note ? '  ' + r.note : ''}`);
}
for (const r of results.filter((x) => x.failures.length)) {
  console.log(`\n\x1b[31m${r.name}\x1b[0m failed:`);
  for (const f of r.failures) console.log(`  - ${f.slice(0, 300)}`);
}
const total = results.reduce((n, r) => n + r.passed, 0);
const bad = results.filter((r) => !r.ok);
console.log(bad.length ? `\n\x1b[31m${bad.length} layer(s) failed\x1b[0m` : `\n\x1b[32mall ${total} tests passed\x1b[0m`);
process.exit(bad.length ? 1 : 0);
