// The walking skeleton end to end: the demo page loads the SDK by script tag, the cookies are
// set, and an identify() call reaches the collector with the page's visitor and session ids.
import { test, expect, ready, sdkCookies, UUID } from './fixtures.js';

test('demo page: cookies set and identify() round trip to the collector', async ({ page, context, collector }) => {
  await page.goto(collector.url + '/?filterBots=false'); // (the demo filters bots; this automated browser asks to be counted)
  const ids = await ready(page);
  expect(ids.visitorId).toMatch(UUID);
  expect(ids.sessionId).toMatch(UUID);
  expect(ids.sessionId[14]).toBe('7');

  const cookies = await sdkCookies(context);
  expect(cookies.ss_vid.value).toBe(ids.visitorId);
  expect(cookies.ss_sid.value).toBe(ids.sessionId);
  expect(cookies.fsid.value).toBe(ids.sessionId);
  expect(cookies.ss_vid.sameSite).toBe('Lax');
  expect(cookies.ss_vid.expires - Date.now() / 1000).toBeGreaterThan(364 * 86400);
  expect(cookies.ss_sid.expires).toBe(-1);
  expect(await page.evaluate(() => localStorage.getItem('ss_vid'))).toBe(ids.visitorId);

  await page.evaluate(() => SessionSight.identify({ id: 'user-1', email: ' Ana@Example.com ', plan: 'pro' }));
  await expect.poll(() => collector.events((e) => e.type === 'identify').length).toBe(1);
  const [event] = collector.events((e) => e.type === 'identify');
  expect(event).toMatchObject({ visitorId: ids.visitorId, sessionId: ids.sessionId, id: 'user-1', email: 'ana@example.com', customProperties: { plan: 'pro' } });
  expect(event.messageId).toMatch(UUID);

  const starts = collector.events((e) => e.type === 'session_start');
  expect(starts).toHaveLength(1);
  expect(starts[0]).toMatchObject({ sessionId: ids.sessionId, visitorId: ids.visitorId, reason: 'new_tab', previousSessionId: null });
});
