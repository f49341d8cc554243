// identify() as seed 004 describes it, measured on the wire: the four basic calls, the merge
// sequence (only changes are sent, also across reloads and tabs), the PII example, thrown
// validation errors, and no PII anywhere in the wire, the cookies or the storage.
import { test, expect, embed, ids, sdkCookies, sdkStorage } from './fixtures.js';

const identifies = (collector) => collector.events((e) => e.type === 'identify');
const strip = ({ id, email, customProperties }) => ({ id, email, customProperties });

test('the four basic calls and the empty call', async ({ page, collector }) => {
  const me = await embed(page, collector.url);
  await page.evaluate(() => {
    SessionSight.identify({ id: 'user_abc123', email: 'Ana@Example.com', plan: 'pro' });
    SessionSight.identify({ email: 'newsletter@example.com' });
    SessionSight.identify({ id: 'user_xyz' });
    SessionSight.identify({ plan: 'pro', team: 'platform' });
    SessionSight.identify({});
    return SessionSight.flush();
  });
  await expect.poll(() => identifies(collector).length).toBe(4);
  await page.evaluate(() => SessionSight.flush());
  expect(identifies(collector).map(strip)).toEqual([
    { id: 'user_abc123', email: 'ana@example.com', customProperties: { plan: 'pro' } },
    { id: undefined, email: 'newsletter@example.com', customProperties: {} },
    { id: 'user_xyz', email: undefined, customProperties: {} },
    // plan is unchanged but team is new: the call is sent as made.
    { id: undefined, email: undefined, customProperties: { plan: 'pro', team: 'platform' } },
  ]);
  for (const e of identifies(collector)) expect(e).toMatchObject(me);
});

test('the merge sequence: only calls that change the profile are sent, across reloads and tabs', async ({ page, context, collector }) => {
  await embed(page, collector.url);
  const send = (p) => page.evaluate((x) => { SessionSight.identify(x); return SessionSight.flush(); }, p);
  await send({ email: 'ana@example.com' });
  await send({ plan: 'free' });
  await send({ plan: 'pro', team: 'platform' });
  await send({ id: 'user_abc123' });
  await expect.poll(() => identifies(collector).length).toBe(4);
  // Unchanged: nothing new is sent.
  await send({ email: ' ANA@example.com ' });
  await send({ plan: 'pro' });
  await send({ id: 'user_abc123', team: 'platform' });
  await page.reload();
  await embed(page, collector.url);
  await send({ id: 'user_abc123', email: 'ana@example.com', plan: 'pro', team: 'platform' });
  const other = await context.newPage();
  await embed(other, collector.url);
  await other.evaluate(() => { SessionSight.identify({ plan: 'pro', team: 'platform' }); return SessionSight.flush(); });
  // A change is sent again.
  await send({ plan: 'enterprise' });
  await expect.poll(() => identifies(collector).length).toBe(5);
  expect(identifies(collector).map((e) => e.customProperties)).toEqual([{}, { plan: 'free' }, { plan: 'pro', team: 'platform' }, {}, { plan: 'enterprise' }]);
});

test('the PII example: the server receives { id: "user-1", customProperties: { plan: "pro" } }', async ({ page, context, collector }) => {
  const requests = [];
  page.on('request', (r) => { if (r.url().endsWith('/ingest')) requests.push(r); });
  await embed(page, collector.url);
  const secrets = ['123-45-6789', 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz', '555-123-4567', '4111 1111 1111 1111',
    'DE89 3704 0044 0532 0130 00', 'AKIAIOSFODNN7EXAMPLE', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'];
  await page.evaluate((s) => {
    SessionSight.identify({ id: 'user-1', plan: 'pro', ssn: s[0], apiKey: s[1], phone: s[2] });
    SessionSight.identify({ card: s[3], iban: s[4], aws: s[5], gh: s[6], note: `call me at ${s[2]} please` });
    return SessionSight.flush();
  }, secrets);
  await expect.poll(() => identifies(collector).length).toBe(1);
  const [event] = identifies(collector);
  expect(strip(event)).toEqual({ id: 'user-1', email: undefined, customProperties: { plan: 'pro' } });
  // Nothing of it anywhere: the wire, the cookies, the storage, the collector's file.
  const wire = (await Promise.all(requests.map(async (r) => (r.postDataBuffer() || Buffer.alloc(0)).toString('latin1')))).join('\n');
  const stored = JSON.stringify(await sdkStorage(page)) + JSON.stringify(await sdkCookies(context)) + JSON.stringify(collector.events());
  for (const s of secrets) {
    expect(stored).not.toContain(s);
    expect(wire).not.toContain(s);
  }
  // No raw email or property value is kept for deduplication either: once delivered, the
  // queue is gone and only fingerprints remain.
  await page.evaluate(() => { SessionSight.identify({ email: 'ana@example.com', plan: 'secret-plan-name' }); return SessionSight.flush(); });
  await expect.poll(() => identifies(collector).length).toBe(2);
  const after = await sdkStorage(page);
  expect(JSON.stringify(after)).not.toMatch(/ana@example|secret-plan-name|user-1/);
  expect(after.local.ss_prof).toMatch(/^[0-9a-f]{16};/);
});

test('benign values pass unaltered', async ({ page, collector }) => {
  await embed(page, collector.url);
  const benign = {
    date: '2024-01-15', time: '12:30:45', ts: '2024-01-15T10:30:00Z', version: 'v10.15.3', ip: '192.168.100.200',
    isbn: '978-3-16-148410-0', price: '$1,234.56', postcode: 'SW1A 1AA', digits: '5551234567', hash: 'd41d8cd98f00b204e9800998ecf8427e',
    uuid: '550e8400-e29b-41d4-a716-446655440000', customer: 'cus_NffrFeUfNV2Hib', price_id: 'price_1MoBy5LkdIwHu7ixZhnattbh',
    word: 'risk-averse', contact: 'ana@example.com', unicode: 'Zoë — 東京', quote: 'say "hi"\n', seats: 12, ratio: 0.25, beta: true,
  };
  await page.evaluate((b) => { SessionSight.identify(b); return SessionSight.flush(); }, benign);
  await expect.poll(() => identifies(collector).length).toBe(1);
  expect(identifies(collector)[0].customProperties).toEqual(benign);
});

test('caller bugs throw synchronously with name, code and field; nothing is sent', async ({ page, collector }) => {
  await embed(page, collector.url);
  const results = await page.evaluate(() => {
    const attempt = (p) => {
      try { SessionSight.identify(p); return 'no error'; } catch (e) {
        return { name: e.name, code: e.code, field: e.field, isError: e instanceof Error, isClass: e instanceof SessionSight.SessionSightValidationError };
      }
    };
    return [
      attempt({ id: 'ana@example.com' }), attempt({ id: '123-45-6789' }), attempt({ id: 'x'.repeat(257) }),
      attempt({ email: 'not an email' }), attempt({ plan: { tier: 1 } }), attempt({ bio: 'é'.repeat(1025) }),
      attempt(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))), attempt('user-1'), attempt({ n: NaN }),
    ];
  });
  expect(results.map((r) => [r.code, r.field])).toEqual([
    ['id_email_shaped', 'id'], ['id_contains_pii', 'id'], ['id_too_long', 'id'], ['email_invalid', 'email'],
    ['value_type', 'plan'], ['value_too_long', 'bio'], ['too_many_properties', 'customProperties'], ['not_an_object', 'payload'], ['value_type', 'n'],
  ]);
  for (const r of results) expect(r).toMatchObject({ name: 'SessionSightValidationError', isError: true, isClass: true });
  await page.evaluate(() => { SessionSight.identify({ plan: 'ok' }); return SessionSight.flush(); });
  await expect.poll(() => identifies(collector).length).toBe(1);
  expect(identifies(collector)[0].customProperties).toEqual({ plan: 'ok' });
});

test('calls before init are queued and replayed in order; errors at replay go to onError', async ({ page, collector }) => {
  await page.goto(collector.url + '/embed.html');
  const seen = await page.evaluate(async () => {
    const errors = [];
    SessionSight.identify({ plan: 'first' });
    SessionSight.identify({ id: 'ana@example.com' });
    SessionSight.identify({ plan: 'second' });
    await SessionSight.init({ apiKey: 'pk_test', filterBots: false, onError: (e) => errors.push(e.code) });
    await SessionSight.flush();
    return errors;
  });
  expect(seen).toEqual(['id_email_shaped']);
  await expect.poll(() => identifies(collector).map((e) => e.customProperties.plan)).toEqual(['first', 'second']);
});
