// Shared end-to-end fixtures: a real collector per test on a free loopback port with its own
// data folder, and helpers that poll it (never sleep) for what it accepted.
import { test as base, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../js/collector.js';

export const test = base.extend({
  collector: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ss-collector-'));
    const collector = await startCollector({ port: 0, dataDir, quiet: true });
    const api = {
      url: collector.url,
      state: collector.state,
      /** Accepted events, optionally filtered. */
      events: (filter = () => true) => collector.state.events.filter(filter),
      faults: (f) => { collector.state.faults = { ...f }; },
      seal: (sessionId) => collector.state.sealed.add(sessionId),
    };
    await use(api);
    await collector.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
});

/** Waits until the page's SDK is initialised; returns its ids. */
export async function ready(page) {
  await page.waitForFunction(() => window.SessionSight && window.SessionSight.getVisitorId && window.SessionSight.getVisitorId() !== '');
  return page.evaluate(() => ({ visitorId: SessionSight.getVisitorId(), sessionId: SessionSight.getSessionId() }));
}

/** The SDK's cookies in this context, by name. */
export async function sdkCookies(context) {
  const out = {};
  for (const c of await context.cookies()) if (['ss_vid', 'ss_sid', 'fsid'].includes(c.name)) out[c.name] = c;
  return out;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export { expect };
