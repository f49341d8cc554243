// The safety net itself: page errors are really collected in this engine (BiDi in Chromium
// and Firefox, the page hook in WebKit), so "no page error" in the other scenarios means
// something. Also: the SDK's own console stays quiet on a normal page.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';

scenario('an uncaught error and an unhandled rejection are seen', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  await b.run(() => {
    setTimeout(() => { throw new Error('xe2e-thrown'); }, 0);
    Promise.reject(new Error('xe2e-rejected'));
  });
  await b.poll(async () => (await b.pageErrors()).map((e) => e.text).join('\n'),
    (t) => t.includes('xe2e-thrown') && t.includes('xe2e-rejected'), { message: 'both errors collected' });
  b.allowPageErrors(/xe2e-(thrown|rejected)/);
});

scenario('a console.error is seen; the SDK logs nothing on a normal page', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  await b.run(() => { SessionSight.identify({ plan: 'pro' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  await b.run(() => console.error('xe2e-console'));
  await b.poll(() => b.consoleMessages('error'), (m) => m.some((t) => t.includes('xe2e-console')));
  assert.deepEqual((await b.consoleMessages()).filter((t) => t.includes('SessionSight')), []);
});
