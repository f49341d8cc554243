// How the SDK fits the places it is embedded: the async snippet (calls queued before the
// script arrives, replayed in order), a page under a strict Content Security Policy, a Vite +
// React app rendered on the server and hydrated in the browser, and the demo page itself.
import { test, expect, openCollector, UUID } from './fixtures.js';
import { slowProxy } from '../xe2e/servers.js';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SPA = join(ROOT, 'examples/spa');
const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";

/** Records the page's uncaught errors and console errors (but the browser's favicon 404). */
function watch(page) {
  const seen = { pageErrors: [], consoleErrors: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/\/favicon\.ico$/.test(m.location().url || '')) return;
    seen.consoleErrors.push(m.text());
  });
  return seen;
}

test('async snippet: calls made before the script loads are queued and replayed in order', async ({ page, collector }) => {
  const DELAY = 1500;
  const proxy = await slowProxy(collector.url, { '/dist/sessionsight.js': DELAY });
  try {
    const seen = watch(page);
    await page.goto(proxy.url + '/snippet.html');
    // Every call was made on the stub: init and the three identify() calls sat in its queue.
    expect(await page.evaluate(() => window.__queuedBefore)).toBe(4);
    await expect.poll(() => page.evaluate(() => window.__initResolved)).toBe(true);
    // The script really was held back by the server, long enough for the page to queue first.
    expect(proxy.log).toHaveLength(1);
    expect(proxy.log[0].answeredAt - proxy.log[0].requestedAt).toBeGreaterThanOrEqual(DELAY - 50);

    const identifies = () => collector.events((e) => e.type === 'identify');
    await expect.poll(() => identifies().length).toBe(2);
    await page.evaluate(() => SessionSight.flush());
    const vid = await page.evaluate(() => SessionSight.getVisitorId());
    expect(vid).toMatch(UUID);
    expect(identifies().map((e) => e.customProperties)).toEqual([{ plan: 'first' }, { plan: 'second' }]);
    for (const e of identifies()) {
      expect(e.visitorId).toBe(vid);
      expect(e.id).toBeUndefined();
    }
    const starts = collector.events((e) => e.type === 'session_start');
    expect(starts).toHaveLength(1);
    expect(starts[0].visitorId).toBe(vid);

    // The email-shaped id is the caller's bug: reported at replay, never thrown into the page.
    expect(await page.evaluate(() => window.__replayErrors)).toEqual([
      { name: 'SessionSightValidationError', code: 'id_email_shaped', field: 'id' },
    ]);
    expect(seen.consoleErrors).toHaveLength(1);
    expect(seen.consoleErrors[0]).toContain('[SessionSight]');
    expect(seen.pageErrors).toEqual([]);
    expect(await page.evaluate(() => window.__initRejected)).toBeUndefined();
  } finally {
    await proxy.close();
  }
});

const recordViolations = () => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
  }, true);
};

test('strict Content Security Policy: the script-tag SDK works with no violation', async ({ page }) => {
  const collector = await openCollector({ headers: { 'Content-Security-Policy': STRICT_CSP } });
  try {
    const seen = watch(page);
    await page.addInitScript(recordViolations);
    const response = await page.goto(collector.url + '/csp.html');
    expect(response.headers()['content-security-policy']).toBe(STRICT_CSP);
    await expect(page.locator('body')).toHaveAttribute('data-done', '1');
    await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
    const vid = await page.evaluate(() => SessionSight.getVisitorId());
    expect(collector.events((e) => e.type === 'identify')[0]).toMatchObject({ visitorId: vid, id: 'user_csp', customProperties: { plan: 'strict' } });
    expect(await page.evaluate(() => window.__violations)).toEqual([]);
    expect(seen.pageErrors).toEqual([]);

    // Control: the listener does see violations. An inline script is one under this policy.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.append(s);
    });
    await expect.poll(() => page.evaluate(() => window.__violations.length)).toBe(1);
    const [violation] = await page.evaluate(() => window.__violations);
    expect(violation).toMatchObject({ directive: 'script-src-elem', blocked: 'inline' });
    expect(await page.evaluate(() => window.__inlineRan)).toBeUndefined();
  } finally {
    await collector.close();
  }
});

test('Content Security Policy without wasm-unsafe-eval: init rejects cleanly and the violation is reported', async ({ page }) => {
  const policy = "default-src 'self'; script-src 'self'; connect-src 'self'";
  const collector = await openCollector({ headers: { 'Content-Security-Policy': policy } });
  try {
    const seen = watch(page);
    await page.addInitScript(recordViolations);
    await page.goto(collector.url + '/csp.html');
    await expect(page.locator('body')).toHaveAttribute('data-error', /.+/);
    await expect.poll(() => page.evaluate(() => window.__violations.map((v) => v.blocked))).toContain('wasm-eval');
    expect(await page.locator('body').getAttribute('data-done')).toBeNull();
    expect(seen.pageErrors).toEqual([]);
    expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe('');
    expect(collector.state.requests).toBe(0);
  } finally {
    await collector.close();
  }
});

test('Vite + React app: server-rendered, hydrated, identify() reaches the collector', async ({ page, context }) => {
  const outDir = mkdtempSync(join(tmpdir(), 'ss-spa-'));
  let collector = null;
  try {
    // The app imports the SDK as a package; Vite must resolve it and emit the wasm beside the bundle.
    const { build } = await import('vite');
    await build({ root: SPA, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const assets = readdirSync(join(outDir, 'assets'));
    const wasm = assets.filter((f) => f.endsWith('.wasm'));
    expect(wasm).toHaveLength(1);
    const bundle = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(outDir, 'assets', f), 'utf8')).join('\n');
    expect(bundle).toContain(wasm[0]);

    // Server-side rendering in Node: the same modules, no window; the SDK calls are no-ops.
    const React = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { default: App } = await import(join(SPA, 'src/App.js'));
    const { startAnalytics } = await import(join(SPA, 'src/analytics.js'));
    const { currentUser } = await import(join(SPA, 'src/store.js'));
    const { default: SessionSight } = await import('@sessionsight/insights');
    expect(typeof globalThis.window).toBe('undefined');
    const html = renderToString(React.createElement(App));
    expect(html).toContain('<main>');
    expect(html).toContain('user_spa');
    expect(html).toContain('server-rendered');
    await expect(startAnalytics(currentUser)).resolves.toBe('');
    expect(SessionSight.identify({ id: 'ana@example.com' })).toBeUndefined();
    expect(SessionSight.getVisitorId()).toBe('');
    expect(SessionSight.getSessionId()).toBe('');
    await expect(SessionSight.flush()).resolves.toBeUndefined();

    // Serve the built app with the server-rendered markup in place; the browser hydrates it.
    const indexFile = join(outDir, 'index.html');
    const shell = readFileSync(indexFile, 'utf8');
    expect(shell).toContain('<div id="root"></div>');
    writeFileSync(indexFile, shell.replace('<div id="root"></div>', `<div id="root">${html}</div>`));
    collector = await openCollector({ www: outDir });
    const seen = watch(page);
    // The example app keeps bot filtering on, as a site would: the page is made to look like
    // a person's browser (not WebDriver-controlled, not headless) rather than the example opting out.
    await page.addInitScript(() => {
      const ua = navigator.userAgent.replace('HeadlessChrome', 'Chrome');
      Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
      Object.defineProperty(Navigator.prototype, 'userAgent', { get: () => ua });
    });
    // Keep the server-rendered <h1> as parsed, before the app's module script runs.
    await page.addInitScript(() => {
      document.addEventListener('readystatechange', () => {
        if (document.readyState === 'interactive') window.__ssrHeading = document.querySelector('#root h1');
      });
    });
    await page.goto(collector.url + '/');
    await expect(page.locator('#status')).toHaveText(/^identified [0-9a-f-]{36}$/);
    const cookies = Object.fromEntries((await context.cookies()).map((c) => [c.name, c.value]));
    expect(cookies.ss_vid).toMatch(UUID);
    await expect(page.locator('#status')).toHaveText(`identified ${cookies.ss_vid}`);

    await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
    expect(collector.events((e) => e.type === 'identify')[0]).toMatchObject({
      visitorId: cookies.ss_vid, sessionId: cookies.ss_sid, id: 'user_spa', email: 'spa@example.com', customProperties: { plan: 'pro' },
    });
    // Hydrated, not re-rendered: no mismatch reported, and the server's nodes were kept.
    expect(await page.evaluate(() => window.__ssrHeading instanceof HTMLElement && window.__ssrHeading === document.querySelector('#root h1'))).toBe(true);
    expect(seen.consoleErrors).toEqual([]);
    expect(seen.pageErrors).toEqual([]);
  } finally {
    if (collector) await collector.close();
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('demo page: validation, identify round trip, screenshot', async ({ page, collector }) => {
  // The demo renders collector data as text only. (Its header comment says "no innerHTML":
  // comments are stripped before looking.)
  const demoSource = readFileSync(join(ROOT, 'www/demo.js'), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1');
  expect(demoSource).toContain('textContent');
  expect(demoSource).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

  const seen = watch(page);
  await page.goto(collector.url + '/?filterBots=false'); // (an automated browser asks to be counted)
  await expect(page.locator('#visitor')).toHaveText(UUID);
  const id = page.locator('input[name=id]');
  await id.fill('ana@example.com');
  await expect(page.locator('#validation')).toContainText('id_email_shaped');
  await expect(id).toHaveAttribute('aria-invalid', 'true');

  await id.fill('user_demo');
  await expect(page.locator('#validation')).toHaveText('');
  await expect(id).toHaveAttribute('aria-invalid', 'false');
  await page.locator('input[name=email]').fill('demo@example.com');
  await page.locator('input[name=plan]').fill('pro');
  await page.getByRole('button', { name: 'Identify' }).click();
  const identifyRow = page.locator('#events tr', { has: page.locator('td:first-child', { hasText: /^identify$/ }) });
  await expect(identifyRow).toHaveCount(1);
  await expect(identifyRow.locator('td').nth(3)).toContainText('"id":"user_demo"');
  expect(collector.events((e) => e.type === 'identify')[0]).toMatchObject({ id: 'user_demo', email: 'demo@example.com', customProperties: { plan: 'pro' } });
  await page.screenshot({ path: join(ROOT, 'test-results/demo.png'), fullPage: true });
  expect(seen.pageErrors).toEqual([]);
});
