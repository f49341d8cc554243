// Issues the SDK's cookies on every request; afterwards forRequest() on the event, on
// event.cookies, event.request or a load event returns the same ids, on a first visit too.
import { ensureIdentity, forRequest, identityHeaders } from '@sessionsight/insights/server';

export async function handle({ event, resolve }) {
  const identity = ensureIdentity(event);
  const response = await resolve(event);
  for (const cookie of identity.setCookie) response.headers.append('set-cookie', cookie);
  return response;
}

// Requests a load function makes to this app while rendering carry the page's ids (not a new visitor).
export async function handleFetch({ event, request, fetch }) {
  if (new URL(request.url).origin !== event.url.origin) return fetch(request);
  return fetch(new Request(request, { headers: identityHeaders(request, forRequest(event)) }));
}
