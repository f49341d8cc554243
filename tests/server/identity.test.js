// Server-issued identity (SPEC §7.1): ensureIdentity and the Express middleware over real
// HTTP on 127.0.0.1, the framework examples in examples/servers/, and unit cases.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { execFileSync, execFileSync as run } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import express from 'express';
import { toNodeListener } from 'h3';
import { serve } from '@hono/node-server';

import { ensureIdentity, forRequest, identityMiddleware, isHttps } from '../../js/server.js';
import { createApp as expressApp } from '../../examples/servers/express.js';
import { createApp as koaApp } from '../../examples/servers/koa.js';
import { createH3App } from '../../examples/servers/h3.js';
import { createApp as honoApp } from '../../examples/servers/hono.js';
import { handler as fetchHandler } from '../../examples/servers/fetch.js';

const V4 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const V7 = '01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5e';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const YEAR = '31536000';

/** `name=value; A=b; Flag` -> { name, value, attrs: { a: 'b', flag: true } } (attribute names lower-cased). */
function parseSetCookie(line) {
  const [pair, ...rest] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attrs = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    if (i < 0) attrs[a.toLowerCase()] = true;
    else attrs[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs };
}

/** Set-Cookie lines by cookie name (a name twice is a failure). */
function byName(lines) {
  const out = {};
  for (const line of lines) {
    const c = parseSetCookie(line);
    assert.equal(out[c.name], undefined, `${c.name} set twice`);
    out[c.name] = c;
  }
  return out;
}

function listen(listener) {
  const server = http.createServer(listener);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}

async function hono(fetch) {
  const server = await new Promise((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function get(url, cookie, headers = {}) {
  const res = await fetch(url, { headers: cookie === undefined ? headers : { cookie, ...headers } });
  assert.equal(res.status, 200, `${url} -> ${res.status}`);
  return { body: await res.json(), cookies: byName(res.headers.getSetCookie()), raw: res.headers.getSetCookie() };
}

/** A first visit: both ids minted, the cookies carry them with the SDK's attributes. */
function assertFirstVisit({ body, cookies }, { secure = false } = {}) {
  const { visitorId, sessionId } = body.ids;
  assert.match(visitorId, UUID_V4);
  assert.match(sessionId, UUID_V7);
  // The session id is a UUID v7 of now: its first 48 bits are the time in ms.
  const ms = parseInt(sessionId.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(Math.abs(Date.now() - ms) < 60_000, `v7 time ${ms}`);
  assert.deepEqual(Object.keys(cookies).sort(), ['fsid', 'ss_sid', 'ss_srv', 'ss_srv_sid', 'ss_vid']);
  const base = { path: '/', samesite: 'Lax', ...(secure ? { secure: true } : {}) };
  assert.deepEqual(cookies.ss_vid, { name: 'ss_vid', value: visitorId, attrs: { ...base, 'max-age': YEAR } });
  assert.deepEqual(cookies.ss_srv, { name: 'ss_srv', value: '1', attrs: { ...base, 'max-age': YEAR } });
  for (const name of ['ss_sid', 'fsid', 'ss_srv_sid']) {
    assert.deepEqual(cookies[name], { name, value: sessionId, attrs: base }, name);
  }
  return { visitorId, sessionId };
}

/** A returning visit: the same ss_vid re-issued for a year, no session cookies. */
function assertReturning({ body, cookies }, visitorId, sessionId) {
  assert.deepEqual(body.ids, { visitorId, sessionId });
  assert.deepEqual(Object.keys(cookies).sort(), ['ss_srv', 'ss_vid']);
  assert.equal(cookies.ss_vid.value, visitorId);
  assert.equal(cookies.ss_vid.attrs['max-age'], YEAR);
}

/** The same three visits against any server whose `/` answers `{ ids: forRequest(...) }`. */
async function visits(url) {
  const first = await get(url);
  const minted = assertFirstVisit(first);
  if (first.body.middleware) assert.deepEqual(first.body.middleware.visitorId, minted.visitorId);
  if (first.body.middleware) assert.deepEqual(first.body.middleware.sessionId, minted.sessionId);
  // Returning with what the browser stored: the same visitor re-issued, the same session.
  assertReturning(await get(url, `ss_vid=${minted.visitorId}; ss_sid=${minted.sessionId}; ss_srv=1`), minted.visitorId, minted.sessionId);
  // fsid alone is a session too.
  assertReturning(await get(url, `ss_vid=${V4}; fsid=${V7}`), V4, V7);
  // A malformed ss_vid is replaced; the valid session is kept.
  const bad = await get(url, `ss_vid=not-a-uuid; ss_sid=${V7}`);
  assert.match(bad.body.ids.visitorId, UUID_V4);
  assertReturning(bad, bad.body.ids.visitorId, V7);
}

describe('real frameworks: first, returning and malformed visits', () => {
  test('Express middleware (examples/servers/express.js)', async () => {
    const srv = await listen(expressApp());
    try {
      await visits(srv.url);
    } finally {
      await srv.close();
    }
  });

  test('Koa (examples/servers/koa.js)', async () => {
    const srv = await listen(koaApp().callback());
    try {
      await visits(srv.url);
    } finally {
      await srv.close();
    }
  });

  test('h3 / Nuxt (examples/servers/h3.js)', async () => {
    const srv = await listen(toNodeListener(createH3App()));
    try {
      await visits(srv.url);
    } finally {
      await srv.close();
    }
  });

  test('Hono on @hono/node-server (examples/servers/hono.js)', async () => {
    const srv = await hono(honoApp().fetch);
    try {
      await visits(srv.url);
    } finally {
      await srv.close();
    }
  });

  test('a Fetch handler, served by @hono/node-server (examples/servers/fetch.js)', async () => {
    const srv = await hono(fetchHandler);
    try {
      await visits(srv.url);
    } finally {
      await srv.close();
    }
  });
});

describe('Express middleware', () => {
  test('keeps Set-Cookie values set before it; req.sessionsight and forRequest on req.cookies agree', async () => {
    const app = express();
    app.use((req, res, next) => {
      res.setHeader('Set-Cookie', 'theme=dark; Path=/');
      next();
    });
    app.use(identityMiddleware());
    app.use((req, res, next) => {
      res.append('Set-Cookie', 'later=1; Path=/');
      next();
    });
    app.get('/', (req, res) => res.json({ ids: forRequest(req), headers: forRequest(req.headers), mw: req.sessionsight }));
    const srv = await listen(app);
    try {
      const { body, raw } = await get(srv.url);
      assert.equal(raw[0], 'theme=dark; Path=/');
      assert.equal(raw.at(-1), 'later=1; Path=/');
      assert.equal(raw.length, 7);
      assert.deepEqual(body.headers, body.ids);
      assert.deepEqual({ visitorId: body.mw.visitorId, sessionId: body.mw.sessionId }, body.ids);
      assert.deepEqual(body.mw.setCookie, raw.slice(1, -1));
    } finally {
      await srv.close();
    }
  });

  test('an https request (real TLS) gets Secure; a plain one behind a TLS proxy too; secure: false wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ss-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, expressApp());
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: server.address().port, path: '/', rejectUnauthorized: false }, (r) => {
          let text = '';
          r.on('data', (d) => { text += d; });
          r.on('end', () => resolve({ body: JSON.parse(text), cookies: byName(r.headers['set-cookie']) }));
        }).on('error', reject);
      });
      assertFirstVisit(res, { secure: true });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    const srv = await listen(expressApp());
    const forced = await listen(expressApp({ secure: false }));
    try {
      assertFirstVisit(await get(srv.url, undefined, { 'x-forwarded-proto': 'https' }), { secure: true });
      assertFirstVisit(await get(srv.url, undefined, { forwarded: 'for=1.2.3.4;proto=https' }), { secure: true });
      assertFirstVisit(await get(srv.url, undefined, { 'x-forwarded-proto': 'http' }));
      assertFirstVisit(await get(forced.url, undefined, { 'x-forwarded-proto': 'https' }));
    } finally {
      await srv.close();
      await forced.close();
    }
  });

  test('Domain from options, named in the ss_srv marker; bad options throw when the middleware is made', async () => {
    const srv = await listen(expressApp({ domain: '.Example.com' }));
    try {
      // Sent to www.example.com (through a proxy): Domain=example.com.
      const { cookies } = await get(srv.url, undefined, { 'x-forwarded-host': 'www.example.com' });
      for (const c of Object.values(cookies)) assert.equal(c.attrs.domain, 'example.com', c.name);
      assert.equal(cookies.ss_srv.value, 'example.com');
      // Sent to 127.0.0.1, which example.com does not match: host-only, or the browser would drop them.
      const local = await get(srv.url);
      for (const c of Object.values(local.cookies)) assert.equal(c.attrs.domain, undefined, c.name);
      assert.equal(local.cookies.ss_srv.value, '1');
    } finally {
      await srv.close();
    }
    for (const bad of [{ domain: 'example.com; HttpOnly' }, { domain: 'a b' }, { domain: 7 }, { secure: 'yes' }, { consent: 'no' }, 'x']) {
      assert.throws(() => identityMiddleware(bad), TypeError, JSON.stringify(bad));
      assert.throws(() => ensureIdentity('', bad), TypeError, JSON.stringify(bad));
    }
  });
});

describe('ensureIdentity', () => {
  test('every request shape forRequest reads; forRequest afterwards returns the settled ids', () => {
    const cookie = `ss_vid=${V4}; ss_sid=${V7}; ss_srv=1`;
    const shapes = [
      cookie,
      new Request('http://example.test/', { headers: { cookie } }),
      { headers: { cookie } },
      { cookies: { ss_vid: V4, ss_sid: V7, ss_srv: '1' } },
      new Map([['ss_vid', V4], ['ss_sid', V7], ['ss_srv', '1']]),
      { node: { req: { headers: { cookie } } } },
    ];
    for (const req of shapes) {
      const out = ensureIdentity(req);
      assert.deepEqual({ visitorId: out.visitorId, sessionId: out.sessionId }, { visitorId: V4, sessionId: V7 });
      assert.equal(out.setCookie.length, 2);
    }
    // A first visit on an object: forRequest on it, and on what it wraps, sees the minted ids.
    const nodeReq = { headers: {} };
    const ctx = { req: nodeReq, request: { headers: nodeReq.headers } };
    const minted = ensureIdentity(ctx);
    const ids = { visitorId: minted.visitorId, sessionId: minted.sessionId };
    for (const o of [ctx, nodeReq, ctx.request, nodeReq.headers]) assert.deepEqual(forRequest(o), ids);
    // Explicit overrides still win.
    assert.deepEqual(forRequest(ctx, { sessionId: 's' }), { ...ids, sessionId: 's' });
    // Another request object is not affected.
    assert.deepEqual(forRequest({ headers: {} }), { visitorId: null, sessionId: null });
  });

  test('an unreadable request is a caller error, never a first visit; forRequest still reads it as nulls', () => {
    const boom = () => { throw new Error('boom'); };
    for (const req of [undefined, null, 42, true, new (class Unknown {})(), new Proxy({}, { get: boom })]) {
      assert.throws(() => ensureIdentity(req), TypeError);
      assert.deepEqual(forRequest(req), { visitorId: null, sessionId: null });
    }
  });

  test('ids are random: 1000 visitors, 1000 sessions, no repeats', () => {
    const v = new Set();
    const s = new Set();
    for (let i = 0; i < 1000; i++) {
      const out = ensureIdentity('');
      v.add(out.visitorId);
      s.add(out.sessionId);
    }
    assert.equal(v.size, 1000);
    assert.equal(s.size, 1000);
  });

  test('consent: false mints nothing and deletes the SDK cookies the request carried', () => {
    const req = { headers: { host: 'www.example.com', cookie: `ss_vid=${V4}; ss_srv=1; other=1; fsid=${V7}` } };
    const out = ensureIdentity(req, { consent: false, domain: 'example.com' });
    assert.equal(out.visitorId, null);
    assert.equal(out.sessionId, null);
    assert.deepEqual(forRequest(req), { visitorId: null, sessionId: null });
    const cookies = byName(out.setCookie);
    assert.deepEqual(Object.keys(cookies).sort(), ['fsid', 'ss_srv', 'ss_vid']);
    for (const c of Object.values(cookies)) assert.deepEqual(c.attrs, { path: '/', 'max-age': '0', domain: 'example.com', samesite: 'Lax' });
    assert.deepEqual(ensureIdentity('', { consent: false }).setCookie, []);
  });

  test('isHttps per request shape', () => {
    assert.equal(isHttps(new Request('https://example.test/')), true);
    assert.equal(isHttps(new Request('http://example.test/')), false);
    assert.equal(isHttps({ url: new URL('https://example.test/'), cookies: new Map() }), true); // SvelteKit event
    assert.equal(isHttps({ url: '/path', secure: true }), true); // Express req / Koa ctx
    assert.equal(isHttps({ url: '/path', headers: {}, socket: { encrypted: true } }), true); // Node
    assert.equal(isHttps({ node: { req: { headers: {}, socket: { encrypted: true } } } }), true); // h3
    assert.equal(isHttps({ headers: { 'x-forwarded-proto': 'https, http' }, secure: false }), true);
    assert.equal(isHttps({ headers: new Headers({ forwarded: 'proto="https"' }) }), true);
    for (const v of ['ss_vid=x', null, {}, { headers: {} }]) assert.equal(isHttps(v), false);
  });

  test('Node 18 (no global Web Crypto): falls back to node:crypto', () => {
    const script = `Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
      const m = await import(${JSON.stringify(new URL('../../js/server.js', import.meta.url).href)});
      await new Promise((r) => setTimeout(r, 100));
      console.log(JSON.stringify(m.ensureIdentity('')));`;
    const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    assert.match(out.visitorId, UUID_V4);
    assert.match(out.sessionId, UUID_V7);
  });
});
