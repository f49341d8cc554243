// A route handler: the visitor and session of the page that called it.
import { forRequest } from '@sessionsight/insights/server';

export function GET(request) {
  return Response.json(forRequest(request));
}
