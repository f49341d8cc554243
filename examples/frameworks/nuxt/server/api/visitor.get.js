import { forRequest } from '@sessionsight/insights/server';

export default defineEventHandler((event) => forRequest(event));
