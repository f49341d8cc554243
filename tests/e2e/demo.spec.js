// The demo page as a developer uses it: identify with a phone number in a custom value (the
// page names the dropped key and its family, never the value), then the collector switched to
// failing and back: the identify made meanwhile waits in the SDK's queue and arrives; nothing
// is lost. Ends with a screenshot of the page after the cycle (test-results/demo-fault-recover.png).
import { test, expect, UUID } from './fixtures.js';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

test('demo page: dropped keys explained, collector fails and recovers, nothing lost', async ({ page, collector }) => {
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // (The demo filters bots like a real site: this automated browser asks to be counted.)
  await page.goto(collector.url + '/?filterBots=false');
  await expect(page.locator('#visitor')).toHaveText(UUID);
  const identifies = () => collector.events((e) => e.type === 'identify');

  await page.locator('input[name=id]').fill('user_demo');
  await page.locator('input[name=plan]').fill('pro');
  await page.locator('input[name=note]').fill('call me at 555-123-4567');
  await page.getByRole('button', { name: 'Identify' }).click();
  await expect.poll(() => identifies().length).toBe(1);
  expect(identifies()[0].customProperties).toEqual({ plan: 'pro' });
  if (await page.evaluate(() => typeof SessionSight.explain === 'function')) {
    await expect(page.locator('#dropped li')).toHaveText([/^note looks like a phone number \(phone\)$/]);
  }
  await expect(page.locator('#explain')).not.toContainText('555');

  // The collector fails every delivery: the next identify waits in the SDK's queue.
  await page.locator('#fail').check();
  await expect.poll(() => collector.state.faults.fail > 0).toBe(true);
  await page.locator('input[name=note]').fill('');
  await page.locator('input[name=plan]').fill('team');
  await page.getByRole('button', { name: 'Identify' }).click();
  await expect.poll(() => collector.state.log.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  await expect(page.locator('#fault-status')).toContainText('Collector failing');
  expect(identifies()).toHaveLength(1);
  if (await page.evaluate(() => typeof SessionSight.__stats === 'function' && typeof SessionSight.__stats().pending === 'number')) {
    expect(await page.evaluate(() => SessionSight.__stats().pending)).toBeGreaterThan(0);
  }

  // Recovered: the queued identify is delivered, once.
  await page.locator('#fail').uncheck();
  await expect.poll(() => identifies().map((e) => e.customProperties.plan)).toEqual(['pro', 'team']);
  await expect(page.locator('#fault-status')).toContainText('nothing lost');
  await expect(page.locator('#events tr', { has: page.locator('td:first-child', { hasText: /^identify$/ }) })).toHaveCount(2);
  await page.screenshot({ path: join(ROOT, 'test-results/demo-fault-recover.png'), fullPage: true });
  expect(pageErrors).toEqual([]);
});
