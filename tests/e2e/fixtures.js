// Shared end-to-end fixtures: a real collector per test on a free loopback port with its own
// data folder, and helpers that poll it (never sleep) for what it accepted.
import { test as base, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from '../../js/collector.js';

/** Starts a collector; the returned object also closes it and removes its data. */
export async function openCollector(options = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-collector-'));
  const collector = await startCollector({ port: 0, dataDir, quiet: true, ...options });
  return {
    url: collector.url,
    port: collector.port,
    state: collector.state,
    /** Accepted events, optionally filtered. */
    events: (filter = () => true) => collector.state.events.filter(filter),
    faults: (f) => { collector.state.faults = { ...f }; },
    seal: (sessionId) => collector.state.sealed.add(sessionId),
    close: async () => {
      await collector.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const test = base.extend({
  collector: async ({}, use) => {
    const collector = await openCollector();
    await use(collector);
    await collector.close();
  },
});

/** Waits until the page's SDK is initialised; returns its ids. */
export async function ready(page) {
  await page.waitForFunction(() => window.SessionSight && window.SessionSight.getVisitorId && window.SessionSight.getVisitorId() !== '');
  return ids(page);
}

export function ids(page) {
  return page.evaluate(() => ({ visitorId: SessionSight.getVisitorId(), sessionId: SessionSight.getSessionId() }));
}

/** Opens the plain embed page at `origin` and initialises the SDK with `options`. */
export async function embed(page, origin, options = {}) {
  await page.goto(origin + '/embed.html');
  await page.evaluate((o) => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, ...o }), options);
  return ids(page);
}

/** The SDK's cookies in this context, by name. */
export async function sdkCookies(context) {
  const out = {};
  for (const c of await context.cookies()) if (['ss_vid', 'ss_sid', 'fsid'].includes(c.name)) out[c.name] = c;
  return out;
}

/** The SDK's localStorage and sessionStorage entries in the page. */
export function sdkStorage(page) {
  return page.evaluate(() => {
    const pick = (s) => Object.fromEntries(Object.keys(s).filter((k) => k.startsWith('ss_')).map((k) => [k, s.getItem(k)]));
    return { local: pick(localStorage), session: pick(sessionStorage) };
  });
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export { expect };
