import { json } from '@sveltejs/kit';
import { forRequest } from '@sessionsight/insights/server';

export function GET({ cookies }) {
  return json(forRequest(cookies));
}
