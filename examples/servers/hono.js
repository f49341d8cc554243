// Hono (Node, Bun, Deno, Cloudflare Workers): the cookies are appended once the handler has
// answered, so they reach the response whatever the handler returns.
import { Hono } from 'hono';
import { ensureIdentity, forRequest } from '@sessionsight/insights/server';

export function createApp(options) {
  const app = new Hono();
  app.use(async (c, next) => {
    const identity = ensureIdentity(c.req.raw, options);
    c.set('sessionsight', identity);
    await next();
    for (const cookie of identity.setCookie) c.header('Set-Cookie', cookie, { append: true });
  });
  app.get('/', (c) => c.json({ ids: forRequest(c.req.raw), middleware: c.get('sessionsight') }));
  return app;
}
