// Next.js 16 proxy (formerly middleware): issues the SDK's cookies from the server, and hands
// the page a request that already carries them, so `cookies()` knows the visitor on a first visit.
import { NextResponse } from 'next/server';
import { ensureIdentity, identityHeaders } from '@sessionsight/insights/server';

export function proxy(request) {
  const identity = ensureIdentity(request);
  const response = NextResponse.next({ request: { headers: identityHeaders(request, identity) } });
  for (const cookie of identity.setCookie) response.headers.append('set-cookie', cookie);
  return response;
}

export const config = { matcher: ['/((?!_next/|favicon.ico).*)'] };
