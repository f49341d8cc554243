// The wire types (src/wire.rs) end to end: what the SDK writes (`Event::json`, checked against serde) is
// what the collector, deserializing the same types, accepts; numbers stay numbers, property
// order is kept, and a custom key `__proto__` (which a JavaScript object cannot hold by
// assignment) is refused with a code instead of vanishing.
import { test, expect, embed } from './fixtures.js';

const identifies = (collector) => collector.events((e) => e.type === 'identify');

test('identify events arrive as the wire types: order, numbers, booleans', async ({ page, collector }) => {
  await embed(page, collector.url);
  await page.evaluate(() => {
    SessionSight.identify({ id: 'user-7', zeta: 'z', seats: 12.5, big: 1e21, beta: false, alpha: 'a' });
    return SessionSight.flush();
  });
  await expect.poll(() => identifies(collector).length).toBe(1);
  const [event] = identifies(collector);
  expect(Object.keys(event.customProperties)).toEqual(['zeta', 'seats', 'big', 'beta', 'alpha']);
  expect(event.customProperties).toEqual({ zeta: 'z', seats: 12.5, big: 1e21, beta: false, alpha: 'a' });
  expect(event).not.toHaveProperty('email');
});

test('a custom property named __proto__ is refused with key_reserved, never lost silently', async ({ page, collector }) => {
  await embed(page, collector.url);
  const result = await page.evaluate(() => {
    const payload = JSON.parse('{"plan":"pro","__proto__":"x"}');
    try { SessionSight.identify(payload); return 'accepted'; } catch (e) { return { name: e.name, code: e.code, field: e.field }; }
  });
  expect(result).toEqual({ name: 'SessionSightValidationError', code: 'key_reserved', field: '__proto__' });
  await page.evaluate(() => { SessionSight.identify({ plan: 'pro' }); return SessionSight.flush(); });
  await expect.poll(() => identifies(collector).length).toBe(1);
  expect(identifies(collector)[0].customProperties).toEqual({ plan: 'pro' });
});
