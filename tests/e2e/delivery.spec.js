// SPEC §5 under faults: every event produced is accepted by the collector exactly once
// (duplicates on the wire are allowed, counted and deduplicated by messageId). Each test
// records produced / accepted / lost / wire duplicates in test-results/delivery.json.
import { appendFileSync, mkdirSync } from 'node:fs';
import { test, expect, embed } from './fixtures.js';

/** Produces `n` identify events that each change the profile, tagged for counting. */
function produce(page, tag, n, pad = 0) {
  return page.evaluate(({ tag, n, pad }) => {
    for (let i = 0; i < n; i++) SessionSight.identify({ tag, n: i, pad: 'x'.repeat(pad) + i });
  }, { tag, n, pad });
}

function acceptedOf(collector, tag) {
  return collector.events((e) => e.type === 'identify' && e.customProperties.tag === tag);
}

/** Polls until all `n` events of `tag` are accepted, then checks each arrived exactly once. */
async function expectDelivered(collector, tag, n, scenario) {
  await expect.poll(() => acceptedOf(collector, tag).length, { timeout: 45_000 }).toBe(n);
  const seen = acceptedOf(collector, tag).map((e) => e.customProperties.n).sort((a, b) => a - b);
  expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  mkdirSync('test-results', { recursive: true });
  appendFileSync('test-results/delivery.json', JSON.stringify({
    scenario, produced: n, accepted: seen.length, lost: n - seen.length, wireDuplicates: collector.state.duplicates,
    requests: collector.state.requests,
  }) + '\n');
}

// Long flush interval and a large batch: nothing leaves the page until the lifecycle says so.
const HOLD = { flushIntervalMs: 600_000, batchSize: 500 };

test('identify, then close the tab at once', async ({ context, collector }) => {
  const page = await context.newPage();
  await embed(page, collector.url, HOLD);
  await produce(page, 'close', 3);
  await page.close();
  await expect.poll(() => acceptedOf(collector, 'close').length).toBe(3);
  // The tab died before the answer came back, so its queue still holds the events: the next
  // load adopts and resends them. The collector counts those wire duplicates and keeps one each.
  const next = await context.newPage();
  await embed(next, collector.url);
  await expect.poll(() => next.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ss_q:')).length)).toBe(0);
  expect(collector.state.duplicates).toBeGreaterThanOrEqual(3);
  await expectDelivered(collector, 'close', 3, 'close the tab at once (next load resends)');
});

test('identify, then navigate away', async ({ page, collector }) => {
  await embed(page, collector.url, HOLD);
  await produce(page, 'navigate', 3);
  await page.goto(collector.url + '/index.html?elsewhere');
  await expectDelivered(collector, 'navigate', 3, 'navigate away');
});

test('collector down for a while, then back', async ({ page, collector }) => {
  collector.faults({ drop: 2, fail: 2, status: 503 });
  await embed(page, collector.url);
  await produce(page, 'down', 5);
  await expectDelivered(collector, 'down', 5, 'collector down, then back');
  expect(collector.state.log.filter((r) => r.status === 503)).toHaveLength(2);
  // Regular deliveries are gzip-compressed (CompressionStream); unload sends are not.
  expect(collector.state.log.at(-1)).toMatchObject({ status: 200, gzip: true });
});

test('browser offline, then online', async ({ page, context, collector }) => {
  await embed(page, collector.url);
  await context.setOffline(true);
  await produce(page, 'offline', 4);
  await page.evaluate(() => SessionSight.flush());
  expect(acceptedOf(collector, 'offline')).toHaveLength(0);
  await context.setOffline(false);
  await expectDelivered(collector, 'offline', 4, 'offline, then online');
});

test('a 429 storm with Retry-After', async ({ page, collector }) => {
  await embed(page, collector.url);
  collector.faults({ fail: 3, status: 429, retryAfter: 1 });
  await produce(page, 'storm', 6);
  await expectDelivered(collector, 'storm', 6, '429 storm with Retry-After: 1');
  const times = collector.state.log.slice(-4).map((r) => r.at);
  for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(950);
});

test('a reload while requests fail', async ({ page, collector }) => {
  collector.faults({ fail: 1000, status: 500 });
  await embed(page, collector.url);
  await produce(page, 'reload', 4);
  await expect.poll(() => collector.state.log.length).toBeGreaterThan(0);
  await page.reload();
  await embed(page, collector.url);
  collector.faults({});
  await page.evaluate(() => SessionSight.flush());
  await expectDelivered(collector, 'reload', 4, 'reload while requests fail');
});

test('two tabs producing events against a flaky collector', async ({ context, collector }) => {
  collector.faults({ failEvery: 2, status: 503 });
  const one = await context.newPage();
  const two = await context.newPage();
  await embed(one, collector.url, { batchSize: 3 });
  await embed(two, collector.url, { batchSize: 3 });
  await Promise.all([produce(one, 'tab-one', 12), produce(two, 'tab-two', 12)]);
  await expectDelivered(collector, 'tab-one', 12, 'two tabs, flaky collector (tab one)');
  await expectDelivered(collector, 'tab-two', 12, 'two tabs, flaky collector (tab two)');
});

test('a tab closed with its unload send lost: the tab the person is shown next adopts its events at once', async ({ context, collector }) => {
  const keep = await context.newPage();
  await embed(keep, collector.url);
  const closing = await context.newPage();
  await embed(closing, collector.url, HOLD);
  await produce(closing, 'lost-at-close', 3);
  // The unload send fails: the closed tab's events stay in its queue.
  collector.faults({ fail: 1000, status: 503 });
  const before = collector.state.log.length;
  await closing.close();
  await expect.poll(() => collector.state.log.slice(before).filter((r) => r.status === 503).length).toBeGreaterThan(0);
  collector.faults({});
  // The browser shows the other tab: it adopts the closed tab's queue now, not at its next
  // periodic pass (a minute).
  // (Headless Chromium keeps every page focused and visible, so the focus the browser gives the
  // tab it shows is dispatched here; xe2e switches tabs for real.)
  await keep.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
  await expect.poll(() => acceptedOf(collector, 'lost-at-close').length, { timeout: 10_000 }).toBe(3);
  await expectDelivered(collector, 'lost-at-close', 3, 'a tab closed with its unload send lost');
});

test('a batch larger than 64 KB at unload: the rest is adopted by the next load', async ({ context, collector }) => {
  const page = await context.newPage();
  await embed(page, collector.url, HOLD);
  await produce(page, 'big', 80, 1000);
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ss_q:')).map((k) => localStorage.getItem(k).length));
  expect(stored[0]).toBeGreaterThan(64 * 1024);
  await page.close();
  // Part of it fits the keepalive budget at unload; the next page adopts the closed tab's queue.
  const next = await context.newPage();
  await embed(next, collector.url);
  await expectDelivered(collector, 'big', 80, 'over 64 KB at unload (next load adopts the rest)');
  await expect.poll(() => next.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ss_q:')).length)).toBe(0);
});

test('without Web Locks, a closed tab\'s queue is adopted once it has gone stale', async ({ browser, collector }) => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  try {
    collector.faults({ fail: 1000, status: 503 });
    const first = await context.newPage();
    await embed(first, collector.url, { batchSize: 500 });
    expect(await first.evaluate(() => navigator.locks)).toBeUndefined();
    await produce(first, 'nolocks', 3);
    await first.evaluate(() => SessionSight.flush());
    await first.close();
    collector.faults({});
    // A page opened 4 minutes later (its clock moved on) finds the unwritten queue and takes it.
    const later = await context.newPage();
    await later.clock.setFixedTime(Date.now() + 4 * 60_000);
    await embed(later, collector.url);
    await later.evaluate(() => SessionSight.flush());
    await expectDelivered(collector, 'nolocks', 3, 'no Web Locks: stale queue adopted');
  } finally {
    await context.close();
  }
});

test('a batch the collector rejects (400) is dropped and reported through onError; later events still flow', async ({ page, collector }) => {
  await page.goto(collector.url + '/embed.html');
  await page.evaluate(() => {
    window.__errors = [];
    return SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, onError: (e) => window.__errors.push(e.message) });
  });
  await page.evaluate(() => SessionSight.flush());
  collector.faults({ fail: 1, status: 400 });
  await produce(page, 'rejected', 1);
  await expect.poll(() => page.evaluate(() => window.__errors)).toEqual(['SessionSight: the collector rejected 1 event(s) with HTTP 400']);
  await produce(page, 'after', 2);
  await expectDelivered(collector, 'after', 2, 'after a rejected batch');
  expect(acceptedOf(collector, 'rejected')).toHaveLength(0);
});
