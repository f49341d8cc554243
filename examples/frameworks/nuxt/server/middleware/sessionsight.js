// Issues the SDK's cookies on every request. The ids are also written into the request's Cookie
// header, so SSR sub-requests (useFetch('/api/…') during the render) reuse them.
import { ensureIdentity } from '@sessionsight/insights/server';

export default defineEventHandler((event) => {
  const identity = ensureIdentity(event);
  for (const cookie of identity.setCookie) appendResponseHeader(event, 'set-cookie', cookie);
});
