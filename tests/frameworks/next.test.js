// examples/frameworks/next: Next.js 16 App Router, proxy.js, React entry (README recipe).
import { bin } from './harness.js';
import { frameworkApp } from './apps.js';

frameworkApp('Next.js', {
  app: 'next',
  build: [bin('next'), ['build']],
  start: [bin('next'), ['start', '-H', '127.0.0.1']],
  startEnv: (endpoint) => ({ SESSIONSIGHT_ENDPOINT: endpoint }),
});
