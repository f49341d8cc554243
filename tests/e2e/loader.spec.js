// The wasm loaders. Both entries carry their wasm (js/embedded.js): no second request,
// inflated by the browser's DecompressionStream, or fetched from beside the entry without it
// (js/prefetch.js), as soon as the entry is evaluated, before init(); a server that labels it
// with the wrong type still works; a failed download rejects init() only, never the page (no
// unhandled rejection when init() is never called).
import { test, expect, embed, ids, UUID } from './fixtures.js';

const WASM = /\/dist\/sessionsight_bg\.wasm$/;

/** An engine without DecompressionStream (Safari before 16.4, Firefox before 113). */
const withoutDecompression = (page) => page.addInitScript(() => { delete window.DecompressionStream; });

/** A page of the collector's origin that imports the ES module entry, as a bundler's output would. */
async function moduleEntry(page, origin) {
  await page.route(`${origin}/module-entry.html`, (route) => route.fulfill({ contentType: 'text/html',
    body: '<!doctype html><script type="module">import SessionSight from "/dist/index.js"; window.SessionSight = SessionSight;</script>' }));
  await page.goto(`${origin}/module-entry.html`);
  await page.waitForFunction(() => window.SessionSight !== undefined);
}

/** init() on the page's SDK; its ids. */
async function initIds(page) {
  await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }));
  return ids(page);
}

function wasmRequests(page) {
  const seen = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) seen.push(r.url()); });
  return seen;
}

function pageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

test('the classic script carries its wasm: one request for the SDK, none for a .wasm', async ({ page, collector }) => {
  const seen = wasmRequests(page);
  const ids1 = await embed(page, collector.url);
  expect(ids1.visitorId).toMatch(UUID);
  await page.evaluate(() => { SessionSight.identify({ plan: 'embedded' }); return SessionSight.flush(); });
  await expect.poll(() => collector.events((e) => e.type === 'identify' && e.customProperties && e.customProperties.plan === 'embedded').length).toBe(1);
  expect(seen).toEqual([]);
});

test('an engine without Uint8Array.fromBase64 decodes the embedded wasm the slow way and works the same', async ({ page, collector }) => {
  await page.addInitScript(() => { delete Uint8Array.fromBase64; });
  const got = await embed(page, collector.url);
  expect(got.visitorId).toMatch(UUID);
  expect(await page.evaluate(() => typeof Uint8Array.fromBase64)).toBe('undefined');
});

test('an engine without DecompressionStream fetches the .wasm beside the classic script and works the same', async ({ page, collector }) => {
  await page.addInitScript(() => { delete window.DecompressionStream; });
  const seen = wasmRequests(page);
  const errors = pageErrors(page);
  const got = await embed(page, collector.url);
  expect(got.visitorId).toMatch(UUID);
  expect(seen).toEqual([`${collector.url}/dist/sessionsight_bg.wasm`]);
  expect(errors).toEqual([]);
});

test('a corrupt embedded wasm rejects init() only: nothing thrown into the page, no unhandled rejection', async ({ page, collector }) => {
  await page.route(/\/dist\/sessionsight\.js$/, async (route) => {
    const response = await route.fetch();
    const text = await response.text();
    const start = text.indexOf('"') + 200; // inside the base64: the deflate stream no longer checks out
    await route.fulfill({ response, body: text.slice(0, start) + 'AAAAAAAAAAAAAAAA' + text.slice(start + 16) });
  });
  const errors = pageErrors(page);
  await page.addInitScript(() => {
    window.__unhandled = [];
    window.addEventListener('unhandledrejection', (e) => window.__unhandled.push(String(e.reason)));
  });
  await page.goto(`${collector.url}/embed.html`);
  const outcome = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false }).then(() => 'resolved', (e) => `rejected: ${e.name}`));
  expect(outcome).toMatch(/^rejected: /);
  expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe('');
  await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r))));
  expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
  expect(errors).toEqual([]);
});

test('the module entry carries its wasm too: no .wasm request', async ({ page, collector }) => {
  const seen = wasmRequests(page);
  await moduleEntry(page, collector.url);
  expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe('');
  expect((await initIds(page)).visitorId).toMatch(UUID);
  expect(seen).toEqual([]);
});

test('without DecompressionStream the module entry fetches the wasm when it is evaluated, before init()', async ({ page, collector }) => {
  await withoutDecompression(page);
  const wasmRequest = page.waitForRequest(WASM);
  await moduleEntry(page, collector.url);
  await wasmRequest;
  expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe('');
  expect((await initIds(page)).visitorId).toMatch(UUID);
});

test('a wasm served as application/octet-stream still loads', async ({ page, collector }) => {
  await withoutDecompression(page);
  await page.route(WASM, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
  });
  const errors = pageErrors(page);
  await moduleEntry(page, collector.url);
  const got = await initIds(page);
  expect(got.visitorId).toMatch(UUID);
  expect(errors).toEqual([]);
});

test('a failed wasm download rejects init() only, and the next init() fetches again', async ({ page, collector }) => {
  await withoutDecompression(page);
  let fail = true;
  let requests = 0;
  await page.route(WASM, (route) => {
    requests += 1;
    return fail ? route.fulfill({ status: 503, body: 'down' }) : route.continue();
  });
  const errors = pageErrors(page);
  await page.addInitScript(() => {
    window.__unhandled = [];
    window.addEventListener('unhandledrejection', (e) => window.__unhandled.push(String(e.reason)));
  });
  const failed = page.waitForResponse(WASM);
  await moduleEntry(page, collector.url);
  await failed;
  // init() never called: the failure stays quiet (two task hops let any rejection event fire).
  await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r))));
  expect(requests).toBe(1);
  expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
  const message = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false }).then(() => 'resolved', (e) => e.message));
  expect(message).toContain('503');
  fail = false;
  expect((await initIds(page)).visitorId).toMatch(UUID);
  expect(requests).toBe(2);
  expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
  expect(errors).toEqual([]);
});
