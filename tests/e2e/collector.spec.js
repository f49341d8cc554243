// The collector as browsers on other origins see it: a page on another site delivers to it
// (CORS on the POST itself), and cannot reach its control endpoints.
import { test, expect, embed } from './fixtures.js';

test('a page on another origin delivers once: the answer is readable, nothing is resent', async ({ page, collector }) => {
  const other = `http://shop.example.com:${collector.port}`; // another origin, same server
  await embed(page, other, { endpoint: `${collector.url}/ingest` });
  await page.evaluate(() => SessionSight.identify({ plan: 'cross-origin' }));
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
  // The SDK read the answer: its queue is empty (an unreadable answer is a network error: the
  // events would stay queued and be resent).
  await expect.poll(() => page.evaluate(() => SessionSight.__stats().pending)).toBe(0);
  expect(collector.state.duplicates).toBe(0);
  expect(collector.state.log.filter((r) => r.status === 200).length).toBeGreaterThan(0);

  // The same page cannot reset the collector: a "simple" POST with no preflight is refused.
  const status = await page.evaluate((url) => fetch(`${url}/control/reset`, { method: 'POST', mode: 'no-cors', body: '{}' }).then(() => 'sent', () => 'failed'), collector.url);
  expect(status).toBe('sent');
  expect(collector.events().length).toBeGreaterThan(0);
});
