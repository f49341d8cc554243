// What a site owner controls (issue 23), end to end in Chromium against the real collector:
// beforeSend between an event and the wire (validated and scrubbed again, protocol fields
// refused, a throwing hook loses one event and is reported once), getConsent() and Global
// Privacy Control, bot filtering (this Playwright browser is automated: filtered unless
// filterBots: false), the pinned release with its SRI hash and the snippet's stub.
import { test, expect, embed, sdkCookies, sdkStorage, UUID } from './fixtures.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8'));
const EMPTY = { local: {}, session: {} };
const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The page as a person's browser shows it: not WebDriver-controlled, a browser's user agent. */
const asPerson = (page, ua = PERSON_UA) => page.addInitScript((u) => {
  Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
  Object.defineProperty(Navigator.prototype, 'userAgent', { get: () => u });
}, ua);

/** Chromium has no Global Privacy Control setting; browsers and extensions that send it expose this. */
const sendingGpc = (page) => page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));

test.describe('beforeSend', () => {
  test('rewrites and removes custom properties, drops events; what it returns is scrubbed again', async ({ page, collector }) => {
    await page.goto(collector.url + '/embed.html');
    await page.evaluate(() => SessionSight.init({
      apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100,
      beforeSend(event) {
        if (event.type === 'session_start') return event;
        const p = event.customProperties;
        if (p.plan === 'internal') return null;
        delete p.token; // the site's own credential format, which the built-in scrubbing cannot know
        p.region = 'eu';
        p.phone = 'call 555-123-4567'; // PII added by the hook: scrubbed again
        event.email = event.email && event.email.replace(/@.*/, '@example.org');
        return event;
      },
    }));
    await page.evaluate(() => {
      SessionSight.identify({ id: 'user-1', email: 'ana@example.com', plan: 'pro', token: 'acme_live_7f3a9' });
      SessionSight.identify({ plan: 'internal' });
      return SessionSight.flush();
    });
    await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
    const [event] = collector.events((e) => e.type === 'identify');
    expect(event).toMatchObject({ id: 'user-1', email: 'ana@example.org', customProperties: { plan: 'pro', region: 'eu' } });
    expect(Object.keys(event.customProperties)).toEqual(['plan', 'region']);
    expect(collector.events((e) => e.type === 'session_start')).toHaveLength(1);
    // A dropped identify does not count as sent: the same call goes through the hook again.
    await page.evaluate(() => { SessionSight.identify({ plan: 'internal' }); return SessionSight.flush(); });
    expect(collector.events((e) => e.type === 'identify')).toHaveLength(1);
  });

  test('protocol fields cannot change, invalid results are refused, a throwing hook loses only its event; each reported once', async ({ page, collector }) => {
    await page.goto(collector.url + '/embed.html');
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.evaluate(() => {
      window.__errors = [];
      return SessionSight.init({
        apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100,
        onError: (e) => window.__errors.push(`${e.name}:${e.code || e.message}:${e.field || ''}`),
        beforeSend(event) {
          const p = event.customProperties || {};
          if (p.step === 'timestamp') event.timestamp = new Date(0).toISOString();
          if (p.step === 'session') event.sessionId = 'x';
          if (p.step === 'extra') event.properties = { a: 1 };
          if (p.step === 'email') event.email = 'not an email';
          if (p.step === 'id') event.id = 'ana@example.com';
          if (p.step === 'throw') throw new Error('site hook bug');
          if (p.step === 'undefined') return undefined;
          if (p.step === 'reenter') p.visitor = SessionSight.getVisitorId();
          return event;
        },
      });
    });
    await page.evaluate(() => {
      for (const step of ['timestamp', 'session', 'extra', 'email', 'id', 'throw', 'throw', 'undefined', 'ok', 'reenter']) SessionSight.identify({ step, n: Math.random() });
      return SessionSight.flush();
    });
    await expect.poll(() => collector.events((e) => e.type === 'identify').map((e) => e.customProperties.step)).toEqual(['ok', 'reenter']);
    const errors = await page.evaluate(() => window.__errors);
    expect(errors.slice(0, 7)).toEqual([
      'SessionSightValidationError:protocol_field:timestamp',
      'SessionSightValidationError:protocol_field:sessionId',
      'SessionSightValidationError:protocol_field:properties',
      'SessionSightValidationError:email_invalid:email',
      'SessionSightValidationError:id_email_shaped:id',
      'Error:site hook bug:',
      'SessionSightValidationError:not_an_object:payload',
    ]);
    // The hook that called the SDK: its getter answers nothing useful, and nothing breaks.
    expect(errors.length).toBeLessThanOrEqual(8);
    expect(pageErrors).toEqual([]);
    expect(await page.evaluate(() => SessionSight.getVisitorId())).toMatch(UUID);
  });

  test('a beforeSend that is not a function is a clear init() error', async ({ page, collector }) => {
    await page.goto(collector.url + '/embed.html');
    const message = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, beforeSend: 'yes' }).then(() => 'resolved', (e) => `${e.name}: ${e.message}`));
    expect(message).toBe('SessionSightConfigError: SessionSight.init: beforeSend must be a function');
  });
});

test.describe('consent state and Global Privacy Control', () => {
  test('getConsent() follows setConsent() and init({ consent })', async ({ page, collector }) => {
    await embed(page, collector.url);
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('granted');
    await page.evaluate(() => SessionSight.setConsent('denied'));
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('denied');
    await embed(page, collector.url, { consent: 'denied' });
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('denied');
  });

  test('a browser sending GPC starts denied: nothing stored, events without the old visitor, until the site grants', async ({ page, context, collector }) => {
    // An earlier visit without GPC stored a visitor.
    const earlier = await embed(page, collector.url);
    await sendingGpc(page);
    await page.goto(collector.url + '/embed.html');
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('denied'); // before init: what init() will start with
    const denied = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }).then(() => SessionSight.getVisitorId()));
    expect(denied).toMatch(UUID);
    expect(denied).not.toBe(earlier.visitorId);
    expect(await sdkCookies(context)).toEqual({});
    expect(await sdkStorage(page)).toEqual(EMPTY);
    await page.evaluate(() => { SessionSight.identify({ plan: 'gpc' }); return SessionSight.flush(); });
    await expect.poll(() => collector.events((e) => e.type === 'identify').map((e) => e.visitorId)).toEqual([denied]);
    await page.evaluate(() => SessionSight.setConsent('granted'));
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('granted');
    const granted = await page.evaluate(() => SessionSight.getVisitorId());
    expect((await sdkCookies(context)).ss_vid.value).toBe(granted);
    // The next page: the site passes the grant it recorded, and the visitor stays.
    await page.goto(collector.url + '/embed.html');
    await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, consent: 'granted' }));
    expect(await page.evaluate(() => SessionSight.getVisitorId())).toBe(granted);
    // respectGpc: false ignores the signal.
    await page.goto(collector.url + '/embed.html');
    await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, respectGpc: false }));
    expect(await page.evaluate(() => SessionSight.getConsent())).toBe('granted');
  });
});

test.describe('bot filtering', () => {
  test('this automated browser is filtered by default: nothing written or sent, said once in debug', async ({ page, context, collector }) => {
    const said = [];
    page.on('console', (m) => { if (/SessionSight/.test(m.text())) said.push(m.text()); });
    await page.goto(collector.url + '/embed.html');
    expect(await page.evaluate(() => navigator.webdriver)).toBe(true);
    const visitor = await page.evaluate(async () => {
      SessionSight.identify({ plan: 'early' });
      await SessionSight.init({ apiKey: 'pk_test', flushIntervalMs: 100, debug: true });
      SessionSight.identify({ plan: 'bot' });
      SessionSight.setConsent('granted');
      SessionSight.reset();
      await SessionSight.flush();
      await SessionSight.init({ apiKey: 'pk_test', debug: true });
      return SessionSight.getVisitorId();
    });
    expect(visitor).toBe('');
    expect(await sdkCookies(context)).toEqual({});
    expect(await sdkStorage(page)).toEqual(EMPTY);
    // The same browser counted afterwards: once its events are in, nothing else ever came.
    const counted = await embed(page, collector.url);
    await expect.poll(() => collector.events().map((e) => e.visitorId)).toEqual([counted.visitorId]);
    expect(said.filter((m) => /not counted/.test(m))).toHaveLength(1);
    expect(said[0]).toContain('navigator.webdriver');
    expect(said[0]).toContain('filterBots: false');
  });

  test('bot and crawler user agents, headless browsers and the site\'s botPatterns are filtered; a person is counted', async ({ page, collector }) => {
    const visitor = async (ua, options = {}) => {
      const p = await page.context().newPage();
      await asPerson(p, ua);
      await p.goto(collector.url + '/embed.html');
      const id = await p.evaluate((o) => SessionSight.init({ apiKey: 'pk_test', ...o }).then(() => SessionSight.getVisitorId()), options);
      await p.close();
      return id;
    };
    expect(await visitor(PERSON_UA)).toMatch(UUID);
    expect(await visitor('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')).toBe('');
    expect(await visitor(PERSON_UA.replace('Chrome/', 'HeadlessChrome/'))).toBe('');
    expect(await visitor(`${PERSON_UA} AcmeWatch/3`, { botPatterns: ['acmewatch'] })).toBe('');
    expect(await visitor(`${PERSON_UA} AcmeWatch/3`, { botPatterns: [/Acme\w+\/\d/] })).toBe('');
    expect(await visitor('Mozilla/5.0 (compatible; Googlebot/2.1)', { filterBots: false })).toMatch(UUID);
  });

  test('botPatterns that are not an array of strings and RegExps are a clear init() error', async ({ page, collector }) => {
    await page.goto(collector.url + '/embed.html');
    const message = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', botPatterns: 'acme' }).then(() => 'resolved', (e) => `${e.name}: ${e.message}`));
    expect(message).toBe('SessionSightConfigError: SessionSight.init: botPatterns must be an array of strings and RegExps');
  });
});

test.describe('a release a site can pin', () => {
  test('the versioned file carries the version and loads with the SRI hash the build prints; a wrong hash is refused', async ({ page, collector }) => {
    const file = `sessionsight-${version}.js`;
    const body = readFileSync(new URL(`dist/${file}`, ROOT));
    expect(body.equals(readFileSync(new URL('dist/sessionsight.js', ROOT)))).toBe(true);
    expect(body.toString('utf8', 0, 80)).toContain(`SessionSight Insights ${version}`);
    const sri = `sha384-${createHash('sha384').update(body).digest('base64')}`;
    await page.route(`${collector.url}/pinned.html`, (route) => route.fulfill({ contentType: 'text/html',
      body: `<!doctype html><script src="/dist/${file}" integrity="${sri.replace(/.{4}$/, 'AAAA')}" crossorigin="anonymous"></script>
        <script>window.__wrong = typeof SessionSight;</script>
        <script src="/dist/${file}" integrity="${sri}" crossorigin="anonymous"></script>` }));
    await page.goto(`${collector.url}/pinned.html`);
    expect(await page.evaluate(() => window.__wrong)).toBe('undefined');
    const got = await page.evaluate(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false }).then(() => SessionSight.getVisitorId()));
    expect(got).toMatch(UUID);
  });

  test('the snippet stub carries what the global type promises and rejects init() when the script does not load', async ({ page, collector }) => {
    const unhandled = [];
    await page.addInitScript(() => { window.__unhandled = []; window.addEventListener('unhandledrejection', (e) => window.__unhandled.push(String(e.reason))); });
    page.on('pageerror', (e) => unhandled.push(String(e)));
    const code = readFileSync(new URL('js/snippet.js', ROOT), 'utf8').replace("'/dist/sessionsight.js'", "'/dist/missing.js'");
    await page.route(`${collector.url}/blocked.html`, (route) => route.fulfill({ contentType: 'text/html',
      body: `<!doctype html><script>${code}</script><script>
        window.__init = SessionSight.init({ apiKey: 'pk_test' });
        SessionSight.identify({ plan: 'queued' });
        SessionSight.init({ apiKey: 'pk_test' }); // a second init the site does not catch
      </script>` }));
    await page.goto(`${collector.url}/blocked.html`);
    const out = await page.evaluate(async () => {
      const s = window.SessionSight;
      let validate = '';
      try { s.validate({}); } catch (e) { validate = e.message; }
      return {
        init: await window.__init.then(() => 'resolved', (e) => e.message),
        later: await s.init({ apiKey: 'pk_test' }).then(() => 'resolved', (e) => e.message),
        flush: await s.flush().then(() => 'settled'),
        consent: s.getConsent(),
        visitor: s.getVisitorId(),
        validate,
        methods: ['init', 'identify', 'setConsent', 'getConsent', 'reset', 'flush', 'getVisitorId', 'getSessionId', 'validate', 'explain'].filter((m) => typeof s[m] !== 'function'),
      };
    });
    expect(out).toEqual({
      init: 'SessionSight: /dist/missing.js did not load', later: 'SessionSight: /dist/missing.js did not load', flush: 'settled',
      consent: 'granted', visitor: '', validate: 'SessionSight: not loaded yet', methods: [],
    });
    await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r))));
    expect(await page.evaluate(() => window.__unhandled)).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  test('the snippet stub answers getConsent() as the SDK will start: a queued setConsent, init\'s consent, else Global Privacy Control', async ({ page, collector }) => {
    await sendingGpc(page);
    await page.route(`${collector.url}/dist/pending.js`, () => {}); // the script is still on its way
    const code = readFileSync(new URL('js/snippet.js', ROOT), 'utf8').replace("'/dist/sessionsight.js'", "'/dist/pending.js'");
    await page.route(`${collector.url}/stub.html`, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><script>${code}</script>` }));
    await page.goto(`${collector.url}/stub.html`, { waitUntil: 'domcontentloaded' });
    expect(await page.evaluate(() => {
      const s = window.SessionSight;
      const out = [s.getConsent()];
      s.init({ apiKey: 'k', respectGpc: false });
      out.push(s.getConsent());
      s.setConsent('denied');
      out.push(s.getConsent());
      return out;
    })).toEqual(['denied', 'granted', 'denied']);
  });
});
