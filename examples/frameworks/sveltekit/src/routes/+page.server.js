import { forRequest } from '@sessionsight/insights/server';

export function load(event) {
  return { ids: forRequest(event), endpoint: process.env.SESSIONSIGHT_ENDPOINT };
}
