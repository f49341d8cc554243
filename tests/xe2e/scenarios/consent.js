// SPEC §3 consent and storage: denied erases everything the SDK stored and keeps working in
// memory, granted again mints a fresh visitor, a denial at init on a later visit erases what
// earlier visits stored, reset() starts a new visitor, and refused storage throws nothing.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';
import { UUID } from '../expect.js';

const EMPTY = { local: {}, session: {} };

scenario('denied erases cookies and storage, works in memory; granted again mints a fresh visitor', async (b) => {
  const c = await b.collector();
  const before = await b.embed(c.url);
  await b.run(() => { SessionSight.identify({ plan: 'pro' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  await b.run(() => SessionSight.setConsent('denied'));
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
  const denied = await b.ids();
  assert.match(denied.visitorId, UUID);
  assert.notEqual(denied.visitorId, before.visitorId);
  await b.run(() => { SessionSight.identify({ plan: 'team' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify' && e.visitorId === denied.visitorId).length, 1);
  assert.deepEqual(await b.sdkCookies(), {}, 'still nothing written');
  assert.deepEqual(await b.storage(), EMPTY);

  await b.run(() => SessionSight.setConsent('granted'));
  const granted = await b.ids();
  assert.notEqual(granted.visitorId, denied.visitorId);
  assert.notEqual(granted.visitorId, before.visitorId);
  const cookies = await b.sdkCookies();
  assert.equal(cookies.ss_vid.value, granted.visitorId);
  assert.equal(cookies.ss_sid.value, granted.sessionId);
  assert.equal((await b.storage()).local.ss_vid, granted.visitorId);
  await b.run(() => SessionSight.flush());
  await b.poll(() => c.events((e) => e.reason === 'consent').map((e) => [e.visitorId, e.sessionId]), [[granted.visitorId, granted.sessionId]]);
});

scenario('init with consent denied on a first visit writes nothing', async (b) => {
  const c = await b.collector();
  await b.embed(c.url, { consent: 'denied' });
  await b.run(() => { SessionSight.identify({ plan: 'pro' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
});

scenario('init with consent denied on a later visit erases what earlier visits stored', async (b) => {
  const c = await b.collector();
  const old = await b.embed(c.url);
  await b.run(() => { SessionSight.identify({ id: 'user-1', plan: 'pro' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  assert.ok(Object.keys((await b.storage()).local).length > 0, 'the first visit stored something');
  await b.reload();
  await b.init({ consent: 'denied' });
  assert.deepEqual(await b.sdkCookies(), {}, 'the cookies are gone');
  assert.deepEqual(await b.storage(), EMPTY, "every ss_ key is gone");
  const now = await b.ids();
  assert.notEqual(now.visitorId, old.visitorId);
  await b.run(() => { SessionSight.identify({ id: 'user-1', plan: 'pro' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify' && e.visitorId === now.visitorId).length, 1);
  assert.equal(c.events((e) => e.visitorId === old.visitorId && e.type === 'identify').length, 1, 'nothing new carries the old visitor');
});

scenario('reset(): fresh visitor, session and profile', async (b) => {
  const c = await b.collector();
  const before = await b.embed(c.url);
  await b.run(() => SessionSight.identify({ id: 'user-1' }));
  await b.run(() => SessionSight.reset());
  const after = await b.ids();
  assert.notEqual(after.visitorId, before.visitorId);
  assert.notEqual(after.sessionId, before.sessionId);
  const cookies = await b.sdkCookies();
  assert.equal(cookies.ss_vid.value, after.visitorId);
  assert.equal(cookies.ss_sid.value, after.sessionId);
  assert.equal((await b.storage()).local.ss_vid, after.visitorId);
  await b.run(() => { SessionSight.identify({ id: 'user-1' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify' && e.id === 'user-1').map((e) => e.visitorId), [before.visitorId, after.visitorId],
    { message: 'the same identify is sent again for the new visitor' });
  const [rotation] = c.events((e) => e.reason === 'reset');
  assert.equal(rotation.previousSessionId, before.sessionId);
  assert.equal(rotation.visitorId, after.visitorId);
});

scenario('storage and cookies refused by the browser: memory-only, nothing thrown', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  await b.run(() => {
    for (const m of ['getItem', 'setItem', 'removeItem', 'key']) Storage.prototype[m] = () => { throw new DOMException('denied', 'SecurityError'); };
    Object.defineProperty(document, 'cookie', { get() { throw new DOMException('x', 'SecurityError'); }, set() { throw new DOMException('x', 'SecurityError'); } });
  });
  await b.init();
  const { visitorId } = await b.ids();
  assert.match(visitorId, UUID);
  await b.run(() => { SessionSight.identify({ id: 'user-9' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.id === 'user-9' && e.visitorId === visitorId).length, 1);
  assert.deepEqual(await b.sdkCookies(), {}, 'the jar holds nothing');
});
