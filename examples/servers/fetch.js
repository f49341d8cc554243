// Any Fetch handler, `(request) => Response`: Next.js route handlers, SvelteKit's `handle`,
// Remix loaders, Workers, Deno, Bun.
//
//   // Next.js app/page/route.js
//   export const GET = withIdentity(async (request) => Response.json(forRequest(request)));
//
//   // SvelteKit src/hooks.server.js
//   export async function handle({ event, resolve }) {
//     event.locals.sessionsight = ensureIdentity(event.request);
//     const response = await resolve(event);
//     for (const cookie of event.locals.sessionsight.setCookie) response.headers.append('Set-Cookie', cookie);
//     return response;
//   }
//
//   // Remix loader
//   export async function loader({ request }) {
//     const { visitorId, sessionId, setCookie } = ensureIdentity(request);
//     return Response.json({ visitorId, sessionId }, { headers: setCookie.map((c) => ['Set-Cookie', c]) });
//   }
import { ensureIdentity, forRequest } from '@sessionsight/insights/server';

/** Wraps a Fetch handler: the handler sees the ids through `forRequest(request)` and its
 *  response carries the cookies (copied first: a fetched or redirect response is immutable). */
export function withIdentity(handler, options) {
  return async (request, ...rest) => {
    const identity = ensureIdentity(request, options);
    const answer = await handler(request, ...rest);
    const response = new Response(answer.body, answer);
    for (const cookie of identity.setCookie) response.headers.append('Set-Cookie', cookie);
    return response;
  };
}

export const handler = withIdentity(async (request) => Response.json({ ids: forRequest(request) }));
