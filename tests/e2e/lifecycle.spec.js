// The SDK where real pages live (SPEC §3, §5): a network that never answers, hostile answers, a
// clock moved back, consent and logout across tabs and visits, background tabs, the
// back/forward cache, hostile payloads and a full localStorage. One test per finding, each
// against the real collector over loopback, polling for outcomes.
import { chromium } from '@playwright/test';
import { createServer, request as httpRequest } from 'node:http';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, embed, ids, openCollector, sdkCookies, sdkStorage, UUID } from './fixtures.js';
import { chromiumArgs } from '../../playwright.config.js';
import { tryUnreadablePayloads, UNREADABLE_OUTCOMES } from './page-probes.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SNIPPET = readFileSync(join(ROOT, 'js/snippet.js'), 'utf8').split('\n').filter((l) => !l.startsWith('//')).join('\n');

/** Pages served by the collector for these tests: the plain embed, a snippet page, a page without the SDK. */
function lifecycleWww() {
  const dir = mkdtempSync(join(tmpdir(), 'ss-lifecycle-www-'));
  copyFileSync(join(ROOT, 'www/embed.html'), join(dir, 'embed.html'));
  writeFileSync(join(dir, 'plain.html'), '<!doctype html><meta charset="utf-8"><title>no SDK</title><p>A page without the SDK.</p>');
  // The async snippet, then consent denied and an identify() before the script has arrived.
  writeFileSync(join(dir, 'snippet-deny.html'), `<!doctype html><meta charset="utf-8"><title>snippet, consent denied first</title>
<script>${SNIPPET}</script>
<script>
  SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }).then(function () { window.__initResolved = true; });
  SessionSight.setConsent('denied');
  SessionSight.identify({ plan: 'after-deny' });
  window.__queuedBefore = SessionSight._q ? SessionSight._q.length : -1;
</script>`);
  return dir;
}

const test = base.extend({
  collector: async ({}, use) => {
    const www = lifecycleWww();
    const collector = await openCollector({ www });
    await use(collector);
    await collector.close();
    rmSync(www, { recursive: true, force: true });
  },
});

const HOLD = { flushIntervalMs: 600_000, batchSize: 500 };

function identifiesOf(collector, key, value) {
  return collector.events((e) => e.type === 'identify' && e.customProperties && e.customProperties[key] === value);
}

function errorsOf(page) {
  const seen = { pageErrors: [] };
  page.on('pageerror', (e) => seen.pageErrors.push(String(e)));
  return seen;
}

/**
 * A reverse proxy in front of the collector. `proxy.body` (when set) replaces the body of its
 * 2xx /ingest answers, status kept: a real server answering something hostile. `cacheable`
 * drops `Cache-Control: no-store` (which keeps pages out of the back/forward cache): a site
 * whose pages may be cached.
 */
function frontProxy(target, { cacheable = false } = {}) {
  const proxy = { body: null };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      if (cacheable) delete headers['cache-control'];
      if (path !== '/ingest' || proxy.body === null || answer.statusCode >= 300) {
        res.writeHead(answer.statusCode, headers);
        answer.pipe(res);
        return;
      }
      answer.resume();
      res.writeHead(answer.statusCode, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(proxy.body);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    proxy.url = `http://127.0.0.1:${server.address().port}`;
    proxy.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
    ok(proxy);
  }));
}

test('a request that never answers: flush() settles and delivery goes on', async ({ page, collector }) => {
  await embed(page, collector.url);
  await page.evaluate(() => SessionSight.flush());
  collector.faults({ hang: 1 });
  await page.evaluate(() => SessionSight.identify({ tag: 'hang' }));
  const outcome = await page.evaluate(() => Promise.race([
    SessionSight.flush().then(() => 'settled'),
    new Promise((r) => setTimeout(() => r('still waiting'), 25_000)),
  ]));
  expect(outcome).toBe('settled');
  await expect.poll(() => identifiesOf(collector, 'tag', 'hang').length, { timeout: 30_000 }).toBe(1);
  await expect.poll(() => page.evaluate(() => SessionSight.__stats().inFlight)).toBe(0);
});

test('an unload batch of unknown fate blocks no later send, and no timer spins', async ({ page, collector }) => {
  await page.addInitScript(() => {
    const setTimeoutOf = window.setTimeout;
    window.__zeroDelayTimers = 0;
    window.setTimeout = function (fn, delay, ...rest) {
      if (!(delay > 0)) window.__zeroDelayTimers++;
      return setTimeoutOf.call(this, fn, delay, ...rest);
    };
  });
  await embed(page, collector.url, { flushIntervalMs: 600_000, batchSize: 2 });
  await page.evaluate(() => SessionSight.flush());
  collector.faults({ hang: 1 });
  await page.evaluate(() => SessionSight.identify({ tag: 'unload', n: 0 }));
  // The page seems to go away (pagehide): the unload batch leaves and never gets an answer.
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  await expect.poll(() => collector.state.requests).toBeGreaterThanOrEqual(2);
  const zeroBefore = await page.evaluate(() => window.__zeroDelayTimers);
  // A full batch (2 events) is then due at once: it must go out well before any deadline ends.
  await page.evaluate(() => { SessionSight.identify({ tag: 'later', n: 1 }); SessionSight.identify({ tag: 'later', n: 2 }); });
  await expect.poll(() => identifiesOf(collector, 'tag', 'later').length, { timeout: 8_000 }).toBe(2);
  // The unload batch's event may be sent again (deduplicated by messageId): none is lost.
  await expect.poll(() => identifiesOf(collector, 'tag', 'unload').length, { timeout: 30_000 }).toBe(1);
  expect(await page.evaluate(() => window.__zeroDelayTimers) - zeroBefore).toBeLessThan(10);
});

test('any 2xx body is tolerated: nothing a server answers switches the SDK off', async ({ page }) => {
  const collector = await openCollector({ www: lifecycleWww() });
  const proxy = await frontProxy(collector.url);
  try {
    const seen = errorsOf(page);
    await embed(page, proxy.url);
    await page.evaluate(() => SessionSight.flush());
    const bodies = ['{"sealed":"none"}', 'not json', '', 'null', '[]', '{"sealed":[1,null,{"a":1}]}', '{"sealed":{"length":2}}', '"sealed"'];
    for (const [i, body] of bodies.entries()) {
      proxy.body = body;
      await page.evaluate((n) => { SessionSight.identify({ hostile: n }); return SessionSight.flush(); }, i);
      await expect.poll(() => identifiesOf(collector, 'hostile', i).length).toBe(1);
      expect(await page.evaluate(() => SessionSight.getVisitorId())).toMatch(UUID);
    }
    expect(seen.pageErrors).toEqual([]);
  } finally {
    await proxy.close();
    await collector.close();
  }
});

test('a clock moved back after a failed send neither stalls delivery nor spins timers (page clock)', async ({ page, collector }) => {
  await page.clock.install();
  await embed(page, collector.url);
  await page.evaluate(() => SessionSight.flush());
  collector.faults({ fail: 1, status: 503 });
  await page.evaluate(() => { SessionSight.identify({ tag: 'clock' }); return SessionSight.flush(); });
  await expect.poll(() => collector.state.log.filter((r) => r.status === 503).length).toBe(1);
  // 40 days back: more than setTimeout's 2^31-1 ms away from the retry time the core computed.
  const now = await page.evaluate(() => Date.now());
  await page.clock.setSystemTime(now - 40 * 24 * 3600_000);
  await expect.poll(async () => {
    await page.clock.runFor(1_000);
    return identifiesOf(collector, 'tag', 'clock').length;
  }, { timeout: 30_000 }).toBe(1);
  // Stored by the collector first, settled by the page a moment later.
  await expect.poll(() => page.evaluate(() => SessionSight.__stats().pending)).toBe(0);
  // After the jump, only a handful of requests: no timer firing over and over.
  expect(collector.state.requests).toBeLessThan(10);
});

test('init({ consent: "denied" }) on a later visit erases everything the earlier visit stored', async ({ page, context, collector }) => {
  collector.faults({ fail: 1000, status: 503 });
  const before = await embed(page, collector.url);
  await page.evaluate(() => SessionSight.identify({ email: 'ana@example.com', plan: 'pro' }));
  await expect.poll(async () => Object.keys((await sdkStorage(page)).local).some((k) => k.startsWith('ss_q:'))).toBe(true);
  await page.reload();
  const denied = await embed(page, collector.url, { consent: 'denied' });
  expect(denied.visitorId).not.toBe(before.visitorId);
  expect(await sdkCookies(context)).toEqual({});
  expect(await sdkStorage(page)).toEqual({ local: {}, session: {} });
  collector.faults({});
  await page.evaluate(() => { SessionSight.identify({ plan: 'denied-visit' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'plan', 'denied-visit').length).toBe(1);
  expect(collector.events((e) => e.visitorId === before.visitorId)).toEqual([]);
  expect(await sdkStorage(page)).toEqual({ local: {}, session: {} });
});

test('setConsent("denied") before init() through the snippet: nothing of the earlier visitor is written or sent', async ({ context, collector }) => {
  const first = await context.newPage();
  const before = await embed(first, collector.url);
  await first.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.visitorId === before.visitorId).length).toBe(1);
  await first.close();
  const page = await context.newPage();
  await page.goto(collector.url + '/snippet-deny.html');
  expect(await page.evaluate(() => window.__queuedBefore)).toBe(3);
  await expect.poll(() => page.evaluate(() => window.__initResolved === true)).toBe(true);
  await expect.poll(() => identifiesOf(collector, 'plan', 'after-deny').length).toBe(1);
  const [sent] = identifiesOf(collector, 'plan', 'after-deny');
  expect(sent.visitorId).not.toBe(before.visitorId);
  await page.evaluate(() => SessionSight.flush());
  expect(collector.events((e) => e.visitorId === before.visitorId)).toHaveLength(1);
  expect(await sdkCookies(context)).toEqual({});
  expect(await sdkStorage(page)).toEqual({ local: {}, session: {} });
});

test('consent denied in one tab: the other tab follows within a second and keeps nothing', async ({ context, collector }) => {
  const one = await context.newPage();
  const two = await context.newPage();
  const a = await embed(one, collector.url, HOLD);
  await embed(two, collector.url, HOLD);
  await one.evaluate(() => { SessionSight.identify({ email: 'ana@example.com' }); return SessionSight.flush(); });
  await two.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
  // Tab one holds an unsent event of the old visitor when tab two denies: nothing is accepted
  // from now on (on a loaded machine a 100 ms flush timer once sent it before the denial).
  collector.faults({ fail: 100_000, status: 503 });
  await one.evaluate(() => SessionSight.identify({ step: 'queued before the denial' }));
  expect(await one.evaluate(() => SessionSight.__stats().pending)).toBeGreaterThan(0);
  const sentBefore = collector.events((e) => e.visitorId === a.visitorId).length;
  await two.evaluate(() => SessionSight.setConsent('denied'));
  await expect.poll(() => one.evaluate(() => SessionSight.getVisitorId()), { timeout: 1_000 }).not.toBe(a.visitorId);
  await expect.poll(async () => [await sdkCookies(context), await sdkStorage(one), await sdkStorage(two)], { timeout: 1_000 })
    .toEqual([{}, { local: {}, session: {} }, { local: {}, session: {} }]);
  collector.faults({});
  // Tab one keeps working in memory: an email identified there lands in no storage.
  await one.evaluate(() => { SessionSight.identify({ email: 'bob@example.com', step: 'after' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'step', 'after').length).toBe(1);
  expect(await sdkStorage(one)).toEqual({ local: {}, session: {} });
  expect(await one.evaluate(() => JSON.stringify(localStorage) + document.cookie)).not.toContain('bob@example.com');
  expect(identifiesOf(collector, 'step', 'after')[0].visitorId).not.toBe(a.visitorId);
  expect(collector.events((e) => e.visitorId === a.visitorId)).toHaveLength(sentBefore);
});

test('consent granted again after a denial: every open tab uses the one fresh visitor id', async ({ context, collector }) => {
  const one = await context.newPage();
  const two = await context.newPage();
  const a = await embed(one, collector.url);
  await embed(two, collector.url);
  await one.evaluate(() => SessionSight.setConsent('denied'));
  await expect.poll(() => two.evaluate(() => SessionSight.getVisitorId()), { timeout: 1_000 }).not.toBe(a.visitorId);
  await one.evaluate(() => SessionSight.setConsent('granted'));
  const granted = await ids(one);
  await expect.poll(() => two.evaluate(() => SessionSight.getVisitorId()), { timeout: 1_000 }).toBe(granted.visitorId);
  expect(granted.visitorId).not.toBe(a.visitorId);
  expect((await sdkCookies(context)).ss_vid.value).toBe(granted.visitorId);
  await two.evaluate(() => { SessionSight.identify({ step: 'after the grant' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'step', 'after the grant').map((e) => e.visitorId)).toEqual([granted.visitorId]);
});

test('reset() in tab A: tab B\'s next identify() carries the new visitor id', async ({ context, collector }) => {
  const one = await context.newPage();
  const two = await context.newPage();
  const a = await embed(one, collector.url);
  await embed(two, collector.url);
  await two.evaluate(() => { SessionSight.identify({ id: 'user-1' }); return SessionSight.flush(); });
  await expect.poll(() => collector.events((e) => e.id === 'user-1').length).toBe(1);
  await one.evaluate(() => SessionSight.reset());
  const after = await ids(one);
  expect(after.visitorId).not.toBe(a.visitorId);
  // localStorage reaches another tab's renderer asynchronously (moments later; longer on a
  // loaded machine): the identify() below is the first call tab two makes once the change is there.
  await expect.poll(() => two.evaluate(() => localStorage.getItem('ss_vid'))).toBe(after.visitorId);
  await two.evaluate(() => { SessionSight.identify({ id: 'user-2' }); return SessionSight.flush(); });
  await expect.poll(() => collector.events((e) => e.id === 'user-2').map((e) => e.visitorId)).toEqual([after.visitorId]);
  expect((await ids(two)).visitorId).toBe(after.visitorId);
});

test('an identify rejected once (400) is sent again by the next identical call', async ({ page, collector }) => {
  await page.goto(collector.url + '/embed.html');
  await page.evaluate(() => {
    window.__errors = [];
    return SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, onError: (e) => window.__errors.push(e.message) });
  });
  await page.evaluate(() => SessionSight.flush());
  collector.faults({ fail: 1, status: 400 });
  await page.evaluate(() => SessionSight.identify({ plan: 'again' }));
  await expect.poll(() => page.evaluate(() => window.__errors)).toEqual(['SessionSight: the collector rejected 1 event(s) with HTTP 400']);
  await page.evaluate(() => { SessionSight.identify({ plan: 'again' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'plan', 'again').length).toBe(1);
  // Delivered now: a third identical call sends nothing.
  await page.evaluate(() => { SessionSight.identify({ plan: 'again' }); return SessionSight.flush(); });
  expect(identifiesOf(collector, 'plan', 'again')).toHaveLength(1);
});

test('an identify dropped by a 413 on its own, or by the queue cap, is sent again by the next identical call', async ({ page, collector }) => {
  await embed(page, collector.url, { maxQueueSize: 3 });
  await page.evaluate(() => SessionSight.flush());
  // Too large for the collector even alone: split down to one event, then dropped.
  // Random lowercase letters: they compress poorly and can hold no PII (random hex digits
  // sometimes held a Luhn-valid card number, and the scrubber rightly dropped the pad).
  await page.evaluate(() => { window.__pad = Array.from(crypto.getRandomValues(new Uint8Array(800)), (b) => String.fromCharCode(97 + (b % 26))).join(''); });
  collector.faults({ maxBytes: 400 }); // compressed bytes
  await page.evaluate(() => { SessionSight.identify({ plan: 'large', pad: window.__pad }); return SessionSight.flush(); });
  await expect.poll(() => collector.state.log.filter((r) => r.status === 413).length).toBeGreaterThan(0);
  await expect.poll(() => page.evaluate(() => SessionSight.__stats().pending)).toBe(0);
  collector.faults({});
  await page.evaluate(() => { SessionSight.identify({ plan: 'large', pad: window.__pad }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'plan', 'large').length).toBe(1);

  // The collector is down; the cap (3) evicts the oldest queued events, the first identify among them.
  collector.faults({ fail: 1000, status: 503 });
  await page.evaluate(() => { for (const plan of ['evicted', 'b', 'c', 'd']) SessionSight.identify({ plan }); });
  collector.faults({});
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => identifiesOf(collector, 'plan', 'd').length, { timeout: 30_000 }).toBe(1);
  expect(identifiesOf(collector, 'plan', 'evicted')).toHaveLength(0);
  await page.evaluate(() => { SessionSight.identify({ plan: 'evicted' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'plan', 'evicted').length).toBe(1);
});

test('a tab that loads hidden claims ss_sid/fsid only once it is shown', async ({ context, collector }) => {
  const shown = await context.newPage();
  const a = await embed(shown, collector.url);
  const background = await context.newPage();
  // The browser reports this tab hidden (a background tab) until the test shows it.
  await background.addInitScript(() => {
    const hidden = () => window.__shown !== true;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden() ? 'hidden' : 'visible') });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: hidden });
  });
  const b = await embed(background, collector.url);
  expect(b.sessionId).not.toBe(a.sessionId);
  await background.evaluate(() => SessionSight.identify({ plan: 'from the background' }));
  expect(await background.evaluate(() => document.visibilityState)).toBe('hidden');
  const c = await sdkCookies(context);
  expect([c.ss_sid.value, c.fsid.value]).toEqual([a.sessionId, a.sessionId]);
  await background.evaluate(() => { window.__shown = true; document.dispatchEvent(new Event('visibilitychange')); });
  await expect.poll(async () => { const now = await sdkCookies(context); return [now.ss_sid.value, now.fsid.value]; }).toEqual([b.sessionId, b.sessionId]);
});

test('back/forward cache: the page is restored (pageshow.persisted), the SDK resumes, a duplicated tab is still told apart', async ({ collector }) => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: chromiumArgs,
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
  // The collector forbids caching (no-store), which alone keeps pages out of the cache.
  const site = await frontProxy(collector.url, { cacheable: true });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__shows = [];
      window.addEventListener('pageshow', (e) => window.__shows.push(e.persisted));
    });
    // Control: a page without the SDK is restored from the cache in this browser.
    await page.goto(site.url + '/plain.html');
    await page.goto(site.url + '/plain.html?next');
    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => page.evaluate(() => window.__shows)).toEqual([false, true]);

    const first = await embed(page, site.url);
    await page.evaluate(() => { window.__marker = 'same document'; return SessionSight.flush(); });
    const tab = await page.evaluate(() => sessionStorage.getItem('ss_tab'));
    // Undelivered events stay queued under this tab's id while it is away.
    collector.faults({ fail: 1000, status: 503 });
    await page.evaluate(() => SessionSight.identify({ plan: 'before bfcache' }));
    await expect.poll(() => page.evaluate((t) => localStorage.getItem(`ss_q:${t}`) !== null, tab)).toBe(true);
    await page.goto(site.url + '/plain.html?away');
    // Another tab of the site starts and asks for the away tab's lock, as the SDK does to
    // adopt the queue of a closed tab: a lock still held would get the cached page evicted.
    const other = await context.newPage();
    await embed(other, site.url);
    // The away page lets go of its lock on pagehide; the lock manager hears of it a moment later.
    await expect.poll(() => other.evaluate((t) => navigator.locks.request(`ss_tab:${t}`, { ifAvailable: true }, (lock) => lock !== null), tab)).toBe(true);
    await page.bringToFront();
    await page.goBack({ waitUntil: 'commit' });
    await expect.poll(() => page.evaluate(() => window.__shows)).toEqual([false, true]);
    expect(await page.evaluate(() => window.__marker)).toBe('same document');
    // Resumed: the tab's lock is held again, the session continues, events flow.
    collector.faults({});
    await expect.poll(() => page.evaluate(async () => (await navigator.locks.query()).held.map((l) => l.name))).toContain(`ss_tab:${tab}`);
    expect(await ids(page)).toEqual(first);
    await page.evaluate(() => { SessionSight.identify({ plan: 'after bfcache' }); return SessionSight.flush(); });
    await expect.poll(() => identifiesOf(collector, 'plan', 'after bfcache').map((e) => e.sessionId)).toEqual([first.sessionId]);
    await expect.poll(() => identifiesOf(collector, 'plan', 'before bfcache').length).toBe(1);

    const [copy] = await Promise.all([context.waitForEvent('page'), page.evaluate(() => { window.open(location.href); })]);
    await copy.waitForLoadState();
    expect(await copy.evaluate(() => sessionStorage.getItem('ss_tab'))).toBe(tab);
    await copy.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }));
    const second = await ids(copy);
    expect(second.visitorId).toBe(first.visitorId);
    expect(second.sessionId).not.toBe(first.sessionId);
  } finally {
    await browser.close();
    await site.close();
  }
});

test('payloads that cannot be read give SessionSightValidationError and leave the SDK working', async ({ page, collector }) => {
  const seen = errorsOf(page);
  await embed(page, collector.url);
  const outcomes = await page.evaluate(tryUnreadablePayloads);
  expect(outcomes).toEqual(UNREADABLE_OUTCOMES);
  // Getters run once; validate() answers with the same error instead of throwing.
  expect(await page.evaluate(() => {
    let reads = 0;
    SessionSight.identify({ get plan() { reads++; return 'counted'; } });
    return reads;
  })).toBe(1);
  expect(await page.evaluate(() => SessionSight.validate({ get plan() { throw new Error('boom'); } }).code)).toBe('payload_unreadable');
  expect((await ids(page)).visitorId).toMatch(UUID);
  await page.evaluate(() => { SessionSight.identify({ plan: 'after the getters' }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'plan', 'after the getters').length).toBe(1);
  expect(identifiesOf(collector, 'plan', 'counted')).toHaveLength(1);
  expect(seen.pageErrors).toEqual([]);
});

test('explain(): what identify() would refuse or drop as PII, without sending', async ({ page, collector }) => {
  await embed(page, collector.url);
  await page.evaluate(() => SessionSight.flush());
  const before = collector.state.requests;
  const out = await page.evaluate(() => {
    const ok = SessionSight.explain({ plan: 'pro', phone: '555-123-4567', card: '4111 1111 1111 1111' });
    const bad = SessionSight.explain({ id: 'ana@example.com' });
    return { dropped: ok.dropped, okError: ok.error, bad: { name: bad.error.name, code: bad.error.code, ours: bad.error instanceof SessionSight.SessionSightValidationError } };
  });
  expect(out.okError).toBeNull();
  expect(out.dropped).toEqual([{ key: 'phone', family: 'phone' }, { key: 'card', family: 'card' }]);
  expect(out.bad).toEqual({ name: 'SessionSightValidationError', code: 'id_email_shaped', ours: true });
  await page.evaluate(() => SessionSight.flush());
  expect(collector.state.requests).toBe(before);
});

test('localStorage full: nothing thrown, one report, events still delivered', async ({ page, collector }) => {
  const seen = errorsOf(page);
  await page.goto(collector.url + '/embed.html');
  const filled = await page.evaluate(() => {
    let i = 0;
    for (const size of [1 << 20, 1 << 16, 1 << 10, 1 << 6, 1]) {
      const chunk = 'x'.repeat(size);
      try { for (;;) localStorage.setItem(`fill${i++}`, chunk); } catch (e) { /* this size no longer fits */ }
    }
    try { localStorage.setItem('probe', 'x'); return false; } catch (e) { return e.name; }
  });
  expect(filled).toBe('QuotaExceededError');
  await page.evaluate(() => {
    window.__errors = [];
    return SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, onError: (e) => window.__errors.push(e.message) });
  });
  await page.evaluate(() => { for (let n = 0; n < 20; n++) SessionSight.identify({ tag: 'full', n }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'tag', 'full').length).toBe(20);
  await page.evaluate(() => { SessionSight.identify({ tag: 'full', n: 20 }); return SessionSight.flush(); });
  await expect.poll(() => identifiesOf(collector, 'tag', 'full').length).toBe(21);
  const errors = await page.evaluate(() => window.__errors);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/storage/);
  expect(seen.pageErrors).toEqual([]);
});
