// The wasm loaders (js/prefetch.js): the wasm is requested as soon as the script runs, before
// init(); a server that labels it with the wrong type still works; a failed download rejects
// init() only, never the page (no unhandled rejection when init() is never called).
import { test, expect, embed, UUID } from './fixtures.js';

const WASM = /\/dist\/sessionsight_bg\.wasm$/;

function pageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

test('the wasm is fetched when the script runs, before init()', async ({ page, collector }) => {
  const wasmRequest = page.waitForRequest(WASM);
  await page.goto(collector.url + '/embed.html');
  await wasmRequest;
  expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe('');
  const ids = await embed(page, collector.url);
  expect(ids.visitorId).toMatch(UUID);
});

test('a wasm served as application/octet-stream still loads', async ({ page, collector }) => {
  await page.route(WASM, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
  });
  const errors = pageErrors(page);
  const ids = await embed(page, collector.url);
  expect(ids.visitorId).toMatch(UUID);
  expect(errors).toEqual([]);
});

test('a failed wasm download rejects init() only, and the next init() fetches again', async ({ page, collector }) => {
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
  await page.goto(collector.url + '/embed.html');
  await failed;
  // init() never called: the failure stays quiet (two task hops let any rejection event fire).
  await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r))));
  expect(requests).toBe(1);
  expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
  const message = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test' }).then(() => 'resolved', (e) => e.message));
  expect(message).toContain('503');
  fail = false;
  const ids = await embed(page, collector.url);
  expect(ids.visitorId).toMatch(UUID);
  expect(requests).toBe(2);
  expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
  expect(errors).toEqual([]);
});
