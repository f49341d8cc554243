// Koa: a three-line middleware; `ctx.append` keeps cookies other middleware set.
import Koa from 'koa';
import { ensureIdentity, forRequest } from '@sessionsight/insights/server';

export function createApp(options) {
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.state.sessionsight = ensureIdentity(ctx, options);
    ctx.append('Set-Cookie', ctx.state.sessionsight.setCookie);
    await next();
  });
  app.use((ctx) => {
    ctx.body = { ids: forRequest(ctx), middleware: ctx.state.sessionsight };
  });
  return app;
}
