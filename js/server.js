// Server-side reader for the SDK's cookies. The browser SDK stores the visitor id in
// `ss_vid` and the session id in `ss_sid` (or `fsid` on first-party setups); server code
// (SSR, API routes, edge functions) imports this to tie its own events to the same
// visitor and session. No dependencies and no `node:` imports, so it runs unchanged in
// Node, Deno, Bun and Workers. It never throws: anything unreadable comes back as null.

export const VISITOR_COOKIE = 'ss_vid';
export const SESSION_COOKIE = 'ss_sid';
export const FIRSTPARTY_SESSION_COOKIE = 'fsid';

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

// Splits a Cookie header into name -> raw value (first occurrence wins). The result has
// no prototype, so a cookie named `__proto__` or `toString` is just a key.
function splitHeader(header, mapValue) {
  const out = Object.create(null);
  if (Array.isArray(header)) header = header.filter((h) => typeof h === 'string').join('; ');
  if (typeof header !== 'string') return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name && !(name in out)) out[name] = mapValue(part.slice(eq + 1).trim());
  }
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
  // 2. A cookie jar: an object whose `.cookies` has get(name) (Koa `ctx`, Next.js `NextRequest`,
  //    SvelteKit event), or anything with get(name) itself (SvelteKit `cookies`, Koa
  //    `ctx.cookies`, a Map) unless it also has `.headers`: on request objects get() reads a
  //    header (Express `req.get`, Koa `ctx.get`). A Fetch `Headers` has get() and append():
  //    its Cookie header is read instead.
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
  // 7. Last, a plain object matching none of the above is the parsed map itself (Express's
  //    `req.cookies`). String values cannot match the shapes above, whatever their names.
  (r) => {
    const proto = Object.getPrototypeOf(r);
    return proto === Object.prototype || proto === null ? (name) => r[name] : undefined;
  },
];

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

/** Reads `{ visitorId, sessionId }` from any supported request shape. Never throws. */
export function forRequest(req, overrides) {
  const read = readerFor(req);
  const id = (name) => (read && attempt(() => toId(read(name)))) || null;
  return {
    visitorId: override(overrides, 'visitorId') ?? id(VISITOR_COOKIE),
    sessionId: override(overrides, 'sessionId') ?? id(SESSION_COOKIE) ?? id(FIRSTPARTY_SESSION_COOKIE),
  };
}
