// Tests for js/server.js: real framework servers on 127.0.0.1 plus unit cases.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import express from 'express';
import cookieParser from 'cookie-parser';
import Koa from 'koa';
import { createApp, eventHandler, toNodeListener } from 'h3';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

import {
  forRequest,
  parseCookieHeader,
  VISITOR_COOKIE,
  SESSION_COOKIE,
  FIRSTPARTY_SESSION_COOKIE,
} from '../../js/server.js';

const V4 = '0f8fad5b-d9cb-469f-a165-70867728950e';
const V7 = '01936b2e-1e4a-7cc1-8d2b-3f1a2b3c4d5e';
const NONE = { visitorId: null, sessionId: null };
const BOTH = { visitorId: V4, sessionId: V7 };
// Noise around the two cookies, an upper-cased visitor id and a quoted session id.
const COOKIE = `theme=dark; ss_vid=${V4.toUpperCase()}; other=1; ss_sid="${V7}"`;

// Starts a node:http server on 127.0.0.1:0; resolves to { url, close }.
function listen(listener) {
  const server = http.createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((res) => server.close(() => res())),
      });
    });
  });
}

async function getJson(url, cookie = COOKIE) {
  const res = await fetch(url, { headers: { cookie } });
  assert.equal(res.status, 200, `${url} -> ${res.status}`);
  return res.json();
}

describe('constants', () => {
  test('cookie names', () => {
    assert.equal(VISITOR_COOKIE, 'ss_vid');
    assert.equal(SESSION_COOKIE, 'ss_sid');
    assert.equal(FIRSTPARTY_SESSION_COOKIE, 'fsid');
  });
});

describe('real servers', () => {
  test('Express 5 + cookie-parser: req and req.cookies; without cookie-parser: req', async () => {
    const app = express();
    app.get('/plain', (req, res) => res.json({ req: forRequest(req), hasCookies: req.cookies !== undefined }));
    app.use(cookieParser());
    app.get('/parsed', (req, res) => {
      // Express's req.get() reads headers: it must not be taken for a cookie jar.
      res.json({ req: forRequest(req), cookies: forRequest(req.cookies), isPlain: typeof req.cookies.get });
    });
    const srv = await listen(app);
    try {
      const parsed = await getJson(`${srv.url}/parsed`);
      assert.equal(parsed.isPlain, 'undefined');
      assert.deepEqual(parsed.req, BOTH);
      assert.deepEqual(parsed.cookies, BOTH);
      const plain = await getJson(`${srv.url}/plain`);
      assert.equal(plain.hasCookies, false);
      assert.deepEqual(plain.req, BOTH);
      const fsid = await getJson(`${srv.url}/parsed`, `ss_vid=${V4}; fsid=${V7}`);
      assert.deepEqual(fsid.req, BOTH);
    } finally {
      await srv.close();
    }
  });

  test('Koa 3 (signed keys set): ctx, ctx.cookies, ctx.req, ctx.request', async () => {
    const app = new Koa();
    app.keys = ['not-used-for-ss-cookies']; // ctx.cookies.get(name) must still return unsigned values
    app.use((ctx) => {
      ctx.body = {
        ctx: forRequest(ctx),
        cookies: forRequest(ctx.cookies),
        req: forRequest(ctx.req),
        request: forRequest(ctx.request),
      };
    });
    const srv = await listen(app.callback());
    try {
      const out = await getJson(srv.url);
      assert.deepEqual(out, { ctx: BOTH, cookies: BOTH, req: BOTH, request: BOTH });
      const bad = await getJson(srv.url, `ss_vid=not-a-uuid; ss_sid=${V7}`);
      assert.deepEqual(bad.ctx, { visitorId: null, sessionId: V7 });
      assert.deepEqual(bad.cookies, { visitorId: null, sessionId: V7 });
    } finally {
      await srv.close();
    }
  });

  test('h3 1.x (createApp + toNodeListener): the event', async () => {
    const app = createApp();
    app.use(
      eventHandler((event) => ({
        event: forRequest(event),
        // The same event reduced to shape 6 only (no `headers` getter).
        nodeOnly: forRequest({ node: event.node }),
      })),
    );
    const srv = await listen(toNodeListener(app));
    try {
      assert.deepEqual(await getJson(srv.url), { event: BOTH, nodeOnly: BOTH });
    } finally {
      await srv.close();
    }
  });

  test('Hono via @hono/node-server: c.req.raw', async () => {
    const app = new Hono();
    app.get('/', (c) => c.json({ raw: forRequest(c.req.raw), headers: forRequest(c.req.raw.headers) }));
    const server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    try {
      const { port } = server.address();
      assert.deepEqual(await getJson(`http://127.0.0.1:${port}/`), { raw: BOTH, headers: BOTH });
    } finally {
      await new Promise((res) => server.close(() => res()));
    }
  });

  test('raw node:http: the IncomingMessage', async () => {
    const srv = await listen((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(forRequest(req)));
    });
    try {
      assert.deepEqual(await getJson(srv.url), BOTH);
      assert.deepEqual(await getJson(srv.url, ''), NONE);
    } finally {
      await srv.close();
    }
  });
});

describe('Fetch Request constructed directly', () => {
  test('Request, its Headers, and a Request without cookies', () => {
    const req = new Request('https://example.test/', { headers: { cookie: COOKIE } });
    assert.deepEqual(forRequest(req), BOTH);
    assert.deepEqual(forRequest(req.headers), BOTH);
    assert.deepEqual(forRequest(new Request('https://example.test/')), NONE);
  });
});

describe('forRequest: request shapes', () => {
  test('raw header string', () => {
    assert.deepEqual(forRequest(`ss_vid=${V4}; ss_sid=${V7}`), BOTH);
    assert.deepEqual(forRequest(`ss_vid=${V4}`), { visitorId: V4, sessionId: null });
    assert.deepEqual(forRequest(''), NONE);
  });

  test('cookie jars: Map, get() returning { value } (Next.js), object with .cookies.get', () => {
    assert.deepEqual(forRequest(new Map([['ss_vid', V4], ['ss_sid', V7]])), BOTH);
    const jar = { get: (name) => ({ ss_vid: { name, value: V4 }, ss_sid: { name, value: V7 } })[name] };
    assert.deepEqual(forRequest(jar), BOTH);
    assert.deepEqual(forRequest({ cookies: jar }), BOTH);
  });

  test('plain cookies map, headers.cookie string and array, node.req.headers.cookie', () => {
    assert.deepEqual(forRequest({ cookies: { ss_vid: V4, ss_sid: V7 } }), BOTH);
    // The parsed map passed itself (checked last), even with cookies named like the other shapes.
    const map = Object.assign(Object.create(null), { ss_vid: V4, ss_sid: V7 });
    assert.deepEqual(forRequest(map), BOTH);
    assert.deepEqual(forRequest({ get: 'x', cookies: 'x', headers: 'x', node: 'x', ss_vid: V4, ss_sid: V7 }), BOTH);
    // Class instances are not cookie maps.
    assert.deepEqual(forRequest(new (class { ss_vid = V4; })()), NONE);
    assert.deepEqual(forRequest({ headers: { cookie: COOKIE } }), BOTH);
    assert.deepEqual(forRequest({ headers: { cookie: [`ss_vid=${V4}`, `ss_sid=${V7}`] } }), BOTH);
    assert.deepEqual(forRequest({ node: { req: { headers: { cookie: COOKIE } } } }), BOTH);
  });

  test('undefined, null, numbers and shapeless values give nulls', () => {
    for (const v of [undefined, null, 42, NaN, true, Symbol('x'), {}, [], () => {}, { headers: null }]) {
      assert.deepEqual(forRequest(v), NONE, String(typeof v));
    }
    assert.deepEqual(forRequest(), NONE);
  });
});

describe('forRequest: values', () => {
  test('fsid fallback when ss_sid is absent', () => {
    assert.deepEqual(forRequest(`ss_vid=${V4}; fsid=${V7}`), BOTH);
    assert.deepEqual(forRequest({ cookies: { fsid: V7 } }), { visitorId: null, sessionId: V7 });
  });

  test('fsid fallback when ss_sid is malformed; ss_sid wins when valid', () => {
    assert.deepEqual(forRequest(`ss_sid=garbage; fsid=${V7}`), { visitorId: null, sessionId: V7 });
    assert.deepEqual(forRequest(`ss_sid=${V4}; fsid=${V7}`), { visitorId: null, sessionId: V4 });
  });

  test('overrides win, each field independently', () => {
    const header = `ss_vid=${V4}; ss_sid=${V7}`;
    assert.deepEqual(forRequest(header, { visitorId: 'user-1' }), { visitorId: 'user-1', sessionId: V7 });
    assert.deepEqual(forRequest(header, { sessionId: 'sess-9' }), { visitorId: V4, sessionId: 'sess-9' });
    assert.deepEqual(forRequest(null, { visitorId: 'a', sessionId: 'b' }), { visitorId: 'a', sessionId: 'b' });
    // Empty strings and non-strings do not override.
    assert.deepEqual(forRequest(header, { visitorId: '', sessionId: 7 }), BOTH);
    assert.deepEqual(forRequest(header, null), BOTH);
  });

  test('malformed values read as null', () => {
    for (const bad of ['not-a-uuid', '', '   ', '%E0%A4%A', `${V4}x`, `x${V4}`, `${V4}-0`, V4.replace(/-/g, '')]) {
      assert.deepEqual(forRequest(`ss_vid=${bad}; ss_sid=${bad}`), NONE, `header: ${bad}`);
      assert.deepEqual(forRequest({ cookies: { ss_vid: bad, ss_sid: bad } }), NONE, `map: ${bad}`);
    }
  });

  test('URI-encoded UUID is decoded; upper-case UUID is lower-cased', () => {
    assert.deepEqual(forRequest(`ss_vid=${V4.replace(/-/g, '%2D')}`), { visitorId: V4, sessionId: null });
    assert.deepEqual(forRequest(`ss_vid=${V4.toUpperCase()}; ss_sid=${V7.toUpperCase()}`), BOTH);
  });

  test('one pair of surrounding double quotes is stripped', () => {
    assert.deepEqual(forRequest(`ss_vid="${V4}"; ss_sid="${V7}"`), BOTH);
    assert.deepEqual(forRequest(`ss_vid=""${V4}""`), NONE);
    assert.deepEqual(forRequest(`ss_vid="${V4}`), NONE);
  });

  test('duplicate cookie names: first occurrence wins', () => {
    assert.deepEqual(forRequest(`ss_vid=${V4}; ss_vid=${V7}`), { visitorId: V4, sessionId: null });
    // A malformed first occurrence still wins, so the id is absent.
    assert.deepEqual(forRequest(`ss_vid=bad; ss_vid=${V4}`), NONE);
  });

  test('throwing getters never throw out of forRequest', () => {
    const boom = () => {
      throw new Error('boom');
    };
    // A throwing probe is skipped: the later headers.cookie shape is still read.
    const req = { get cookies() { return boom(); }, headers: { cookie: `ss_vid=${V4}` } };
    assert.deepEqual(forRequest(req), { visitorId: V4, sessionId: null });
    assert.deepEqual(forRequest({ get: boom }), NONE);
    assert.deepEqual(forRequest({ cookies: { get: boom } }), NONE);
    assert.deepEqual(forRequest({ headers: { get: boom } }), NONE);
    assert.deepEqual(forRequest({ cookies: { get ss_vid() { return boom(); }, ss_sid: V7 } }), {
      visitorId: null,
      sessionId: V7,
    });
    // A jar returning an object whose `.value` getter throws (Next.js-style `{ value }`).
    assert.deepEqual(forRequest({ get: () => ({ get value() { return boom(); } }) }), NONE);
    const hostile = new Proxy({}, { get: boom, has: boom, getPrototypeOf: boom });
    assert.deepEqual(forRequest(hostile), NONE);
    assert.deepEqual(forRequest(`ss_vid=${V4}`, hostile), { visitorId: V4, sessionId: null });
  });
});

describe('parseCookieHeader', () => {
  test('decodes, strips one pair of quotes, keeps the first occurrence', () => {
    const out = parseCookieHeader(' a=1;b = %20x%20 ; c="q"; a=2; d=""z""; e=; noequals; f=a=b');
    assert.deepEqual({ ...out }, { a: '1', b: ' x ', c: 'q', d: '"z"', e: '', f: 'a=b' });
  });

  test('keeps a value raw when decoding fails', () => {
    assert.equal(parseCookieHeader('ss_vid=%E0%A4%A').ss_vid, '%E0%A4%A');
  });

  test('has no prototype: __proto__ and toString are ordinary names', () => {
    const out = parseCookieHeader('__proto__=x; toString=y');
    assert.equal(Object.getPrototypeOf(out), null);
    assert.equal(out.__proto__, 'x');
    assert.equal(out.toString, 'y');
    assert.equal(parseCookieHeader('a=1').toString, undefined);
  });

  test('never throws; non-strings give an empty object', () => {
    for (const v of [undefined, null, 42, {}, Symbol('s'), ';;;', '=x']) {
      assert.deepEqual({ ...parseCookieHeader(v) }, {}, String(typeof v));
    }
    assert.deepEqual({ ...parseCookieHeader(['a=1', 'b=2']) }, { a: '1', b: '2' });
  });
});
