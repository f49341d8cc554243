// identify() round trip (SPEC §4): the PII example of seed 004 reaches the collector as
// { id, email, customProperties: { plan } } only; no secret lands in the collector's file, the
// cookies or the storage, and only fingerprints of the profile are kept.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';

const SECRETS = ['123-45-6789', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz', '555-123-4567', '4111 1111 1111 1111',
  'DE89 3704 0044 0532 0130 00', 'AKIAIOSFODNN7EXAMPLE', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'];

scenario('identify round trip: email normalised, PII dropped, nothing of it stored anywhere', async (b) => {
  const c = await b.collector();
  const me = await b.embed(c.url);
  await b.run((s) => {
    SessionSight.identify({ id: 'user-1', email: ' Ana@Example.com ', plan: 'pro', ssn: s[0], apiKey: s[1], phone: s[2] });
    SessionSight.identify({ card: s[3], iban: s[4], aws: s[5], gh: s[6], note: `call me at ${s[2]} please` });
    return SessionSight.flush();
  }, SECRETS);
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  await b.run(() => SessionSight.flush());
  const identifies = c.events((e) => e.type === 'identify');
  assert.equal(identifies.length, 1, 'the all-PII call changed nothing and was not sent');
  const [e] = identifies;
  assert.deepEqual({ id: e.id, email: e.email, customProperties: e.customProperties, visitorId: e.visitorId, sessionId: e.sessionId },
    { id: 'user-1', email: 'ana@example.com', customProperties: { plan: 'pro' }, ...me });
  const stored = JSON.stringify(await b.storage()) + JSON.stringify(await b.cookies()) + JSON.stringify(c.events());
  for (const s of SECRETS) assert.ok(!stored.includes(s), `${s} nowhere`);
  const after = await b.storage();
  assert.ok(!/ana@example|user-1/.test(JSON.stringify(after)), 'no raw profile value kept');
  assert.match(after.local.ss_prof, /^[0-9a-f]{16};/);
});

scenario('a caller bug throws SessionSightValidationError in the page; nothing is sent', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  const thrown = await b.run(() => {
    try { SessionSight.identify({ id: 'ana@example.com' }); return null; } catch (e) {
      return { name: e.name, code: e.code, field: e.field, isError: e instanceof window.Error, driverRealm: e instanceof Error };
    }
  });
  // Driver difference: geckodriver runs the test's script in a realm of its own, so there
  // `Error` is not the page's (`e instanceof Error` is false; the page's window.Error holds).
  assert.deepEqual(thrown, { name: 'SessionSightValidationError', code: 'id_email_shaped', field: 'id', isError: true,
    driverRealm: b.engine !== 'firefox' });
  await b.run(() => { SessionSight.identify({ plan: 'ok' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').map((e) => e.customProperties), [{ plan: 'ok' }]);
});
