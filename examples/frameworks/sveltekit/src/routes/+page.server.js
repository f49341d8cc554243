import { forRequest } from '@sessionsight/insights/server';

export async function load(event) {
  // A sub-request during the render (SvelteKit's fetch): it carries the page's identity (hooks.server.js: handleFetch).
  const sub = await event.fetch('/api/visitor').then((r) => r.json());
  return { ids: forRequest(event), sub, endpoint: process.env.SESSIONSIGHT_ENDPOINT };
}
