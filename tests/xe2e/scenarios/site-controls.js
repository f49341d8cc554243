// What a site owner controls (issue 23), in every engine: beforeSend between an event and the
// wire, the consent state and Global Privacy Control, bot filtering (a WebDriver-run browser is
// an automated one: filtered unless the site turns filtering off), a pinned release verified by
// its Subresource Integrity hash, and the snippet's stub when the script cannot load.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { scenario } from '../scenario.js';
import { UUID } from '../expect.js';

const ROOT = new URL('../../../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8'));
const EMPTY = { local: {}, session: {} };
/** The async snippet as js/snippet.js writes it, loading `src`. */
const snippet = (src) => readFileSync(new URL('js/snippet.js', ROOT), 'utf8').replace("'/dist/sessionsight.js'", JSON.stringify(src));

scenario('a WebDriver-run browser is filtered by default: nothing written, nothing sent, said once in debug', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  const out = await b.run(() => {
    const said = [];
    const info = console.info;
    console.info = (...a) => { said.push(a.join(' ')); info.apply(console, a); };
    return SessionSight.init({ apiKey: 'pk_test', flushIntervalMs: 100, debug: true })
      .then(() => { SessionSight.identify({ plan: 'bot' }); return SessionSight.flush(); })
      .then(() => SessionSight.init({ apiKey: 'pk_test', debug: true }))
      .then(() => ({ said, visitor: SessionSight.getVisitorId(), webdriver: navigator.webdriver }));
  });
  assert.equal(out.webdriver, true);
  assert.equal(out.visitor, '');
  assert.equal(out.said.filter((m) => /not counted/.test(m)).length, 1, out.said.join('\n'));
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
  assert.equal(c.state.requests, 0);
});

scenario('filterBots: false counts the same browser', async (b) => {
  const c = await b.collector();
  const { visitorId } = await b.embed(c.url); // (b.init passes filterBots: false)
  assert.match(visitorId, UUID);
  await b.run(() => { SessionSight.identify({ plan: 'counted' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  assert.equal((await b.sdkCookies()).ss_vid.value, visitorId);
});

scenario('beforeSend rewrites and drops on the wire; what it adds is scrubbed; a protocol change is refused and reported once', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  await b.run(() => {
    window.__errors = [];
    return SessionSight.init({
      apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, onError: (e) => window.__errors.push(`${e.code}:${e.field}`),
      beforeSend(event) {
        if (event.type === 'session_start') return null;
        const p = event.customProperties;
        if (p.plan === 'internal') return null;
        if (p.move) event.visitorId = 'someone-else';
        delete p.token;
        p.note = p.note && 'call 555-123-4567';
        p.tier = 'gold';
        return event;
      },
    });
  });
  await b.run(() => {
    SessionSight.identify({ id: 'user-1', plan: 'pro', token: 'acme_7f3a', note: 'x' });
    SessionSight.identify({ plan: 'internal' });
    SessionSight.identify({ plan: 'team', move: true });
    SessionSight.identify({ plan: 'team', move: true, again: 1 });
    SessionSight.identify({ plan: 'last' });
    return SessionSight.flush();
  });
  await b.poll(() => c.events((e) => e.type === 'identify').map((e) => e.customProperties), [{ plan: 'pro', tier: 'gold' }, { plan: 'last', tier: 'gold' }]);
  assert.equal(c.events((e) => e.type === 'session_start').length, 0, 'session_start dropped by the hook');
  assert.deepEqual(await b.run(() => window.__errors), ['protocol_field:visitorId']);
});

scenario('Global Privacy Control is absent here: consent starts granted; getConsent() follows setConsent()', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  assert.deepEqual(await b.run(() => [navigator.globalPrivacyControl === true, SessionSight.getConsent()]), [false, 'granted']);
  await b.run(() => SessionSight.setConsent('denied'));
  assert.equal(await b.run(() => SessionSight.getConsent()), 'denied');
  assert.deepEqual(await b.sdkCookies(), {});
}, { engines: ['chromium', 'webkit'] });

// Firefox sends Global Privacy Control once its preference is on (Chromium and WebKit have no
// such setting: the scenario above shows them without it).
scenario('Firefox sending Global Privacy Control starts denied: nothing written until the site grants', async (b) => {
  const c = await b.collector();
  const { visitorId } = await b.embed(c.url);
  assert.deepEqual(await b.run(() => [navigator.globalPrivacyControl, SessionSight.getConsent()]), [true, 'denied']);
  assert.match(visitorId, UUID);
  await b.run(() => { SessionSight.identify({ plan: 'gpc' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
  await b.run(() => SessionSight.setConsent('granted'));
  assert.equal(await b.run(() => SessionSight.getConsent()), 'granted');
  const granted = await b.ids();
  assert.equal((await b.sdkCookies()).ss_vid.value, granted.visitorId);
  // The next page: the site passes the grant it recorded; respectGpc: false ignores the signal.
  await b.goto(c.url + '/embed.html');
  await b.init({ consent: 'granted' });
  assert.deepEqual(await b.ids().then((i) => i.visitorId), granted.visitorId);
  await b.goto(c.url + '/embed.html');
  await b.init({ respectGpc: false });
  assert.equal(await b.run(() => SessionSight.getConsent()), 'granted');
}, { engines: ['firefox'], firefoxPrefs: { 'privacy.globalprivacycontrol.enabled': true } });

scenario('the pinned release loads with its Subresource Integrity hash; a wrong hash is refused', async (b) => {
  const c = await b.collector();
  const file = `sessionsight-${version}.js`;
  const sri = `sha384-${createHash('sha384').update(readFileSync(new URL(`dist/${file}`, ROOT))).digest('base64')}`;
  await b.goto(c.url + '/plain.html');
  const load = (src, integrity) => b.run((s, i) => new Promise((done) => {
    const el = document.createElement('script');
    el.src = s;
    el.integrity = i;
    el.crossOrigin = 'anonymous';
    el.onload = () => done('loaded');
    el.onerror = () => done('refused');
    document.head.appendChild(el);
  }), src, integrity);
  // (Another URL for the refused load: an engine may keep a refused response for its URL.)
  assert.equal(await load(`/dist/${file}?wrong`, sri.replace(/.{4}$/, 'AAAA')), 'refused');
  assert.equal(await load(`/dist/${file}`, sri), 'loaded');
  await b.init();
  assert.match((await b.ids()).visitorId, UUID);
  b.allowPageErrors(/integrity|sha384|digest/i);
});

scenario('the snippet stub: init() rejects when the script cannot load, flush() settles, no unhandled rejection', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/plain.html');
  const out = await b.run((code) => {
    const el = document.createElement('script');
    el.textContent = code;
    document.head.appendChild(el);
    const stub = window.SessionSight;
    const api = ['init', 'identify', 'setConsent', 'getConsent', 'reset', 'flush', 'getVisitorId', 'getSessionId', 'validate', 'explain'];
    const before = SessionSight.init({ apiKey: 'pk_test' });
    SessionSight.identify({ plan: 'queued' });
    const consent = SessionSight.getConsent();
    let validate = '';
    try { SessionSight.validate({}); } catch (e) { validate = e.message; }
    return Promise.all([
      before.then(() => 'resolved', (e) => `rejected: ${e.message}`),
      SessionSight.flush().then(() => 'flushed'),
    ]).then(([init, flush]) => SessionSight.init({ apiKey: 'pk_test' }).then(() => 'resolved', () => 'rejected again')
      .then((later) => ({ init, flush, later, consent, validate, same: window.SessionSight === stub, methods: api.filter((m) => typeof stub[m] !== 'function') })));
  }, snippet('/dist/missing.js'));
  assert.match(out.init, /^rejected: SessionSight: \/dist\/missing\.js did not load$/);
  assert.equal(out.flush, 'flushed');
  assert.equal(out.later, 'rejected again');
  assert.equal(out.consent, 'granted');
  assert.match(out.validate, /not loaded/);
  assert.deepEqual(out.methods, []);
  assert.equal(out.same, true);
  b.allowPageErrors(/missing\.js|404|Not Found/i);
});
