// Server-side reader and issuer of the SDK's cookies. The browser SDK stores the visitor id
// in `ss_vid` and the session id in `ss_sid` (or `fsid` on first-party setups); server code
// (SSR, API routes, edge functions) imports this to tie its own events to the same visitor
// and session (`forRequest`), and can issue those cookies itself (`ensureIdentity`), which
// keeps them out of Safari's 7-day cap on cookies written by script and gives a first
// server render ids before the SDK has run. No static `node:` imports, so it runs unchanged
// in Node, Deno, Bun and Workers; cookies are parsed and written by `cookie` (as in Express,
// Remix and SvelteKit) and `options.domain` is checked against the Public Suffix List with
// `tldts`. Reading never throws: anything unreadable comes back as null.

import { parseCookie, stringifySetCookie } from 'cookie';
import { getDomain } from 'tldts';
import { uuidV4, uuidV7 } from './server/ids.js';

export const VISITOR_COOKIE = 'ss_vid';
export const SESSION_COOKIE = 'ss_sid';
export const FIRSTPARTY_SESSION_COOKIE = 'fsid';
/** Set beside `ss_vid` by `ensureIdentity`: the server issues `ss_vid`, so the SDK must not
 *  rewrite it from script (that would bring Safari's 7-day cap back). */
export const SERVER_VISITOR_MARKER = 'ss_srv';
/** Set by `ensureIdentity` when it mints a session: names that session, so the first SDK tab
 *  that starts while `ss_sid` still holds it adopts it (and deletes this marker). */
export const SERVER_SESSION_MARKER = 'ss_srv_sid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const attempt = (fn) => {
  try {
    return fn();
  } catch {
    return undefined;
  }
};
const isFn = (f) => typeof f === 'function';
const unquote = (v) => (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"' ? v.slice(1, -1) : v);

// Splits a Cookie header (or several) into name -> value, first occurrence wins; the result
// has no prototype, so a cookie named `__proto__` or `toString` is just a key.
function splitHeader(header, decode) {
  if (Array.isArray(header)) header = header.filter((h) => typeof h === 'string').join('; ');
  const out = Object.create(null);
  if (typeof header !== 'string') return out;
  for (const [name, value] of Object.entries(parseCookie(header, { decode }))) if (name) out[name] = value;
  return out;
}

/** Parses a Cookie header: name -> value, one pair of double quotes stripped and
 *  URI-decoded (kept raw when decoding fails, like the `cookie` package). Never throws. */
export function parseCookieHeader(header) {
  return splitHeader(header, (raw) => {
    const v = unquote(raw);
    return attempt(() => decodeURIComponent(v)) ?? v;
  });
}

// A cookie value as an id: strip one pair of quotes, URI-decode, must be a UUID.
// Jars that already decoded (cookie-parser, SvelteKit) are unaffected: a UUID has no `%`.
// Some jars (Next.js `cookies()`, Astro) return `{ name, value }` objects.
function toId(value) {
  if (value && typeof value === 'object') value = value.value;
  if (typeof value !== 'string') return null;
  const decoded = attempt(() => decodeURIComponent(unquote(value.trim())));
  return typeof decoded === 'string' && UUID.test(decoded) ? decoded.toLowerCase() : null;
}

const fromHeader = (header) => {
  const jar = splitHeader(header, (raw) => raw);
  return (name) => jar[name];
};

// Each probe recognises one request shape and returns `name -> raw value`, or undefined
// when the shape does not match. The first match decides; a probe that throws is skipped.
const probes = [
  // 1. A raw Cookie header string.
  (r) => (typeof r === 'string' ? fromHeader(r) : undefined),
  // 1b. Hono's `c` and `c.req`: the Fetch `Request` inside, `c.req.raw` (before the jars: `c.get` reads variables).
  (r) => {
    const raw = fetchRequestOf(r);
    return raw ? fromHeader(raw.headers.get('cookie')) : undefined;
  },
  // 2. A cookie jar: an object whose `.cookies` has get(name) (Koa `ctx`, Next.js `NextRequest`,
  //    SvelteKit event), or anything with get(name) but no `.headers` (SvelteKit `cookies`, Koa
  //    `ctx.cookies`, a Map; Express `req.get` reads a header). A Fetch `Headers` (get() and
  //    append()) is read through its Cookie header.
  (r) => {
    const jar = r.cookies && isFn(r.cookies.get) ? r.cookies : isFn(r.get) && !r.headers ? r : undefined;
    if (!jar) return undefined;
    return isFn(jar.append) ? fromHeader(jar.get('cookie')) : (name) => jar.get(name);
  },
  // 3. A parsed plain map: Express + cookie-parser, Next.js pages router, Fastify.
  (r) => (r.cookies && typeof r.cookies === 'object' ? (name) => r.cookies[name] : undefined),
  // 4. A Fetch `Request` (Next.js app router, SvelteKit, Hono `c.req.raw`, Remix, Workers,
  //    Deno, Bun) and h3 v1 events, whose `event.headers` is a Fetch `Headers`.
  (r) => (r.headers && isFn(r.headers.get) ? fromHeader(r.headers.get('cookie')) : undefined),
  // 5. Node `IncomingMessage` (also Express `req`, Koa `ctx.req` / `ctx.request`).
  (r) => (r.headers && typeof r.headers === 'object' ? fromHeader(r.headers.cookie) : undefined),
  // 6. An h3 event without `headers`: `event.node.req.headers.cookie`.
  (r) => (r.node && r.node.req && r.node.req.headers ? fromHeader(r.node.req.headers.cookie) : undefined),
  // 7. Last, any other plain object is the parsed map itself (Express's `req.cookies`).
  (r) => {
    const proto = Object.getPrototypeOf(r);
    return proto === Object.prototype || proto === null ? (name) => r[name] : undefined;
  },
];

// The Fetch `Request` inside a Hono context (`c.req.raw`) or a Hono request (`c.req` -> `.raw`).
function fetchRequestOf(r) {
  const raw = (r.req && r.req.raw) || r.raw;
  return raw && raw.headers && isFn(raw.headers.get) ? raw : undefined;
}

function readerFor(req) {
  if (typeof req !== 'string' && (req === null || (typeof req !== 'object' && typeof req !== 'function'))) {
    return undefined;
  }
  for (const probe of probes) {
    const read = attempt(() => probe(req));
    if (read) return read;
  }
  return undefined;
}

const override = (overrides, key) => {
  const v = attempt(() => overrides[key]);
  return typeof v === 'string' && v !== '' ? v : null;
};

/** Reads `{ visitorId, sessionId }` from any supported request shape. Never throws. After
 *  `ensureIdentity(req)` it returns the ids that call settled on for the same request. */
export function forRequest(req, overrides) {
  const settled = issued(req);
  const read = settled ? undefined : readerFor(req);
  const id = (name) => (read && attempt(() => toId(read(name)))) || null;
  return {
    visitorId: override(overrides, 'visitorId') ?? (settled ? settled.visitorId : id(VISITOR_COOKIE)),
    sessionId: override(overrides, 'sessionId') ??
      (settled ? settled.sessionId : id(SESSION_COOKIE) ?? id(FIRSTPARTY_SESSION_COOKIE)),
  };
}

// ---- Server-issued identity (SPEC §7.1) ----

/** One year, in seconds: the lifetime of `ss_vid` (SPEC §3). */
const VISITOR_MAX_AGE_S = 31536000;

// The ids `ensureIdentity` settled on, by request object. Frameworks hand the app several
// objects for one request (SvelteKit's `event`, `event.request`, `event.cookies` and a load
// event spread from it; Koa's `ctx`, `ctx.req`; an h3 event and `event.node.req`; Hono's `c`,
// `c.req`, `c.req.raw`), so the ids are kept under each object reachable from the one given,
// and looked up under each object reachable from the one asked about.
const settledIds = new WeakMap();
const isObj = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');
const related = (r) => [r, r.req, r.request, r.raw, r.req && r.req.raw, r.node && r.node.req, r.cookies, r.headers,
  r.request && r.request.headers, r.node && r.node.req && r.node.req.headers];
const relatedOf = (r) => (isObj(r) ? (attempt(() => related(r)) || [r]).filter(isObj) : []);

function remember(req, ids) {
  for (const o of relatedOf(req)) attempt(() => settledIds.set(o, ids));
}

function issued(req) {
  for (const o of relatedOf(req)) {
    const ids = attempt(() => settledIds.get(o));
    if (ids) return ids;
  }
  return undefined;
}

/** A Cookie header carrying `ids` in place of the SDK's cookies in `header`. */
function withIds(header, ids) {
  const own = new Set([VISITOR_COOKIE, SESSION_COOKIE, FIRSTPARTY_SESSION_COOKIE]);
  const kept = typeof header === 'string' ? header.split(';').map((p) => p.trim())
    .filter((p) => p && !own.has(p.slice(0, Math.max(0, p.indexOf('='))).trim())) : [];
  if (ids.visitorId) kept.push(`${VISITOR_COOKIE}=${ids.visitorId}`);
  if (ids.sessionId) kept.push(`${SESSION_COOKIE}=${ids.sessionId}`, `${FIRSTPARTY_SESSION_COOKIE}=${ids.sessionId}`);
  return kept.join('; ');
}

// A Node request's headers (Express, Koa, h3's `event.node.req`) get the settled ids in their
// Cookie header: sub-requests that forward it (Nuxt's `useFetch` / `event.$fetch` during SSR)
// then carry the page's identity instead of minting another. Fetch requests are left alone.
function forward(req, ids) {
  const node = attempt(() => (req.node && req.node.req) || (req.req && req.req.headers ? req.req : req));
  const h = attempt(() => node.headers);
  if (isObj(h) && !isFn(h.get) && (typeof h.cookie === 'string' || h.cookie === undefined)) {
    attempt(() => { h.cookie = withIds(h.cookie, ids); });
  }
}

/**
 * Request headers for the rest of the app, carrying the ids `identity` settled on: for
 * frameworks that hand the page a new request built from these headers, such as Next.js
 * (`NextResponse.next({ request: { headers: identityHeaders(request, identity) } })` in
 * `proxy.js`, so `cookies()` in the page reads the same ids on a first visit).
 */
export function identityHeaders(req, identity) {
  const src = attempt(() => req.headers);
  const headers = new Headers();
  if (isObj(src) && isFn(src.forEach)) src.forEach((v, k) => headers.append(k, v));
  else if (isObj(src)) for (const [k, v] of Object.entries(src)) if (typeof v === 'string') headers.append(k, v);
  headers.set('cookie', withIds(headers.get('cookie') ?? undefined, identity || {}));
  if (!headers.get('cookie')) headers.delete('cookie');
  return headers;
}

// A request header by name, from a Fetch `Headers`, a Node headers object, an h3 event or a
// Hono context.
function header(req, name) {
  const h = attempt(() => req.headers) ?? attempt(() => fetchRequestOf(req).headers);
  const v = isObj(h) ? (isFn(h.get) ? attempt(() => h.get(name)) : h[name]) : attempt(() => req.node.req.headers[name]);
  return Array.isArray(v) ? v[0] : typeof v === 'string' ? v : undefined;
}

// The request's URL when absolute (a Fetch `Request`, SvelteKit's `event.url`, Hono's `c.req.raw`).
function urlOf(req) {
  return attempt(() => {
    const u = req.url ?? fetchRequestOf(req).url;
    return u instanceof URL ? u : typeof u === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(u) ? new URL(u) : undefined;
  });
}

/** Whether the request reached the site over https, as far as its shape tells: a proxy's
 *  `X-Forwarded-Proto` / `Forwarded: proto=`, a Fetch request's URL (SvelteKit's `event.url`),
 *  Express's `req.secure` and Koa's `ctx.secure`, or a TLS socket underneath. */
export function isHttps(req) {
  if (!isObj(req)) return false;
  const forwarded = header(req, 'x-forwarded-proto') ??
    /(?:^|[;,\s])proto=("?)(https?)\1/i.exec(header(req, 'forwarded') || '')?.[2];
  if (forwarded) return forwarded.split(',')[0].trim().toLowerCase() === 'https';
  return Boolean(attempt(() => {
    const url = urlOf(req);
    if (url) return url.protocol === 'https:';
    if (typeof req.secure === 'boolean') return req.secure;
    const socket = req.socket || (req.req && req.req.socket) || (req.node && req.node.req.socket);
    return Boolean(socket && socket.encrypted);
  }));
}

/** The host name the request was sent to (proxy's `X-Forwarded-Host`, `Host`, or its URL), lower-cased, no port. */
function hostOf(req) {
  const raw = (isObj(req) && (header(req, 'x-forwarded-host') ?? header(req, 'host'))) || urlOf(req)?.host;
  const m = typeof raw === 'string' && /^\s*(\[[^\]]*\]|[^:,\s]+)/.exec(raw);
  return m ? m[1].toLowerCase().replace(/\.$/, '') : undefined;
}

/** `domain` when the host domain-matches it and it is neither a public suffix nor a single
 *  label (a browser drops such a cookie); otherwise undefined: host-only (SPEC §7.1). */
function usableDomain(domain, host) {
  if (!domain || !host || !domain.includes('.')) return undefined;
  if (host !== domain && !host.endsWith(`.${domain}`)) return undefined;
  return getDomain(domain, { allowPrivateDomains: true }) ? domain : undefined;
}

/** The registrable domain of a host (where the SDK writes its cookies by default), if any. */
const registrable = (host) => (host ? getDomain(host, { allowPrivateDomains: true }) ?? undefined : undefined);

const DOMAIN = /^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

function readOptions(options) {
  if (options === undefined || options === null) return { domain: undefined, secure: undefined, consent: true };
  if (typeof options !== 'object') throw new TypeError('ensureIdentity: options must be an object');
  const { domain, secure, consent } = options;
  if (domain !== undefined && domain !== null && (typeof domain !== 'string' || !DOMAIN.test(domain))) {
    throw new TypeError('ensureIdentity: options.domain must be a host name such as "example.com"');
  }
  if (secure !== undefined && secure !== null && typeof secure !== 'boolean') {
    throw new TypeError('ensureIdentity: options.secure must be a boolean');
  }
  if (consent !== undefined && consent !== null && typeof consent !== 'boolean') {
    throw new TypeError('ensureIdentity: options.consent must be a boolean');
  }
  return { domain: domain ? domain.replace(/^\./, '').toLowerCase() : undefined, secure: secure ?? undefined, consent: consent ?? true };
}

/** A `Set-Cookie` value with the SDK's attributes (SPEC §3); `maxAge` undefined: browser session. */
export function setCookieValue(name, value, { maxAge, domain, secure } = {}) {
  return stringifySetCookie({ name, value, path: '/', maxAge, domain: domain || undefined, sameSite: 'lax', secure: Boolean(secure) });
}

const ALL_COOKIES = [VISITOR_COOKIE, SESSION_COOKIE, FIRSTPARTY_SESSION_COOKIE, SERVER_VISITOR_MARKER, SERVER_SESSION_MARKER];

// A reader of the request's cookies, or a caller error: an unrecognised shape must never
// look like a first visit (that would mint a new id over the visitor's cookie).
function mustRead(req) {
  const read = readerFor(req);
  if (!read) {
    throw new TypeError('ensureIdentity: cannot read cookies from this request; pass the request object ' +
      '(Fetch Request, Node/Express/Koa request, h3 event, SvelteKit event, Hono c), a cookie jar or a Cookie header string');
  }
  return (name) => {
    try {
      return read(name);
    } catch (cause) {
      throw new TypeError(`ensureIdentity: reading the ${name} cookie from this request threw`, { cause });
    }
  };
}

/**
 * Settles the visitor and session for a request and returns the `Set-Cookie` values that
 * make the browser keep them: `ss_vid` (minted when absent or malformed) re-issued for a
 * year with its `ss_srv` marker, and on a first visit (no valid `ss_sid`/`fsid`) a new
 * session in `ss_sid`/`fsid` with the one-shot `ss_srv_sid` marker naming it. Afterwards
 * `forRequest` on the request, or on any object of it the framework hands out, returns the
 * same ids. With `consent: false` nothing is minted or kept: the ids are null and the SDK's
 * cookies the request carried are deleted. An unreadable request throws a `TypeError`.
 */
export function ensureIdentity(req, options) {
  const opts = readOptions(options);
  const read = mustRead(req);
  const host = hostOf(req);
  const domain = usableDomain(opts.domain, host);
  const attrs = { domain, secure: opts.secure ?? isHttps(req) };
  const carried = (name) => read(name) !== undefined && read(name) !== null;
  const setCookie = [];
  let ids;
  if (!opts.consent) {
    for (const name of ALL_COOKIES) if (carried(name)) setCookie.push(setCookieValue(name, '', { ...attrs, maxAge: 0 }));
    ids = { visitorId: null, sessionId: null };
  } else {
    const id = (name) => {
      const raw = read(name);
      return attempt(() => toId(raw)) || null;
    };
    const known = issued(req);
    ids = known ? { ...known } : { visitorId: id(VISITOR_COOKIE), sessionId: id(SESSION_COOKIE) ?? id(FIRSTPARTY_SESSION_COOKIE) };
    const freshSession = !ids.sessionId;
    ids.visitorId ??= uuidV4();
    ids.sessionId ??= uuidV7(Date.now());
    const marker = domain || '1';
    // The request's `ss_srv` names where these cookies were last issued from here.
    const moved = read(SERVER_VISITOR_MARKER) !== marker;
    setCookie.push(
      setCookieValue(VISITOR_COOKIE, ids.visitorId, { ...attrs, maxAge: VISITOR_MAX_AGE_S }),
      // The marker names the cookie domain (`1`: host-only) so the SDK writes its cookies there too.
      setCookieValue(SERVER_VISITOR_MARKER, marker, { ...attrs, maxAge: VISITOR_MAX_AGE_S }),
    );
    // Copies at the other candidate domain (host-only, or the registrable domain the SDK
    // writes at by default) would sit beside these: deleted, and the session issued here.
    const elsewhere = moved && !known ? [undefined, registrable(host)].filter((d) => d !== domain) : [];
    const stale = [];
    for (const d of new Set(elsewhere)) {
      for (const name of [VISITOR_COOKIE, SESSION_COOKIE, FIRSTPARTY_SESSION_COOKIE]) {
        if (carried(name)) stale.push(setCookieValue(name, '', { ...attrs, domain: d, maxAge: 0 }));
      }
    }
    if (freshSession || stale.length) {
      for (const name of [SESSION_COOKIE, FIRSTPARTY_SESSION_COOKIE]) setCookie.push(setCookieValue(name, ids.sessionId, attrs));
      if (freshSession) setCookie.push(setCookieValue(SERVER_SESSION_MARKER, ids.sessionId, attrs));
    }
    setCookie.push(...stale);
  }
  remember(req, ids);
  forward(req, ids);
  return { ...ids, setCookie };
}

/**
 * Express/Connect middleware: `ensureIdentity(req, options)` on every request it sees, its
 * `Set-Cookie` values appended to the response (cookies set earlier are kept), and the result
 * in `req.sessionsight`. Options are checked once, here.
 */
export function identityMiddleware(options) {
  readOptions(options);
  return function sessionsightIdentity(req, res, next) {
    try {
      const identity = ensureIdentity(req, options);
      req.sessionsight = identity;
      const prev = res.getHeader('set-cookie');
      const kept = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)];
      res.setHeader('set-cookie', [...kept, ...identity.setCookie]);
    } catch (e) {
      return next(e);
    }
    next();
  };
}
