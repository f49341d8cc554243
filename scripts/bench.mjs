// `npm run bench` (not part of `npm test`): SessionSight side by side with the SDKs people
// already use. Writes bench/report.md: 1. bytes a page downloads (gzip, brotli); 2. time from
// script start to ready in headless Chromium (median of 21 loads, all served by one local
// server); 3. identify() cost in Chromium and scrubber throughput natively; 4. memory after
// init and after 10,000 identify() calls; 5. each figure's ratio to the best anchor; what
// the shipped wasm is made of; 6. the reference collector's throughput (bench/collector.mjs).
// Anchors are fetched with `npm pack` into .cache/anchors (git-ignored).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, extname, normalize } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumArgs } from '../playwright.config.js';
import { cargoShipped, composition, sizeOf, wasmOpt } from './wasm-tools.mjs';
import { collectorBench } from '../bench/collector.mjs';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, '.cache/anchors');
const LOADS = 21;

// Segment's snippet stub: the queue its standalone script replays, and its write key.
const SEGMENT_STUB = "window.analytics = []; analytics._writeKey = 'bench';";
const ANCHORS = [
  { name: 'Snowplow', pkg: '@snowplow/browser-tracker', file: 'dist/index.umd.min.js',
    init: "snowplowBrowserTracking.newTracker('sp', location.origin, { appId: 'bench', eventMethod: 'post' }); done();" },
  // Its settings, which it fetches from its CDN before it is ready, come from the bench server
  // (`_cdn`), as every other SDK's endpoint does.
  { name: 'Segment', pkg: '@segment/analytics-next', file: 'dist/umd/standalone.js',
    stub: `${SEGMENT_STUB} analytics._cdn = location.origin; analytics.push(['ready', function () { done(); }]);`,
    init: '' },
  { name: 'Mixpanel', pkg: 'mixpanel-browser', file: 'dist/mixpanel.min.js', stub: 'window.mixpanel = []; mixpanel.__SV = 1.2;',
    init: "mixpanel.init('bench', { api_host: location.origin, loaded: done });" },
  { name: 'PostHog', pkg: 'posthog-js', file: 'dist/array.js',
    init: "posthog.init('phc_bench', { api_host: location.origin, autocapture: false, disable_session_recording: true, loaded: done });" },
  { name: 'Amplitude', pkg: '@amplitude/analytics-browser', file: 'lib/scripts/amplitude-min.js',
    init: "amplitude.init('bench', { serverUrl: location.origin + '/collect', autocapture: false }).promise.then(done, done);" },
];
// The classic script carries its wasm: it is the one file a page downloads.
const OURS = { name: 'SessionSight', files: ['dist/sessionsight.js'],
  init: "SessionSight.init({ apiKey: 'pk_bench', flushIntervalMs: 1e9, filterBots: false }).then(done, done);" };

function fetchAnchors() {
  mkdirSync(cache, { recursive: true });
  for (const a of ANCHORS) {
    a.dir = join(cache, a.pkg.replace(/[@/]/g, '_'));
    if (!existsSync(join(a.dir, 'package', a.file))) {
      mkdirSync(a.dir, { recursive: true });
      // `npm pack` names the tarball relative to its cwd: extract it from the same folder.
      const tgz = execFileSync('npm', ['pack', a.pkg, '--silent'], { cwd: a.dir, encoding: 'utf8' }).trim().split('\n').pop();
      execFileSync('tar', ['xzf', tgz], { cwd: a.dir });
    }
    a.version = JSON.parse(readFileSync(join(a.dir, 'package/package.json'))).version;
    a.url = `/.cache/anchors/${a.dir.split('/').pop()}/package/${a.file}`;
    a.paths = [join(a.dir, 'package', a.file)];
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => (n / 1000).toFixed(1);
const ratio = (x, best) => (x / best).toFixed(2) + '×';

/** One static server for everything, so every SDK loads the same way. */
function serve() {
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const pages = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/v1/projects/bench/settings') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return res.end(JSON.stringify({ integrations: { 'Segment.io': { apiKey: 'bench' } }, plan: {} }));
    }
    if (pages.has(path)) {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Cache-Control': 'no-store' });
      return res.end(pages.get(path));
    }
    const full = normalize(join(root, path));
    const allowed = ['/dist/', '/.cache/anchors/'].some((p) => full.startsWith(join(root, p)));
    if (req.method !== 'GET' || !allowed || !existsSync(full)) {
      res.writeHead(req.method === 'POST' ? 204 : 404, { 'Cache-Control': 'no-store' });
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': types[extname(full)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(full));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, pages, origin: `http://127.0.0.1:${server.address().port}` })));
}

function page(scriptUrl, sdk) {
  return `<!doctype html><meta charset="utf-8"><script>
window.__t0 = performance.now();
window.__ready = new Promise((r) => { window.done = () => r(performance.now() - window.__t0); });
${sdk.stub || ''}</script>
<script src="${scriptUrl}"></script><script>try { ${sdk.init} } catch (e) { done(); }</script>`;
}

/** One load of `/bench/<name>.html` in a fresh context: script start to the SDK's ready, in ms. */
async function loadOnce(browser, origin, name) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${origin}/bench/${name}.html`);
  const ms = await p.evaluate(() => Promise.race([window.__ready, new Promise((r) => setTimeout(() => r(NaN), 5000))]));
  await context.close();
  return ms;
}

/**
 * Script start to ready for each `{ sdk, url }`, median of LOADS loads. The loads are interleaved
 * (one of each SDK in turn, after one untimed round), so that the machine's drift during the run
 * (other work, the browser warming up) weighs on every SDK alike, not on whichever runs first.
 */
async function startups(browser, origin, pages, entries) {
  for (const { sdk, url } of entries) pages.set(`/bench/${sdk.name}.html`, page(url, sdk));
  const times = new Map(entries.map(({ sdk }) => [sdk.name, []]));
  for (let round = -1; round < LOADS; round++) {
    for (const { sdk } of entries) {
      const ms = await loadOnce(browser, origin, sdk.name);
      if (round >= 0) times.get(sdk.name).push(ms);
    }
  }
  return Object.fromEntries([...times].map(([name, ms]) => [name, median(ms.filter(Number.isFinite))]));
}

async function identifyCost(browser, origin) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${origin}/bench/SessionSight.html`);
  await p.evaluate(() => window.__ready);
  const result = await p.evaluate(async () => {
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const perCall = (n, fn) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) fn(i);
      return ((performance.now() - t) / n) * 1000;
    };
    let k = 0;
    const typical = () => ({ id: 'user_42', email: 'ana@example.com', plan: 'pro', team: 'platform', role: 'admin', seats: ++k, beta: true });
    const same = { id: 'user_42', email: 'ana@example.com', plan: 'pro', team: 'platform', role: 'admin', seats: 7, beta: true };
    const big = (i) => Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`prop${j}`, ('Lorem ipsum dolor sit amet, 2024-01-15 v1.2.3 ' + i + ' ').repeat(30).slice(0, 1024)]));
    const out = { typical: [], unchanged: [], worst: [], persist: [] };
    // Warm-up, untimed: browsers first run wasm and JS through a baseline compiler and swap in
    // optimised code once a function is hot; the samples measure the code a busy page runs.
    for (let i = 0; i < 3000; i++) SessionSight.identify(typical());
    for (let i = 0; i < 30; i++) SessionSight.identify(big(i));
    await SessionSight.flush();
    SessionSight.identify(same);
    for (let s = 0; s < 15; s++) {
      out.typical.push(perCall(100, () => SessionSight.identify(typical())));
      const t = performance.now();
      await null; // the coalesced queue write runs in this microtask checkpoint
      out.persist.push((performance.now() - t) * 1000);
      out.unchanged.push(perCall(2000, () => SessionSight.identify(same)));
      out.worst.push(perCall(10, (i) => SessionSight.identify(big(s * 100 + i))));
      await SessionSight.flush();
    }
    return { typical: med(out.typical), unchanged: med(out.unchanged), worst: med(out.worst), persist: med(out.persist) };
  });
  await context.close();
  return result;
}

async function memory(browser, origin) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${origin}/bench/SessionSight.html`);
  await p.evaluate(() => window.__ready);
  const snap = () => p.evaluate(async () => {
    for (let i = 0; i < 3; i++) { window.gc && window.gc(); await new Promise((r) => setTimeout(r, 20)); }
    return { wasm: SessionSight.__stats().wasmMemoryBytes, heap: performance.memory.usedJSHeapSize, pending: SessionSight.__stats().pending };
  });
  const rows = [['after init', await snap()]];
  for (const round of [1, 2, 3]) {
    await p.evaluate((r) => { for (let i = 0; i < 10000; i++) SessionSight.identify({ plan: `p${r}-${i}`, seats: i }); }, round);
    rows.push([`after ${round * 10000} identify() calls`, await snap()]);
  }
  await context.close();
  return rows;
}

/** The PII engine's floor: bench/floor built like the SDK, with and without one regex-lite pattern. */
function sizeFloor() {
  const dir = join(root, 'bench/floor');
  const out = {};
  for (const [name, features] of [['wasm-bindgen only', []], ['wasm-bindgen + one regex-lite pattern', ['--features', 'regex']]]) {
    const target = join(cargoShipped(dir, features, 'target'), 'sessionsight_size_floor.wasm');
    execFileSync('wasm-bindgen', [target, '--out-dir', join(dir, 'target/out'), '--target', 'web', '--no-typescript']);
    wasmOpt(join(dir, 'target/out/sessionsight_size_floor_bg.wasm'), join(dir, 'target/out/opt.wasm'));
    out[name] = sizeOf([join(dir, 'target/out/opt.wasm'), join(dir, 'target/out/sessionsight_size_floor.js')]);
  }
  return out;
}

function scrubber() {
  try {
    return execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'bench_scrub'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    return `(scrubber benchmark failed: ${e.message})`;
  }
}

fetchAnchors();
const sizes = [{ name: OURS.name, version: JSON.parse(readFileSync(join(root, 'package.json'))).version, ...sizeOf(OURS.files.map((f) => join(root, f))) },
  ...ANCHORS.map((a) => ({ name: a.name, version: a.version, file: a.file, ...sizeOf(a.paths) }))];
const { server, pages, origin } = await serve();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [...chromiumArgs, '--enable-precise-memory-info', '--js-flags=--expose-gc'] });
// For reference, not a ready time: Segment's script evaluated, before it asks for its settings.
const segment = ANCHORS.find((a) => a.name === 'Segment');
const SEGMENT_EVALUATED = { name: 'Segment-evaluated', stub: SEGMENT_STUB, init: 'done();' };
const ready = await startups(browser, origin, pages, [{ sdk: OURS, url: '/dist/sessionsight.js' },
  ...ANCHORS.map((a) => ({ sdk: a, url: a.url })), { sdk: SEGMENT_EVALUATED, url: segment.url }]);
const segmentEvaluated = ready[SEGMENT_EVALUATED.name];
const cost = await identifyCost(browser, origin);
const mem = await memory(browser, origin);
await browser.close();
server.close();
const scrub = scrubber();
const floor = sizeFloor();
const parts = composition(join(root, 'pkg/sessionsight_bg.wasm'), join(root, '.cache/composition.wasm'));
const collector = await collectorBench();

const anchorsOnly = sizes.filter((s) => s.name !== OURS.name);
const best = { gzip: Math.min(...anchorsOnly.map((s) => s.gzip)), brotli: Math.min(...anchorsOnly.map((s) => s.brotli)),
  startup: Math.min(...ANCHORS.map((a) => ready[a.name]).filter(Number.isFinite)) };
const lines = [
  '# SessionSight Insights — benchmark report', '',
  `Generated ${new Date().toISOString()} on ${process.platform}/${process.arch}, headless Chromium (${LOADS} loads per SDK, interleaved: one of each in turn, after an untimed round).`, '',
  '## 1. Bytes a page downloads, and 2. script start to ready', '',
  '| SDK | version | file(s) | raw KB | gzip KB | brotli KB | gzip vs best anchor | ready ms (median) | ready vs best anchor |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ...sizes.map((s) => `| ${s.name} | ${s.version} | ${s.file || 'dist/sessionsight.js (wasm inside)'} | ${kb(s.raw)} | ${kb(s.gzip)} | ${kb(s.brotli)} | ${ratio(s.gzip, best.gzip)} | ${ready[s.name].toFixed(1)} | ${ratio(ready[s.name], best.startup)} |`),
  '', 'Ready: from the first byte of script execution to the SDK\'s own signal: our init() promise, Mixpanel\'s and PostHog\'s `loaded`, Amplitude\'s init promise, Segment\'s `ready` (after its settings, served by the bench server as its CDN would), Snowplow\'s `newTracker` returning. Ours includes decoding and compiling the wasm and reading cookies and storage.',
  `For reference, not a ready time: Segment's standalone script is evaluated (before it asks for its settings) at ${segmentEvaluated.toFixed(1)} ms.`, '',
  '## 3. identify() in headless Chromium (median of 15 samples, after 3,030 untimed calls that let the browser optimise the code)', '',
  '| case | µs per call |', '|---|---:|',
  `| typical: id, email, 5 properties, changed each call | ${cost.typical.toFixed(1)} |`,
  `| unchanged payload (deduplicated, nothing sent) | ${cost.unchanged.toFixed(2)} |`,
  `| worst case: 20 properties × 1024 characters | ${cost.worst.toFixed(0)} |`,
  `| queue write to localStorage, once per task after 100 calls | ${cost.persist.toFixed(0)} |`,
  '', '### Scrubber throughput (native, release)', '', '```', scrub.trim(), '```', '',
  '## Size floor of the PII engine', '',
  '| minimal module (wasm + glue) | gzip KB | brotli KB |', '|---|---:|---:|',
  ...Object.entries(floor).map(([n, s]) => `| ${n} | ${kb(s.gzip)} | ${kb(s.brotli)} |`),
  '', 'Any SDK that ships regex-lite weighs at least the second row before it does anything.', '',
  '## What the shipped wasm is made of', '',
  'Raw bytes after wasm-opt, each function credited by its name (`scripts/wasm-tools.mjs` `composition`).', '',
  '| part | raw KB | share |', '|---|---:|---:|',
  ...parts.map((p) => `| ${p.part} | ${kb(p.bytes)} | ${(p.share * 100).toFixed(1)} % |`), '',
  '## 4. Memory (Chromium, after forced GC)', '',
  '| moment | wasm linear memory KB | JS heap KB | queued events |', '|---|---:|---:|---:|',
  ...mem.map(([m, s]) => `| ${m} | ${kb(s.wasm)} | ${kb(s.heap)} | ${s.pending} |`),
  '', 'The queue is capped (1000 events, oldest dropped and counted) and the profile keeps at most 128 fingerprints, so memory levels off.', '',
  ...collector,
];
mkdirSync(join(root, 'bench'), { recursive: true });
writeFileSync(join(root, 'bench/report.md'), lines.join('\n'));
console.log(lines.join('\n'));
