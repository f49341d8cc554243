// Issues the SDK's cookies on every request; afterwards forRequest() on the event, on
// event.cookies, event.request or a load event returns the same ids, on a first visit too.
import { ensureIdentity } from '@sessionsight/insights/server';

export async function handle({ event, resolve }) {
  const identity = ensureIdentity(event);
  const response = await resolve(event);
  for (const cookie of identity.setCookie) response.headers.append('set-cookie', cookie);
  return response;
}
