// examples/frameworks/nuxt: Nuxt 4, server middleware, an SSR useFetch sub-request (README recipe).
import { bin } from './harness.js';
import { frameworkApp } from './apps.js';

frameworkApp('Nuxt', {
  app: 'nuxt',
  build: [bin('nuxt'), ['build']],
  start: ['node', ['.output/server/index.mjs']],
  startEnv: (endpoint) => ({ NUXT_PUBLIC_SESSIONSIGHT_ENDPOINT: endpoint }),
});
