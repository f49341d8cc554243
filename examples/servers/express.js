// Express (or Connect): the middleware issues the identity cookies and sets `req.sessionsight`;
// handlers after it see the same ids through `forRequest(req)`, on a first visit too.
// Mount it on page routes; static files need no cookies.
import express from 'express';
import { identityMiddleware, forRequest } from '@sessionsight/insights/server';

export function createApp(options) {
  const app = express();
  app.use(identityMiddleware(options)); // options: { domain: 'example.com' } in production
  app.get('/', (req, res) => res.json({ ids: forRequest(req), middleware: req.sessionsight }));
  return app;
}
