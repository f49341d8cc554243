// First-render ids across the objects a framework hands the app for one request (issue 21):
// SvelteKit's event / event.request / event.cookies / load events, Hono's `c`, an h3 event and
// the sub-requests its SSR makes, Next.js's proxy -> page hand-over; unreadable shapes; which
// `options.domain` a browser would keep; copies of the cookies at another domain.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createApp, eventHandler, toNodeListener, appendResponseHeader, getProxyRequestHeaders } from 'h3';

import * as server from '../../js/server.js';

const { ensureIdentity, forRequest, identityHeaders, parseCookieHeader } = server;

const V4 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const V7 = '01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5e';
const NONE = { visitorId: null, sessionId: null };
const ids = (o) => ({ visitorId: o.visitorId, sessionId: o.sessionId });

/** Set-Cookie lines -> [{ name, value, domain, maxAge }] */
const cookiesOf = (lines) => lines.map((line) => {
  const [pair, ...attrs] = line.split(';').map((s) => s.trim());
  const attr = (n) => attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.split('=')[1];
  return { name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), domain: attr('domain'), maxAge: attr('max-age') };
});

/** A SvelteKit RequestEvent as SvelteKit builds it: `cookies` is a jar of closures over the
 *  request's Cookie header, with no link back to the request. */
function svelteKitEvent(cookie) {
  const request = new Request('http://localhost:5173/', { headers: cookie ? { cookie } : {} });
  const parsed = parseCookieHeader(request.headers.get('cookie'));
  const cookies = { get: (n) => parsed[n], getAll: () => Object.entries(parsed).map(([name, value]) => ({ name, value })), set() {}, delete() {}, serialize() {} };
  return { request, cookies, url: new URL(request.url), locals: {}, params: {}, route: { id: '/' }, setHeaders() {}, fetch };
}

async function serveNode(listener) {
  const server = http.createServer(listener);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

describe('SvelteKit: every object of the request sees the ids the hook settled on', () => {
  test('hook ensureIdentity(event.request): forRequest(event) and a load event (spread of it) on a first visit', () => {
    const event = svelteKitEvent();
    const settled = ids(ensureIdentity(event.request));
    assert.deepEqual(forRequest(event), settled);
    assert.deepEqual(forRequest({ ...event, parent: async () => ({}), depends() {} }), settled);
    assert.deepEqual(forRequest(event.request), settled);
  });

  test('hook ensureIdentity(event): event, event.cookies, event.request, a load event on a first visit', () => {
    const event = svelteKitEvent();
    const settled = ids(ensureIdentity(event));
    for (const o of [event, event.cookies, event.request, { ...event }]) assert.deepEqual(forRequest(o), settled);
    // A returning visitor keeps its ids.
    const back = svelteKitEvent(`ss_vid=${V4}; ss_sid=${V7}; ss_srv=1`);
    assert.deepEqual(ids(ensureIdentity(back)), { visitorId: V4, sessionId: V7 });
    assert.deepEqual(forRequest({ ...back }), { visitorId: V4, sessionId: V7 });
  });
});

describe("Hono's context c (real Hono over HTTP)", () => {
  async function honoServer() {
    const app = new Hono();
    app.use(async (c, next) => {
      const identity = ensureIdentity(c);
      await next();
      for (const cookie of identity.setCookie) c.header('Set-Cookie', cookie, { append: true });
    });
    app.get('/', (c) => c.json({ c: forRequest(c), req: forRequest(c.req), raw: forRequest(c.req.raw) }));
    const server = await new Promise((resolve) => { const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s)); });
    return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
  }

  test('ensureIdentity(c) keeps the visitor cookie; forRequest(c), c.req and c.req.raw read it', async () => {
    const srv = await honoServer();
    try {
      const res = await fetch(srv.url, { headers: { cookie: `ss_vid=${V4}; ss_sid=${V7}; ss_srv=1` } });
      const body = await res.json();
      for (const k of ['c', 'req', 'raw']) assert.deepEqual(body[k], { visitorId: V4, sessionId: V7 }, k);
      const set = cookiesOf(res.headers.getSetCookie());
      assert.equal(set.find((c) => c.name === 'ss_vid').value, V4);
    } finally {
      await srv.close();
    }
  });

  test('first visit: forRequest(c) returns the ids in the Set-Cookie', async () => {
    const srv = await honoServer();
    try {
      const res = await fetch(srv.url);
      const body = await res.json();
      const set = cookiesOf(res.headers.getSetCookie());
      assert.equal(body.c.visitorId, set.find((c) => c.name === 'ss_vid').value);
      assert.equal(body.c.sessionId, set.find((c) => c.name === 'ss_sid').value);
      assert.deepEqual(body.req, body.c);
    } finally {
      await srv.close();
    }
  });
});

describe('h3 / Nuxt: SSR sub-requests reuse the page request identity (real h3 over HTTP)', () => {
  test('a page that fetches /api/ids during SSR (headers forwarded as Nitro does) renders the ids of its own Set-Cookie', async () => {
    let base = '';
    const app = createApp();
    app.use(eventHandler((event) => {
      event.context.sessionsight = ensureIdentity(event);
      for (const cookie of event.context.sessionsight.setCookie) appendResponseHeader(event, 'Set-Cookie', cookie);
    }));
    app.use('/api/ids', eventHandler((event) => forRequest(event)));
    // Nitro's event.$fetch (what Nuxt's useFetch uses during SSR): the page request's headers, forwarded.
    app.use('/', eventHandler(async (event) => {
      const sub = await fetch(`${base}/api/ids`, { headers: getProxyRequestHeaders(event) });
      return { rendered: await sub.json(), page: forRequest(event) };
    }));
    const srv = await serveNode(toNodeListener(app));
    base = srv.url;
    try {
      const res = await fetch(`${srv.url}/`);
      const { rendered, page } = await res.json();
      const set = cookiesOf(res.headers.getSetCookie());
      const issued = { visitorId: set.find((c) => c.name === 'ss_vid').value, sessionId: set.find((c) => c.name === 'ss_sid').value };
      assert.deepEqual(page, issued);
      assert.deepEqual(rendered, issued);
    } finally {
      await srv.close();
    }
  });
});

describe('Next.js: proxy.js -> page', () => {
  test('identityHeaders forwards the issued ids: the page request (cookies()) reads them on a first visit', () => {
    const request = new Request('http://localhost:3000/', { headers: { accept: 'text/html', cookie: 'theme=dark' } });
    const identity = ensureIdentity(request);
    const headers = identityHeaders(request, identity);
    // Next builds the page's request (and cookies()) from these headers.
    const page = new Request('http://localhost:3000/', { headers });
    assert.deepEqual(forRequest(page), ids(identity));
    assert.deepEqual(forRequest(new Map(Object.entries(parseCookieHeader(headers.get('cookie'))))), ids(identity));
    assert.equal(headers.get('accept'), 'text/html');
    assert.match(headers.get('cookie'), /(^|; )theme=dark(;|$)/);
    // The request itself is not changed, and stale SDK cookies are replaced, not duplicated.
    assert.equal(request.headers.get('cookie'), 'theme=dark');
    const stale = new Request('http://localhost:3000/', { headers: { cookie: 'ss_vid=bad; a=1; ss_sid=bad' } });
    const fixed = identityHeaders(stale, ensureIdentity(stale)).get('cookie');
    assert.equal(fixed.match(/ss_vid=/g).length, 1);
    assert.equal(fixed.match(/ss_sid=/g).length, 1);
  });
});

describe('request shapes ensureIdentity cannot read', () => {
  test('throw a TypeError naming what to pass; forRequest still answers nulls', () => {
    for (const req of [undefined, null, 42, Symbol('req'), () => {}, new (class Context {})()]) {
      assert.throws(() => ensureIdentity(req), (e) => e instanceof TypeError && /cannot read cookies/.test(e.message));
      assert.deepEqual(forRequest(req), NONE);
    }
  });
});

describe('options.domain: used only where a browser keeps it (SPEC §7.1)', () => {
  const domainOf = (host, domain) => {
    const out = ensureIdentity(new Request(`http://${host}/`), { domain });
    const vid = cookiesOf(out.setCookie).find((c) => c.name === 'ss_vid');
    const marker = cookiesOf(out.setCookie).find((c) => c.name === 'ss_srv');
    assert.equal(marker.value, vid.domain ?? '1', 'the marker names where the cookies are');
    return vid.domain;
  };

  test('the host must domain-match it', () => {
    assert.equal(domainOf('www.example.com', 'example.com'), 'example.com');
    assert.equal(domainOf('example.com', 'example.com'), 'example.com');
    assert.equal(domainOf('localhost:3000', 'example.com'), undefined);
    assert.equal(domainOf('127.0.0.1:8080', 'example.com'), undefined);
    assert.equal(domainOf('notexample.com', 'example.com'), undefined);
    assert.equal(domainOf('www.example.com', 'www.example.com'), 'www.example.com');
    assert.equal(domainOf('example.com', 'www.example.com'), undefined);
  });

  test('never a public suffix (ICANN or private) or a single label', () => {
    assert.equal(domainOf('shop.example.co.uk', 'co.uk'), undefined);
    assert.equal(domainOf('shop.example.co.uk', 'uk'), undefined);
    assert.equal(domainOf('shop.example.co.uk', 'example.co.uk'), 'example.co.uk');
    assert.equal(domainOf('www.example.com', 'com'), undefined);
    assert.equal(domainOf('me.github.io', 'github.io'), undefined);
    assert.equal(domainOf('app.localhost', 'localhost'), undefined);
  });

  test('the host is read from X-Forwarded-Host, Host, or the URL', () => {
    const viaProxy = ensureIdentity({ headers: { host: '10.0.0.5:3000', 'x-forwarded-host': 'www.example.com' } }, { domain: 'example.com' });
    assert.equal(cookiesOf(viaProxy.setCookie)[0].domain, 'example.com');
    const noHost = ensureIdentity({ headers: {} }, { domain: 'example.com' });
    assert.equal(cookiesOf(noHost.setCookie)[0].domain, undefined);
  });
});

describe('server-issued cookies replace the SDK copies at another domain', () => {
  const sdkCookies = `ss_vid=${V4}; ss_sid=${V7}; fsid=${V7}`;

  test('host-only from the server: the copies at the registrable domain are deleted, the session issued here', () => {
    const out = ensureIdentity(new Request('https://www.example.com/', { headers: { cookie: sdkCookies } }));
    const set = cookiesOf(out.setCookie);
    for (const name of ['ss_vid', 'ss_sid', 'fsid']) {
      assert.ok(set.some((c) => c.name === name && c.domain === 'example.com' && c.maxAge === '0'), `${name} deleted at example.com`);
      assert.ok(set.some((c) => c.name === name && c.domain === undefined && (name === 'ss_vid' ? V4 : V7) === c.value), `${name} issued host-only`);
    }
    assert.deepEqual(ids(out), { visitorId: V4, sessionId: V7 });
  });

  test('Domain=example.com from the server: the host-only copies are deleted', () => {
    const out = ensureIdentity(new Request('https://www.example.com/', { headers: { cookie: sdkCookies } }), { domain: 'example.com' });
    const set = cookiesOf(out.setCookie);
    for (const name of ['ss_vid', 'ss_sid', 'fsid']) {
      assert.ok(set.some((c) => c.name === name && c.domain === undefined && c.maxAge === '0'), `${name} deleted host-only`);
      assert.ok(set.some((c) => c.name === name && c.domain === 'example.com' && c.maxAge !== '0'), `${name} issued at example.com`);
    }
  });

  test('once the marker says they were issued here, nothing more is sent than ss_vid and its marker', () => {
    const out = ensureIdentity(new Request('https://www.example.com/', { headers: { cookie: `${sdkCookies}; ss_srv=example.com` } }), { domain: 'example.com' });
    assert.deepEqual(cookiesOf(out.setCookie).map((c) => c.name), ['ss_vid', 'ss_srv']);
  });
});
