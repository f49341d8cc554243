// h3 and Nuxt 3: in Nuxt this middleware is `server/middleware/sessionsight.js`
// (`export default sessionsight`); handlers then call `forRequest(event)`.
import { createApp, eventHandler, appendResponseHeader } from 'h3';
import { ensureIdentity, forRequest } from '@sessionsight/insights/server';

export const sessionsight = eventHandler((event) => {
  event.context.sessionsight = ensureIdentity(event);
  for (const cookie of event.context.sessionsight.setCookie) appendResponseHeader(event, 'Set-Cookie', cookie);
});

export function createH3App() {
  const app = createApp();
  app.use(sessionsight);
  app.use(eventHandler((event) => ({ ids: forRequest(event), middleware: event.context.sessionsight })));
  return app;
}
