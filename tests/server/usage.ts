// A typed consumer of the server-issued identity API: tests/server/types.test.js runs
// `tsc --noEmit` on it; the @ts-expect-error lines must stay errors.
import { ensureIdentity, identityHeaders, identityMiddleware, forRequest, type Identity, type IdentityOptions } from '@sessionsight/insights/server';

const options: IdentityOptions = { domain: 'example.com', secure: true, consent: true };
const identity: Identity = ensureIdentity(new Request('https://example.com/'), options);
const cookies: string[] = identity.setCookie;
const visitor: string | null = identity.visitorId;
const middleware = identityMiddleware({ consent: false });
// @ts-expect-error secure is a boolean
ensureIdentity('ss_vid=x', { secure: 'yes' });
// @ts-expect-error ids may be null (no consent)
const notNull: string = identity.sessionId;
const forwarded: Headers = identityHeaders(new Request('https://example.com/'), identity);
// @ts-expect-error identityHeaders needs the identity
identityHeaders(new Request('https://example.com/'));
console.log(cookies, visitor, middleware, notNull, forwarded, forRequest(new Request('https://example.com/')));
