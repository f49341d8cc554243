// Types for `@sessionsight/insights/server`: reads the SDK's visitor/session cookies on the server.

/** Name of the cookie holding the visitor id. */
export declare const VISITOR_COOKIE: 'ss_vid';
/** Name of the cookie holding the session id. */
export declare const SESSION_COOKIE: 'ss_sid';
/** Session cookie used by first-party setups; read when `ss_sid` is absent or malformed. */
export declare const FIRSTPARTY_SESSION_COOKIE: 'fsid';

/** The ids found for a request; `null` when absent or not a well-formed UUID. */
export interface SessionContext {
  /** Lower-cased UUID from `ss_vid`, or the `visitorId` override. */
  visitorId: string | null;
  /** Lower-cased UUID from `ss_sid` (else `fsid`), or the `sessionId` override. */
  sessionId: string | null;
}

/** Explicit ids; a non-empty string wins over the cookie value (it is not validated). */
export interface SessionOverrides {
  visitorId?: string | null;
  sessionId?: string | null;
}

/** A value a cookie jar may return: the raw value, or a `{ value }` object (Next.js, Astro). */
export type CookieJarValue = string | { value: string } | null | undefined;

/** 2. A cookie jar: SvelteKit `cookies`, Koa `ctx.cookies`, a `Map<string, string>`. */
export interface CookieJar {
  get(name: string): CookieJarValue;
}

/** 2. An object whose `cookies` is a jar: Koa `ctx`, Next.js `NextRequest`, SvelteKit event. */
export interface WithCookieJar {
  cookies: CookieJar;
}

/** 3. Already-parsed cookies: Express + cookie-parser, Next.js pages router, Fastify. */
export interface WithParsedCookies {
  cookies: Readonly<Record<string, string | undefined>>;
}

/** 2 and 4. Fetch `Headers` (has `append`, so it is read as headers, not as a jar). */
export interface HeadersLike {
  get(name: string): string | null;
  append(name: string, value: string): void;
}

/** 4. A Fetch `Request` (Next.js app router, SvelteKit, Hono `c.req.raw`, Remix, Workers,
 *  Deno, Bun) or an h3 v1 event (its `headers` is a Fetch `Headers`). */
export interface WithFetchHeaders {
  headers: { get(name: string): string | null };
}

/** 5. A Node `IncomingMessage`, Express `req`, Koa `ctx.req` / `ctx.request`. */
export interface WithNodeHeaders {
  headers: { cookie?: string | string[] | undefined };
}

/** 6. An h3 event, read through `event.node.req.headers.cookie`. */
export interface H3EventLike {
  node: { req: WithNodeHeaders };
}

/** 7. The parsed map itself, e.g. Express's `req.cookies` (any plain object, checked last). */
export type ParsedCookies = Readonly<Record<string, string | undefined>>;

/** Every request shape `forRequest` understands, checked in this order:
 *  1. a raw `Cookie` header string; 2. a cookie jar or `Headers`, or an object whose `cookies`
 *  is a jar; 3. a parsed `cookies` map; 4. `headers.get('cookie')`; 5. `headers.cookie`;
 *  6. `node.req.headers.cookie`; 7. a plain object taken as the parsed map itself. */
export type CookieSource =
  | string
  | CookieJar
  | HeadersLike
  | WithCookieJar
  | WithParsedCookies
  | WithFetchHeaders
  | WithNodeHeaders
  | H3EventLike
  | ParsedCookies;

/**
 * Reads the visitor and session ids from a request's cookies. Never throws: a missing,
 * unrecognised or throwing source yields `{ visitorId: null, sessionId: null }`.
 */
export declare function forRequest(
  req: CookieSource | null | undefined,
  overrides?: SessionOverrides | null,
): SessionContext;

/**
 * Parses a `Cookie` header into name -> value: first occurrence wins, one pair of
 * surrounding double quotes stripped, URI-decoded (kept raw when decoding fails).
 * The object has no prototype. Never throws; non-strings give an empty object.
 */
export declare function parseCookieHeader(
  header: string | readonly string[] | null | undefined,
): Record<string, string>;
