// Cross-engine end-to-end runner: runs every scenario of tests/xe2e/scenarios/*.js in ONE
// engine per process, each in a fresh browser session against a fresh real collector.
//
//   node tests/xe2e/run.mjs chromium|firefox|webkit [-g text]    (WebKit re-runs itself under xvfb-run -a)
//   node scripts/test.mjs xe2e                                   (all three, one summary row each)
//
// Adding a scenario: put it in the file of its area (tests/xe2e/scenarios/<area>.js, a new
// file is picked up by itself) as
//
//   import assert from 'node:assert/strict';
//   import { scenario } from '../scenario.js';
//   scenario('what it shows', async (b) => {
//     const c = await b.collector();                 // real collector: c.url, c.events(), c.faults(), c.seal();
//                                                    // { https: true, headers } and c.origin('www.example.com') too
//     const { visitorId } = await b.embed(c.url);    // embed.html + SessionSight.init({ apiKey, flushIntervalMs: 100 })
//     await b.run(() => SessionSight.identify({ plan: 'pro' }));   // script in the page (awaits promises)
//     await b.poll(() => c.events((e) => e.type === 'identify').length, 1);   // poll, never sleep
//     assert.equal((await b.sdkCookies()).ss_vid.value, visitorId); // the driver's cookie jar
//   }, { expectFail: 'why, until when' });           // optional; also hosts: true, engines: [...]
//
// `b` (tests/xe2e/browser.js) also has goto, reload, tab, newTab, switchTo, close, cookies,
// storage, ids, init, pageErrors, consoleMessages, log, driver (raw selenium), engine
// ('chromium'|'firefox'|'webkit') and name; b.slowProxy(url, { path: ms }) holds responses
// back. A behaviour that differs by engine is pinned with a per-engine table of expected
// values and a comment saying what differs (see FACTS in scenarios/tabs.js). Any uncaught error or
// unhandled rejection in a page fails the scenario (BiDi in Chromium and Firefox, the page
// hook in WebKit) unless the scenario calls b.allowPageErrors(/pattern/). Every page served
// has tests/xe2e/hook.js first in <head> (it also records CSP violations in window.__violations).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Browser, ENGINES } from './browser.js';
import { HostsUnavailable } from './hosts.js';
import { scenarios, setArea } from './scenario.js';
import { openCollector, slowProxy } from './servers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const engine = args.find((a) => ENGINES[a]);
const grep = args.includes('-g') ? args[args.indexOf('-g') + 1] : null;
if (!engine) {
  console.error(`usage: node tests/xe2e/run.mjs ${Object.keys(ENGINES).join('|')} [-g text]`);
  process.exit(2);
}

// MiniBrowser has no headless mode: give it a virtual display.
if (engine === 'webkit' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  const r = spawnSync('xvfb-run', ['-a', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

for (const file of readdirSync(join(here, 'scenarios')).filter((f) => f.endsWith('.js')).sort()) {
  setArea(file.replace(/\.js$/, ''));
  await import(join(here, 'scenarios', file));
}

const TIMEOUT = 180_000;

/** Opens a browser and what a scenario needs; closes all of it afterwards, whatever happened. */
async function withBrowser(options, fn) {
  const b = await Browser.open(engine, options);
  const cleanups = [];
  let allowed = null;
  b.collector = async (o) => { const c = await openCollector(o); cleanups.push(c.close); return c; };
  b.slowProxy = async (target, delays) => { const p = await slowProxy(target, delays); cleanups.push(p.close); return p; };
  b.allowPageErrors = (pattern) => { allowed = pattern; };
  try {
    await fn(b);
    await b.harvestAll();
    const errors = b.log.filter((e) => ['uncaught', 'error', 'rejection'].includes(e.kind) && !(allowed && allowed.test(e.text)));
    assert.deepEqual(errors, [], 'uncaught errors or unhandled rejections in the page');
  } finally {
    await b.quit().catch(() => {});
    for (const close of cleanups.reverse()) await close().catch(() => {});
  }
}

test(`engine: ${ENGINES[engine].name}`, { timeout: TIMEOUT }, async (t) => {
  await withBrowser({}, async (b) => {
    const ua = await b.userAgent();
    const version = await b.version();
    t.diagnostic(`xe2e engine: ${ENGINES[engine].name} (${version}) ${ua}`);
    assert.ok(ENGINES[engine].ua(ua), `the user agent is not ${ENGINES[engine].name}'s: ${ua}`);
  });
});

for (const s of scenarios) {
  if (grep && !s.name.toLowerCase().includes(grep.toLowerCase())) continue;
  if (s.engines && !s.engines.includes(engine)) continue;
  const todo = s.expectFail ? `expected to fail: ${s.expectFail}` : undefined;
  test(s.name, { timeout: TIMEOUT, todo }, async (t) => {
    try {
      await withBrowser({ hosts: !!s.hosts, prefs: s.firefoxPrefs }, (b) => s.fn(b));
    } catch (e) {
      if (e instanceof HostsUnavailable) return t.skip(e.message);
      throw e;
    }
  });
}
