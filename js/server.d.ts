// Types for `@sessionsight/insights/server`: reads the SDK's visitor/session cookies on the server,
// and issues them from the server (`ensureIdentity`, `identityMiddleware`).

/** Name of the cookie holding the visitor id. */
export declare const VISITOR_COOKIE: 'ss_vid';
/** Name of the cookie holding the session id. */
export declare const SESSION_COOKIE: 'ss_sid';
/** Session cookie used by first-party setups; read when `ss_sid` is absent or malformed. */
export declare const FIRSTPARTY_SESSION_COOKIE: 'fsid';
/** Set with `ss_vid` by `ensureIdentity` (value: its cookie domain, `1` for host-only): the
 *  browser SDK then never rewrites a server-issued `ss_vid` from script. */
export declare const SERVER_VISITOR_MARKER: 'ss_srv';
/** Set by `ensureIdentity` when it mints a session: the first SDK tab to start while `ss_sid`
 *  still holds that session adopts it, and deletes this cookie. */
export declare const SERVER_SESSION_MARKER: 'ss_srv_sid';

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

/** Options of `ensureIdentity` and `identityMiddleware`; a wrong type throws a `TypeError`. */
export interface IdentityOptions {
  /** Cookie `Domain`, e.g. `'example.com'` (use the domain the SDK writes its cookies at);
   *  used only for hosts that domain-match it when it is not a public suffix or a single
   *  label; host-only otherwise or when absent. */
  domain?: string | null;
  /** Forces `Secure` on or off; by default it is on for requests that arrived over https. */
  secure?: boolean | null;
  /** `false` (the visitor refused): nothing is minted, the ids are `null` and the SDK's
   *  cookies the request carried are deleted. Default `true`. */
  consent?: boolean | null;
}

/** What `ensureIdentity` settled on for a request. */
export interface Identity {
  /** The visitor id (UUID v4), minted when `ss_vid` was absent or malformed; `null` without consent. */
  visitorId: string | null;
  /** The session id, minted (UUID v7) when the request had no valid `ss_sid`/`fsid`; `null` without consent. */
  sessionId: string | null;
  /** `Set-Cookie` header values to add to the response, one header each. */
  setCookie: string[];
}

/**
 * Issues the SDK's identity cookies from the server (SPEC §7.1): reads the request like
 * `forRequest`, mints what is missing, and returns the ids with the `Set-Cookie` values
 * (`ss_vid` re-issued for a year on every call, so Safari's 7-day cap on script cookies does
 * not apply). `forRequest` afterwards returns these ids for the same request object and for
 * the objects of that request a framework hands out (SvelteKit's `event`, `event.request`,
 * `event.cookies` and load events; Koa's `ctx`/`ctx.req`; an h3 event; Hono's `c`, `c.req`,
 * `c.req.raw`). On a Node request (Express, Koa, h3) the ids are also written into its
 * `Cookie` header, so sub-requests that forward it (Nuxt's SSR `useFetch`) reuse them.
 * A request it cannot read throws a `TypeError` (never a new id over the visitor's cookie),
 * as do invalid options. `options.domain` is used only when the request's host domain-matches
 * it and it is not a public suffix or a single label; otherwise the cookies are host-only.
 */
export declare function ensureIdentity(req: CookieSource | object, options?: IdentityOptions | null): Identity;

/**
 * A copy of the request's headers whose `Cookie` header carries the ids `identity` settled on
 * (the SDK's cookies it carried replaced): for frameworks that build the page's request from
 * headers, e.g. Next.js `proxy.js`:
 * `NextResponse.next({ request: { headers: identityHeaders(request, identity) } })`.
 */
export declare function identityHeaders(
  req: { headers: Headers | Record<string, string | string[] | undefined> },
  identity: Pick<Identity, 'visitorId' | 'sessionId'>,
): Headers;

/** Node's response as Express and Connect hand it to middleware. */
export interface NodeResponseLike {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: string | readonly string[]): unknown;
}

/**
 * Express/Connect middleware: `ensureIdentity(req, options)` on each request, its cookies
 * appended to those already set, the result in `req.sessionsight`. Options are checked here.
 */
export declare function identityMiddleware(
  options?: IdentityOptions | null,
): (req: any, res: NodeResponseLike, next: (err?: unknown) => void) => void;

/** Whether a request arrived over https: `X-Forwarded-Proto`/`Forwarded`, a Fetch URL, Express's
 *  `req.secure`/Koa's `ctx.secure`, or a TLS socket. */
export declare function isHttps(req: unknown): boolean;

/** A `Set-Cookie` value with the SDK's attributes (`Path=/`, `SameSite=Lax`); no `maxAge`: a
 *  browser-session cookie. */
export declare function setCookieValue(
  name: string,
  value: string,
  attrs?: { maxAge?: number; domain?: string; secure?: boolean },
): string;
