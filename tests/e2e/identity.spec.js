// SPEC §3 in a real browser: visitor ids and their reconciliation, cookie attributes and
// domains, per-tab sessions (reload, new tab, duplicated tab, focus wins), rotation (seal,
// idle, max length, reset, consent) and consent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, embed, ids, openCollector, sdkCookies, sdkStorage, UUID } from './fixtures.js';
import { holdTabLocks, otherTabLocksSettled, recordTabLocks } from './page-probes.js';

const A = '0f8fad5b-d9cb-469f-a165-70867728950e';
const B = '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed';

test.describe('cookie domain', () => {
  for (const [host, domain] of [['app.shop.example.com', '.example.com'], ['www.example.co.uk', '.example.co.uk']]) {
    test(`${host} gets ${domain}`, async ({ page, context, collector }) => {
      const { visitorId, sessionId } = await embed(page, `http://${host}:${collector.port}`);
      const c = await sdkCookies(context);
      expect(c.ss_vid).toMatchObject({ value: visitorId, domain, path: '/', sameSite: 'Lax', secure: false });
      expect(c.ss_sid).toMatchObject({ value: sessionId, domain });
      expect(c.fsid).toMatchObject({ value: sessionId, domain });
      // No probe cookie is left behind.
      expect((await context.cookies()).map((x) => x.name).sort()).toEqual(['fsid', 'ss_sid', 'ss_vid']);
    });
  }

  test('localhost is host-only', async ({ page, context, collector }) => {
    await embed(page, `http://localhost:${collector.port}`);
    const c = await sdkCookies(context);
    expect(c.ss_vid.domain).toBe('localhost');
  });

  test('an explicit cookieDomain wins', async ({ page, context, collector }) => {
    await embed(page, `http://app.shop.example.com:${collector.port}`, { cookieDomain: 'shop.example.com' });
    expect((await sdkCookies(context)).ss_vid.domain).toBe('.shop.example.com');
  });
});

test('Secure cookies over https', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const collector = await openCollector({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    const { visitorId } = await embed(page, `https://localhost:${collector.port}`);
    const c = await sdkCookies(context);
    expect(c.ss_vid).toMatchObject({ value: visitorId, secure: true, sameSite: 'Lax' });
    expect(c.ss_sid.secure).toBe(true);
    await page.evaluate(() => SessionSight.identify({ plan: 'tls' }));
    await expect.poll(() => collector.events((e) => e.type === 'identify' && e.visitorId === visitorId).length).toBe(1);
  } finally {
    await context.close();
    await collector.close();
  }
});

test.describe('visitor reconciliation', () => {
  const cases = [
    ['cookie only', { cookie: A }, A],
    ['storage only', { storage: B }, B],
    ['both, different: the cookie wins', { cookie: A, storage: B }, A],
    ['malformed cookie: storage restores it', { cookie: 'not-a-uuid', storage: B }, B],
    ['blank cookie: storage restores it', { cookie: '', storage: B }, B],
    ['malformed both: a new id', { cookie: 'x', storage: 'y' }, null],
  ];
  for (const [name, state, expected] of cases) {
    test(name, async ({ page, context, collector }) => {
      await page.goto(collector.url + '/embed.html');
      await page.evaluate(({ cookie, storage }) => {
        if (cookie !== undefined) document.cookie = `ss_vid=${cookie}; Path=/`;
        if (storage !== undefined) localStorage.setItem('ss_vid', storage);
      }, state);
      await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false }));
      const { visitorId } = await ids(page);
      if (expected) expect(visitorId).toBe(expected);
      else expect(visitorId).toMatch(UUID);
      expect(visitorId).not.toBe('x');
      expect((await sdkCookies(context)).ss_vid.value).toBe(visitorId);
      expect((await sdkStorage(page)).local.ss_vid).toBe(visitorId);
    });
  }
});

test('two tabs: own sessions, the focused tab owns the cookie; reload keeps the session', async ({ context, collector }) => {
  const one = await context.newPage();
  const two = await context.newPage();
  const a = await embed(one, collector.url);
  const b = await embed(two, collector.url);
  expect(a.visitorId).toBe(b.visitorId);
  expect(a.sessionId).not.toBe(b.sessionId);
  // Last writer: tab two initialised last.
  expect((await sdkCookies(context)).ss_sid.value).toBe(b.sessionId);
  await one.bringToFront();
  await one.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect.poll(async () => (await sdkCookies(context)).ss_sid.value).toBe(a.sessionId);
  expect((await sdkCookies(context)).fsid.value).toBe(a.sessionId);
  await two.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect.poll(async () => (await sdkCookies(context)).fsid.value).toBe(b.sessionId);

  await one.reload();
  await one.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }));
  expect((await ids(one)).sessionId).toBe(a.sessionId);
  await expect.poll(() => collector.events((e) => e.type === 'session_start').length).toBe(2);
  // The reload claimed the cookie back for tab one, and sent no new session_start.
  expect((await sdkCookies(context)).ss_sid.value).toBe(a.sessionId);
});

test('a duplicated tab (inherited sessionStorage) mints its own session', async ({ page, context, collector }) => {
  const first = await embed(page, collector.url);
  // The tab's lock is requested during init() and granted by the browser moments later
  // (Chromium: about 10 ms, under 30 ms in 60 loads). A person duplicates a tab later than that,
  // and this copy waits for the grant as a person would (a copy made before it: the next test).
  const tab = await page.evaluate(() => sessionStorage.getItem('ss_tab'));
  await expect.poll(() => page.evaluate(async (t) => (await navigator.locks.query()).held.some((l) => l.name === `ss_tab:${t}`), tab)).toBe(true);
  const [copy] = await Promise.all([context.waitForEvent('page'), page.evaluate(() => { window.open(location.href); })]);
  await copy.waitForLoadState();
  // window.open without noopener copies sessionStorage, as "Duplicate tab" does.
  expect(await copy.evaluate(() => sessionStorage.getItem('ss_sid'))).toContain(first.sessionId);
  await copy.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }));
  const second = await ids(copy);
  expect(second.sessionId).not.toBe(first.sessionId);
  expect(second.visitorId).toBe(first.visitorId);
  await expect.poll(() => collector.events((e) => e.type === 'session_start' && e.sessionId === second.sessionId).length).toBe(1);
  expect(collector.events((e) => e.sessionId === second.sessionId)[0]).toMatchObject({ reason: 'new_tab', previousSessionId: null });
  // The original keeps its session.
  expect((await ids(page)).sessionId).toBe(first.sessionId);
});

test('a copy made before the tab\'s lock is granted keeps its id and session; the original goes on as a new tab', async ({ page, context, collector }) => {
  // The original's tab lock requests reach the browser late (as on a loaded machine; init()
  // does not await the grant): only once the copy has started, so the copy finds the inherited
  // id free and keeps it.
  await page.addInitScript(holdTabLocks, '__copyStarted');
  const first = await embed(page, collector.url);
  const tab = await page.evaluate(() => sessionStorage.getItem('ss_tab'));
  const [copy] = await Promise.all([context.waitForEvent('page'), page.evaluate(() => { window.open(location.href); })]);
  await copy.waitForLoadState();
  await copy.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }));
  expect(await ids(copy)).toEqual(first);
  expect(await copy.evaluate(() => sessionStorage.getItem('ss_tab'))).toBe(tab);
  await page.evaluate(() => window.__copyStarted());
  // The original's request then finds its id held: a new id, a new session, and their lock.
  await expect.poll(async () => (await ids(page)).sessionId, { timeout: 10_000 }).not.toBe(first.sessionId);
  const moved = await ids(page);
  expect(moved.visitorId).toBe(first.visitorId);
  const newTab = await page.evaluate(() => sessionStorage.getItem('ss_tab'));
  expect(newTab).not.toBe(tab);
  await expect.poll(() => page.evaluate(async (t) => (await navigator.locks.query()).held.some((l) => l.name === `ss_tab:${t}`), newTab),
    { timeout: 10_000 }).toBe(true);
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'session_start' && e.sessionId === moved.sessionId).length).toBe(1);
  expect(collector.events((e) => e.sessionId === moved.sessionId)[0]).toMatchObject({ reason: 'new_tab', previousSessionId: null });
  // The copy still has the original session, under the original id.
  expect((await ids(copy)).sessionId).toBe(first.sessionId);
});

test('another tab leaves a starting tab\'s queue alone until that tab holds its lock', async ({ context, collector }) => {
  // Tab one's lock requests reach the browser late (init() does not await the grant), so its
  // queue is in localStorage while its lock is still free: as a closed tab's would be.
  const one = await context.newPage();
  await one.addInitScript(holdTabLocks, '__grant');
  // (Nothing leaves tab one on its own: its session_start waits in its queue.)
  const first = await embed(one, collector.url, { flushIntervalMs: 600_000 });
  const tab = await one.evaluate(() => sessionStorage.getItem('ss_tab'));
  expect(await one.evaluate((t) => localStorage.getItem(`ss_q:${t}`), tab)).toContain(first.sessionId);
  // Tab two starts: its adoption pass looks at every other queue. Its lock requests are
  // recorded, so the test knows when that pass is over.
  const two = await context.newPage();
  await two.addInitScript(recordTabLocks);
  const second = await embed(two, collector.url);
  await two.evaluate(otherTabLocksSettled);
  await expect.poll(() => collector.events((e) => e.type === 'session_start' && e.sessionId === second.sessionId).length).toBe(1);
  await one.evaluate(() => { window.__grant(); });
  await expect.poll(() => one.evaluate(async (t) => (await navigator.locks.query()).held.some((l) => l.name === `ss_tab:${t}`), tab)).toBe(true);
  // Tab one kept its id, its session and its queue; nobody sent its events for it.
  expect(await ids(one)).toEqual(first);
  expect(await one.evaluate(() => sessionStorage.getItem('ss_tab'))).toBe(tab);
  expect(collector.events((e) => e.sessionId === first.sessionId)).toHaveLength(0);
  await one.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'session_start' && e.sessionId === first.sessionId).length).toBe(1);
  expect(collector.state.duplicates).toBe(0);
});

test('a sealed session rotates, on the wire and in the cookie', async ({ page, context, collector }) => {
  const before = await embed(page, collector.url);
  collector.seal(before.sessionId);
  await page.evaluate(() => SessionSight.identify({ plan: 'pro' }));
  await expect.poll(() => collector.events((e) => e.reason === 'sealed').length).toBe(1);
  const [rotated] = collector.events((e) => e.reason === 'sealed');
  expect(rotated.previousSessionId).toBe(before.sessionId);
  expect(rotated.sessionId).not.toBe(before.sessionId);
  expect((await ids(page)).sessionId).toBe(rotated.sessionId);
  expect((await sdkCookies(context)).ss_sid.value).toBe(rotated.sessionId);
  expect((await sdkCookies(context)).fsid.value).toBe(rotated.sessionId);
});

test('idle rotation with a short timeout (page clock)', async ({ page, collector }) => {
  await page.clock.install();
  const before = await embed(page, collector.url, { sessionIdleTimeoutMs: 60_000 });
  await page.clock.fastForward(30_000);
  await page.evaluate(() => SessionSight.identify({ step: 'still active' }));
  expect((await ids(page)).sessionId).toBe(before.sessionId);
  await page.clock.fastForward(61_000);
  await page.evaluate(() => SessionSight.identify({ step: 'back after idling' }));
  const after = await ids(page);
  expect(after.sessionId).not.toBe(before.sessionId);
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.reason === 'idle').length).toBe(1);
  expect(collector.events((e) => e.reason === 'idle')[0]).toMatchObject({ previousSessionId: before.sessionId, sessionId: after.sessionId });
  // The identify that found the session idle belongs to the new session.
  await expect.poll(() => collector.events((e) => e.customProperties?.step === 'back after idling').map((e) => e.sessionId)).toEqual([after.sessionId]);
});

test('max-length rotation even with steady activity (page clock)', async ({ page, collector }) => {
  await page.clock.install();
  const before = await embed(page, collector.url, { sessionIdleTimeoutMs: 60_000, sessionMaxLengthMs: 120_000 });
  for (let minute = 1; minute <= 2; minute++) {
    await page.clock.fastForward(59_000);
    await page.evaluate((m) => SessionSight.identify({ minute: m }), minute);
  }
  expect((await ids(page)).sessionId).toBe(before.sessionId);
  await page.clock.fastForward(5_000);
  await page.evaluate(() => SessionSight.identify({ minute: 3 }));
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.reason === 'max_length').length).toBe(1);
  expect(collector.events((e) => e.reason === 'max_length')[0].previousSessionId).toBe(before.sessionId);
});

test('consent denied erases everything; granted again mints a fresh visitor', async ({ page, context, collector }) => {
  const before = await embed(page, collector.url);
  await page.evaluate(() => SessionSight.identify({ plan: 'pro' }));
  await page.evaluate(() => SessionSight.setConsent('denied'));
  expect(await sdkCookies(context)).toEqual({});
  expect(await sdkStorage(page)).toEqual({ local: {}, session: {} });
  const denied = await ids(page);
  expect(denied.visitorId).toMatch(UUID);
  expect(denied.visitorId).not.toBe(before.visitorId);
  // Still working, in memory.
  await page.evaluate(() => SessionSight.identify({ plan: 'team' }));
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.visitorId === denied.visitorId && e.type === 'identify').length).toBe(1);
  expect(await sdkCookies(context)).toEqual({});

  await page.evaluate(() => SessionSight.setConsent('granted'));
  const granted = await ids(page);
  expect(granted.visitorId).not.toBe(denied.visitorId);
  expect(granted.visitorId).not.toBe(before.visitorId);
  const c = await sdkCookies(context);
  expect(c.ss_vid.value).toBe(granted.visitorId);
  expect(c.ss_sid.value).toBe(granted.sessionId);
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.reason === 'consent').length).toBe(1);
  expect(collector.events((e) => e.reason === 'consent')[0]).toMatchObject({ visitorId: granted.visitorId, sessionId: granted.sessionId });
});

test('a page clearing its own localStorage (a logout) is no denial: same visitor, nothing dropped, storage written back', async ({ context, collector }) => {
  const one = await context.newPage();
  const first = await embed(one, collector.url);
  const two = await context.newPage();
  expect((await embed(two, collector.url)).visitorId).toBe(first.visitorId);
  // The site's logout clears its localStorage (the SDK's keys with it), then the SDK is used
  // in both tabs. The ss_vid cookie stays, so this is no denial (a denial deletes it first).
  await one.evaluate(() => { localStorage.clear(); SessionSight.identify({ step: 'after the clear' }); });
  await two.evaluate(() => SessionSight.identify({ step: 'other tab' }));
  const identifies = () => collector.events((e) => e.type === 'identify').map((e) => `${e.customProperties.step} ${e.visitorId}`).sort();
  await expect.poll(async () => {
    await Promise.all([one, two].map((p) => p.evaluate(() => SessionSight.flush())));
    return identifies();
  }).toEqual([`after the clear ${first.visitorId}`, `other tab ${first.visitorId}`]);
  for (const p of [one, two]) expect((await ids(p)).visitorId).toBe(first.visitorId);
  expect((await sdkCookies(context)).ss_vid.value).toBe(first.visitorId);
  await expect.poll(() => one.evaluate(() => localStorage.getItem('ss_vid'))).toBe(first.visitorId);
  await expect.poll(() => one.evaluate(() => localStorage.getItem('ss_prof'))).not.toBeNull();
});

test('a logout that clears localStorage and calls reset(): every tab goes on with the new visitor', async ({ context, collector }) => {
  const one = await context.newPage();
  const first = await embed(one, collector.url);
  const two = await context.newPage();
  await embed(two, collector.url);
  const fresh = await one.evaluate(() => { localStorage.clear(); SessionSight.reset(); return SessionSight.getVisitorId(); });
  expect(fresh).not.toBe(first.visitorId);
  await expect.poll(async () => (await ids(two)).visitorId).toBe(fresh);
  await two.evaluate(() => SessionSight.identify({ step: 'after the logout' }));
  await expect.poll(async () => {
    await two.evaluate(() => SessionSight.flush());
    return collector.events((e) => e.type === 'identify').map((e) => e.visitorId);
  }).toEqual([fresh]);
  // Nothing follows the old cookie back, in either tab.
  expect((await sdkCookies(context)).ss_vid.value).toBe(fresh);
  await expect.poll(() => one.evaluate(() => localStorage.getItem('ss_vid'))).toBe(fresh);
  for (const p of [one, two]) expect((await ids(p)).visitorId).toBe(fresh);
});

test('a denial reaches another tab on its channel, even one that hears no storage event', async ({ context, collector }) => {
  const one = await context.newPage();
  const first = await embed(one, collector.url);
  const two = await context.newPage();
  // Tab two hears no storage event (as when the cookie that tells a denial from a page's own
  // clearing reaches it late, it could not act on one at once).
  await two.addInitScript(() => window.addEventListener('storage', (e) => e.stopImmediatePropagation(), true));
  // (Nor does it send or write on its own: nothing else makes it look.)
  expect((await embed(two, collector.url, { flushIntervalMs: 600_000 })).visitorId).toBe(first.visitorId);
  await one.evaluate(() => SessionSight.setConsent('denied'));
  await expect.poll(async () => (await ids(two)).visitorId).not.toBe(first.visitorId);
  await two.evaluate(() => SessionSight.identify({ step: 'after the denial' }));
  await two.evaluate(() => SessionSight.flush());
  expect(await sdkCookies(context)).toEqual({});
  expect(await sdkStorage(two)).toEqual({ local: {}, session: {} });
  await expect.poll(() => collector.events((e) => e.type === 'identify').map((e) => e.visitorId)).toEqual([(await ids(two)).visitorId]);
});

test('a denial announced late, after consent was granted again: the other tab follows the grant, erases nothing', async ({ context, collector }) => {
  const one = await context.newPage();
  const first = await embed(one, collector.url);
  const two = await context.newPage();
  // Tab two hears no storage event, and the denial's announcement reaches it only once the
  // grant that followed is in its view of localStorage (as when a banner is toggled twice in
  // a moment and the message is slower than the storage).
  await two.addInitScript(() => {
    window.addEventListener('storage', (e) => e.stopImmediatePropagation(), true);
    const held = [];
    let open = false;
    window.__held = () => held.length;
    window.__release = () => { open = true; for (const deliver of held.splice(0)) deliver(); };
    window.BroadcastChannel = class extends window.BroadcastChannel {
      set onmessage(fn) { super.onmessage = (e) => (open ? fn(e) : held.push(() => fn(e))); }
      get onmessage() { return super.onmessage; }
    };
  });
  await embed(two, collector.url, { flushIntervalMs: 600_000 });
  const granted = await one.evaluate(() => {
    SessionSight.setConsent('denied');
    SessionSight.setConsent('granted');
    return SessionSight.getVisitorId();
  });
  expect(granted).not.toBe(first.visitorId);
  await expect.poll(() => two.evaluate(() => [window.__held(), localStorage.getItem('ss_vid'), localStorage.getItem('ss_grant')]))
    .toEqual([1, granted, granted]);
  await two.evaluate(() => window.__release());
  await expect.poll(async () => (await ids(two)).visitorId).toBe(granted);
  expect((await sdkCookies(context)).ss_vid?.value).toBe(granted);
  expect(await one.evaluate(() => [localStorage.getItem('ss_vid'), localStorage.getItem('ss_grant')])).toEqual([granted, granted]);
  await two.evaluate(() => SessionSight.identify({ step: 'after the grant' }));
  await expect.poll(async () => {
    await two.evaluate(() => SessionSight.flush());
    return collector.events((e) => e.type === 'identify').map((e) => e.visitorId);
  }).toEqual([granted]);
});

test('init with consent denied writes nothing at all', async ({ page, context, collector }) => {
  await embed(page, collector.url, { consent: 'denied' });
  await page.evaluate(() => SessionSight.identify({ plan: 'pro' }));
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
  expect(await sdkCookies(context)).toEqual({});
  expect(await sdkStorage(page)).toEqual({ local: {}, session: {} });
});

test('reset(): fresh visitor, session and profile', async ({ page, context, collector }) => {
  const before = await embed(page, collector.url);
  await page.evaluate(() => SessionSight.identify({ id: 'user-1' }));
  await page.evaluate(() => SessionSight.reset());
  const after = await ids(page);
  expect(after.visitorId).not.toBe(before.visitorId);
  expect(after.sessionId).not.toBe(before.sessionId);
  expect((await sdkCookies(context)).ss_vid.value).toBe(after.visitorId);
  // A new profile: the same identify is sent again.
  await page.evaluate(() => SessionSight.identify({ id: 'user-1' }));
  await page.evaluate(() => SessionSight.flush());
  await expect.poll(() => collector.events((e) => e.type === 'identify' && e.id === 'user-1').map((e) => e.visitorId)).toEqual([before.visitorId, after.visitorId]);
  expect(collector.events((e) => e.reason === 'reset')[0]).toMatchObject({ previousSessionId: before.sessionId, visitorId: after.visitorId });
});

test('storage and cookies refused by the browser: memory-only, nothing thrown', async ({ page, collector }) => {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(collector.url + '/embed.html');
  await page.evaluate(() => {
    for (const m of ['getItem', 'setItem', 'removeItem', 'key']) Storage.prototype[m] = () => { throw new DOMException('denied', 'SecurityError'); };
    Object.defineProperty(document, 'cookie', { get() { throw new DOMException('x', 'SecurityError'); }, set() { throw new DOMException('x', 'SecurityError'); } });
  });
  await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false }));
  const { visitorId } = await ids(page);
  expect(visitorId).toMatch(UUID);
  await page.evaluate(() => { SessionSight.identify({ id: 'user-9' }); return SessionSight.flush(); });
  await expect.poll(() => collector.events((e) => e.id === 'user-9' && e.visitorId === visitorId).length).toBe(1);
  expect(errors).toEqual([]);
});
