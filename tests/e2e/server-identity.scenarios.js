// Server-issued identity (SPEC §7.1) end to end, written once for any browser driver: each
// scenario is a plain async function over a tiny browser API, so the Playwright spec beside it
// and a WebDriver layer run the same logic. The site is an Express app with the identity
// middleware that renders the ids it saw into the page; the SDK delivers to a real collector.
//
// The browser API a driver provides (one fresh profile per scenario):
//   browser.open(url)   -> Promise<Tab>: a new tab in that profile, loaded
//   browser.cookies()   -> Promise<{ name, value, domain }[]>: the cookies of the site the tab
//                          used last is on (a driver's jar may show only those)
// `serverDomainIsFollowed` also needs `*.example.com` to resolve to 127.0.0.1.
//   tab.run(fn, arg)    -> Promise<result>: runs a self-contained `fn(arg)` in the page (awaited)
//   tab.reload()        -> Promise<void>
// A driver whose new tabs load hidden and stay so until selected (a browser shows them) says so,
// pinned per engine by its runner:
//   browser.newTabsLoadHidden -> true;  browser.use(tab) -> Promise<void>: selects it as a person would
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { identityMiddleware, forRequest } from '../../js/server.js';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Runs before the SDK loads (`?watch=1`): records every `document.cookie` write.
const WATCH = `(function () {
  var d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  window.__cookieWrites = [];
  Object.defineProperty(Document.prototype, 'cookie', { configurable: true, enumerable: d.enumerable,
    get: function () { return d.get.call(this); },
    set: function (v) { window.__cookieWrites.push(String(v)); d.set.call(this, v); } });
})();`;

function page(ids, endpoint, query, head) {
  const json = (v) => JSON.stringify(v).replace(/</g, '\\u003c');
  const init = query.manual ? '' : `<script>window.__init = SessionSight.init({ apiKey: 'pk_test', filterBots: false, endpoint: ${json(endpoint)}, flushIntervalMs: 100 })
  .then(function () { return 'ok'; }, function (e) { return String(e); });</script>`;
  return `<!doctype html><html><head>${head}<meta charset="utf-8"><title>server identity</title>
<script>window.__server = ${json(ids)};</script>
${query.watch ? `<script>${WATCH}</script>` : ''}
<script src="/dist/sessionsight.js"></script>
${init}
</head><body><pre id="server">${json(ids)}</pre></body></html>`;
}

/** The site: `/` through the identity middleware (given `options`), `/plain` without it
 *  (SDK only, the control). Both render the ids `forRequest` saw. Query: `watch=1` records
 *  cookie writes, `manual=1` leaves `SessionSight.init` to the test. `head`: HTML a driver
 *  needs first in every page's <head> (e.g. a page-error hook). Resolves to
 *  `{ url, port, head, close }`. */
export function startSite({ endpoint, options, head = '' }) {
  const app = express();
  app.use('/dist', express.static(DIST, { cacheControl: false }));
  const render = (req, res) => res.type('html').set('cache-control', 'no-store').send(page(forRequest(req), endpoint, req.query, head));
  app.get('/plain', render);
  app.get('/', identityMiddleware(options), render);
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      port: server.address().port,
      head,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}

/** Polls `fn(arg)` in the tab until it returns a truthy value (15 s at most). */
export async function waitFor(tab, fn, arg) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await tab.run(fn, arg);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for init(); returns what the server rendered, the SDK's ids, storage and cookie writes. */
async function state(tab) {
  assert.equal(await tab.run(() => window.__init), 'ok');
  return tab.run(() => ({
    server: window.__server,
    sdk: { visitorId: SessionSight.getVisitorId(), sessionId: SessionSight.getSessionId() },
    stored: localStorage.getItem('ss_vid'),
    writes: window.__cookieWrites || [],
  }));
}

async function jar(browser) {
  const out = {};
  for (const { name, value } of await browser.cookies()) out[name] = value;
  return out;
}

const visitorWrites = (writes) => writes.filter((w) => /^\s*ss_vid=/.test(w));

/** A first visit: the SDK's ids are the ones the server rendered with, stored, never rewritten
 *  from script (not on load, reload or focus); the session marker is consumed; the events
 *  reach the collector with the server's ids. `events(filter)` reads the collector. */
export async function firstVisitAdoptsServerIds(browser, site, events) {
  const tab = await browser.open(`${site.url}/?watch=1`);
  const s = await state(tab);
  assert.match(s.server.visitorId, UUID);
  assert.match(s.server.sessionId, UUID);
  assert.deepEqual(s.sdk, s.server);
  assert.equal(s.stored, s.server.visitorId);
  assert.deepEqual(visitorWrites(s.writes), []);
  const c = await jar(browser);
  assert.equal(c.ss_vid, s.server.visitorId);
  assert.equal(c.ss_sid, s.server.sessionId);
  assert.equal(c.fsid, s.server.sessionId);
  assert.equal(c.ss_srv, '1');
  assert.equal(c.ss_srv_sid, undefined, 'the one-shot session marker is deleted');
  const start = await pollNode(() => events((e) => e.type === 'session_start' && e.sessionId === s.server.sessionId)[0]);
  assert.equal(start.visitorId, s.server.visitorId);

  await tab.run(() => { window.dispatchEvent(new Event('focus')); });
  assert.deepEqual(visitorWrites(await tab.run(() => window.__cookieWrites)), []);
  await tab.reload();
  const again = await state(tab);
  assert.deepEqual(again.server, s.server);
  assert.deepEqual(again.sdk, s.server);
  assert.deepEqual(visitorWrites(again.writes), []);
}

/** The control: without the server (`/plain`) the same wrapper sees the SDK write `ss_vid`. */
export async function withoutServerTheSdkWritesVisitor(browser, site) {
  const tab = await browser.open(`${site.url}/plain?watch=1`);
  const s = await state(tab);
  assert.deepEqual(s.server, { visitorId: null, sessionId: null });
  assert.match(s.sdk.visitorId, UUID);
  assert.equal(visitorWrites(s.writes).length, 1);
  assert.match(visitorWrites(s.writes)[0], new RegExp(`^ss_vid=${s.sdk.visitorId};.*Max-Age=31536000`));
}

/** A tab opened later: the server renders with the cookie's ids, the SDK keeps the visitor
 *  and mints this tab's own session (the marker was consumed by the first tab). */
export async function secondTabGetsItsOwnSession(browser, site) {
  const one = await state(await browser.open(`${site.url}/?watch=1`));
  const tab = await browser.open(`${site.url}/?watch=1`);
  const two = await state(tab);
  assert.deepEqual(two.server, one.sdk, 'the server saw the first tab\'s cookies');
  assert.equal(two.sdk.visitorId, one.sdk.visitorId);
  assert.match(two.sdk.sessionId, UUID);
  assert.notEqual(two.sdk.sessionId, one.sdk.sessionId);
  assert.deepEqual(visitorWrites(two.writes), []);
  // A tab that loads hidden claims ss_sid/fsid only once it is used (SPEC §3).
  const hidden = !!browser.newTabsLoadHidden;
  assert.equal(await tab.run(() => document.visibilityState), hidden ? 'hidden' : 'visible');
  if (hidden) {
    assert.equal((await jar(browser)).ss_sid, one.sdk.sessionId, 'a tab loaded hidden does not claim the session cookie');
    await browser.use(tab);
    await pollNode(async () => (await jar(browser)).ss_sid === two.sdk.sessionId);
  }
  const c = await jar(browser);
  assert.equal(c.ss_sid, two.sdk.sessionId, 'the newest tab claimed the session cookie');
  assert.equal(c.ss_vid, one.sdk.visitorId);
}

/** The session marker counts only while `ss_sid` still holds the session it names. */
export async function staleSessionMarkerIsIgnored(browser, site) {
  const A = '01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5e';
  const B = '01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5f';
  const stale = await browser.open(`${site.url}/plain?manual=1`);
  await stale.run(({ a, b }) => { document.cookie = `ss_srv_sid=${a}; Path=/`; document.cookie = `ss_sid=${b}; Path=/`; }, { a: A, b: B });
  await stale.run(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, endpoint: 'about:blank' }));
  const mine = await stale.run(() => SessionSight.getSessionId());
  assert.match(mine, UUID);
  assert.ok(mine !== A && mine !== B, mine);
  assert.equal((await jar(browser)).ss_srv_sid, undefined);

  const fresh = await browser.open(`${site.url}/plain?manual=1`);
  await fresh.run(({ a }) => { document.cookie = `ss_srv_sid=${a}; Path=/`; document.cookie = `ss_sid=${a}; Path=/`; }, { a: A });
  await fresh.run(() => SessionSight.init({ apiKey: 'pk_test', filterBots: false, endpoint: 'about:blank' }));
  assert.equal(await fresh.run(() => SessionSight.getSessionId()), A);
  assert.equal((await jar(browser)).ss_srv_sid, undefined);
}

/** reset() writes the new visitor from script (it must: the server cannot know it yet); the
 *  next response re-issues it from the server and the SDK stops writing again. */
export async function resetThenServerReissues(browser, site) {
  const tab = await browser.open(`${site.url}/?watch=1`);
  const before = await state(tab);
  await tab.run(() => SessionSight.reset());
  const after = await tab.run(() => ({ id: SessionSight.getVisitorId(), writes: window.__cookieWrites, stored: localStorage.getItem('ss_vid') }));
  assert.notEqual(after.id, before.sdk.visitorId);
  assert.equal(after.stored, after.id);
  assert.equal(visitorWrites(after.writes).length, 1);
  assert.equal((await jar(browser)).ss_vid, after.id);
  await tab.reload();
  const again = await state(tab);
  assert.equal(again.server.visitorId, after.id);
  assert.equal(again.sdk.visitorId, after.id);
  assert.deepEqual(visitorWrites(again.writes), []);
}

/** The server issues its cookies at `shop.example.com` (the SDK alone would pick `example.com`):
 *  the SDK follows the `ss_srv` marker, so every cookie exists once, at the server's domain. */
export async function serverDomainIsFollowed(browser, site) {
  const domainSite = await startSite({ endpoint: 'about:blank', options: { domain: 'shop.example.com' }, head: site.head });
  try {
    const tab = await browser.open(`http://app.shop.example.com:${domainSite.port}/?watch=1`);
    const s = await state(tab);
    assert.deepEqual(s.sdk, s.server);
    assert.deepEqual(visitorWrites(s.writes), []);
    await tab.run(() => { window.dispatchEvent(new Event('focus')); });
    const cookies = await browser.cookies();
    const names = cookies.map((c) => c.name).sort();
    assert.deepEqual(names, ['fsid', 'ss_sid', 'ss_srv', 'ss_vid']);
    for (const c of cookies) assert.equal(c.domain.replace(/^\./, ''), 'shop.example.com', c.name);
    assert.equal(cookies.find((c) => c.name === 'ss_srv').value, 'shop.example.com');
  } finally {
    await domainSite.close();
  }
}

async function pollNode(fn) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const scenarios = {
  firstVisitAdoptsServerIds,
  withoutServerTheSdkWritesVisitor,
  secondTabGetsItsOwnSession,
  staleSessionMarkerIsIgnored,
  resetThenServerReissues,
  serverDomainIsFollowed,
};
