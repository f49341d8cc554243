// examples/frameworks/sveltekit: SvelteKit 3 with adapter-node (README recipe).
import { bin } from './harness.js';
import { frameworkApp } from './apps.js';

frameworkApp('SvelteKit', {
  app: 'sveltekit',
  build: [bin('vite'), ['build']],
  start: ['node', ['build']],
  startEnv: (endpoint) => ({ SESSIONSIGHT_ENDPOINT: endpoint }),
});
