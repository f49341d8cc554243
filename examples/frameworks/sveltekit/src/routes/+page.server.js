import { env } from '$env/dynamic/private';
import { forRequest } from '@sessionsight/insights/server';

export function load(event) {
  return { ids: forRequest(event), endpoint: env.SESSIONSIGHT_ENDPOINT };
}
