// SPEC §3 per-tab sessions through real tab switches: a reload keeps the tab's session, a new
// tab mints its own, the tab in use owns ss_sid/fsid (focus wins), and a tab that starts
// hidden does not claim them until it is used.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';
import { holdTabLocks, otherTabLocksSettled, recordTabLocks } from '../../e2e/page-probes.js';

const sessionCookies = async (b) => { const c = await b.sdkCookies(); return [c.ss_sid?.value, c.fsid?.value]; };

scenario('a new tab mints its own session; focus wins; a reload keeps the session', async (b) => {
  const c = await b.collector();
  const tabA = await b.tab();
  const a = await b.embed(c.url);
  const tabB = await b.newTab();
  const bIds = await b.embed(c.url);
  assert.equal(bIds.visitorId, a.visitorId, 'one visitor');
  assert.notEqual(bIds.sessionId, a.sessionId, 'a session per tab');
  // (Who holds the cookies right after B's init depends on whether B counts as visible:
  // in WebKit under the driver it does not, see the engine facts below. A switch decides.)
  await b.switchTo(tabA);
  await b.poll(() => sessionCookies(b), [a.sessionId, a.sessionId], { message: 'tab A claims on focus' });
  await b.switchTo(tabB);
  await b.poll(() => sessionCookies(b), [bIds.sessionId, bIds.sessionId], { message: 'tab B claims on focus' });
  await b.switchTo(tabA);
  await b.poll(() => sessionCookies(b), [a.sessionId, a.sessionId]);
  await b.reload();
  await b.init();
  assert.deepEqual(await b.ids(), a, 'the reload kept visitor and session');
  assert.deepEqual(await sessionCookies(b), [a.sessionId, a.sessionId]);
  await b.run(() => SessionSight.flush());
  await b.poll(() => c.events((e) => e.type === 'session_start').map((e) => e.sessionId).sort(), [a.sessionId, bIds.sessionId].sort(),
    { message: 'two session_start events, none for the reload' });
});

scenario('a tab that starts hidden does not claim ss_sid/fsid until it is used', async (b) => {
  const c = await b.collector();
  const tabA = await b.tab();
  const a = await b.embed(c.url);
  // Tab B loads the page and waits; it initialises on a message from tab A, i.e. while A is
  // the tab in use and B is in the background (hidden).
  const tabB = await b.newTab(c.url + '/embed.html');
  await b.run(() => {
    const channel = new BroadcastChannel('xe2e');
    channel.onmessage = () => {
      const visibility = document.visibilityState;
      SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }).then(() => channel.postMessage({ visibility }));
    };
  });
  await b.switchTo(tabA);
  await b.poll(() => sessionCookies(b), [a.sessionId, a.sessionId], { message: 'tab A in use owns the cookies' });
  await b.run(() => {
    window.__reply = null;
    const channel = new BroadcastChannel('xe2e');
    channel.onmessage = (e) => { window.__reply = e.data; };
    channel.postMessage('init');
  });
  assert.deepEqual(await b.poll(() => b.run(() => window.__reply), (r) => r !== null), { visibility: 'hidden' }, 'tab B started hidden');
  const bSession = await b.poll(() => c.events((e) => e.type === 'session_start' && e.sessionId !== a.sessionId).map((e) => e.sessionId),
    (ids) => ids.length === 1, { message: "tab B's session_start" });
  assert.deepEqual(await sessionCookies(b), [a.sessionId, a.sessionId], 'the hidden tab did not claim ss_sid/fsid');
  await b.switchTo(tabB);
  await b.poll(() => sessionCookies(b), [bSession[0], bSession[0]], { message: 'tab B claims once used' });
});

// Engine facts the scenarios above rely on, pinned so a change in an engine shows here.
// Chromium: the selected tab is visible, a background one hidden; a tab opened by the driver
// gets no focus event when selected (the SDK claims on visibilitychange there). Firefox:
// the same, with focus events. WebKitGTK's MiniBrowser under WebKitWebDriver: a tab opened
// by the driver reports "hidden" its whole life, selected or not, and the first tab never
// turns hidden; a switch fires blur/focus, on which the SDK claims. (A MiniBrowser
// automation trait, not Safari's behaviour.)
const FACTS = {
  chromium: { bAtStart: 'visible', aBack: ['visible', true], aHidden: true, bSelected: ['visible', false] },
  firefox: { bAtStart: 'visible', aBack: ['visible', true], aHidden: true, bSelected: ['visible', true] },
  webkit: { bAtStart: 'hidden', aBack: ['visible', true], aHidden: false, bSelected: ['hidden', true] },
};

scenario('engine facts: visibility and focus across a tab switch', async (b) => {
  const c = await b.collector();
  const watch = () => b.run(() => {
    window.__seen = [];
    for (const t of ['focus', 'blur']) window.addEventListener(t, () => window.__seen.push(t));
    document.addEventListener('visibilitychange', () => window.__seen.push(document.visibilityState));
  });
  // Waits for the switch to have landed (the selected tab is the one the driver talks to,
  // and it saw its own visibilitychange or focus), then reads [visibility, focus seen].
  const settle = () => b.poll(() => b.run(() => [document.visibilityState, window.__seen.includes('focus'), window.__seen.length]),
    (v) => v[2] > 0, { message: 'the switch was seen' }).then((v) => v.slice(0, 2));
  const tabA = await b.tab();
  await b.goto(c.url + '/embed.html');
  await watch();
  const tabB = await b.newTab(c.url + '/embed.html');
  await watch();
  const facts = { bAtStart: await b.run(() => document.visibilityState) };
  await b.switchTo(tabA);
  facts.aBack = await settle();
  await b.switchTo(tabB);
  facts.bSelected = await settle();
  await b.switchTo(tabA);
  facts.aHidden = (await b.run(() => window.__seen)).includes('hidden');
  assert.deepEqual(facts, FACTS[b.engine]);
});

scenario("a copy made before the tab's lock is granted keeps its id and session; the original goes on as a new tab", async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  const original = await b.tab();
  // The original's tab lock requests reach the browser late (as on a loaded machine; init()
  // does not await the grant): only once the copy has started, so the copy finds the inherited
  // id free and keeps it.
  await b.run(holdTabLocks, '__copyStarted');
  await b.init();
  const first = await b.ids();
  const tab = (await b.storage()).session.ss_tab;
  const before = await b.driver.getAllWindowHandles();
  // window.open without noopener copies sessionStorage, as "Duplicate tab" does.
  await b.run(() => { window.open(location.href); });
  const copy = await b.poll(async () => (await b.driver.getAllWindowHandles()).find((h) => !before.includes(h)) || null,
    (h) => h !== null, { message: 'the copy opened' });
  await b.switchTo(copy);
  await b.poll(() => b.run(() => typeof SessionSight === 'object'), true, { message: 'the copy loaded the SDK' });
  await b.init();
  assert.deepEqual(await b.ids(), first, 'the copy continues the original session');
  assert.equal((await b.storage()).session.ss_tab, tab, 'under the original id');
  await b.switchTo(original);
  await b.run(() => window.__copyStarted());
  // The original's request then finds its id held: a new id, a new session, and their lock.
  const moved = await b.poll(() => b.ids(), (i) => i.sessionId !== first.sessionId, { message: 'the original went on as a new tab' });
  assert.equal(moved.visitorId, first.visitorId);
  const newTab = (await b.storage()).session.ss_tab;
  assert.notEqual(newTab, tab);
  await b.poll(() => b.run(async (t) => (await navigator.locks.query()).held.some((l) => l.name === `ss_tab:${t}`), newTab), true,
    { message: 'the original holds the lock of its new id' });
  await b.run(() => SessionSight.flush());
  const [start] = await b.poll(() => c.events((e) => e.type === 'session_start' && e.sessionId === moved.sessionId), (l) => l.length === 1,
    { message: "the new session's session_start" });
  assert.equal(start.reason, 'new_tab');
  assert.equal(start.previousSessionId, null);
});

scenario("another tab leaves a starting tab's queue alone until that tab holds its lock", async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  const one = await b.tab();
  // Tab one's lock requests reach the browser late (init() does not await the grant), so its
  // queue is in localStorage while its lock is still free: as a closed tab's would be.
  await b.run(holdTabLocks, '__grant');
  // Tab one cannot reach the collector (it flushes when a new tab hides it): only an adoption
  // by tab two could deliver tab one's events.
  await b.init({ endpoint: 'http://127.0.0.1:9/ingest' });
  const first = await b.ids();
  const tab = (await b.storage()).session.ss_tab;
  assert.match((await b.storage()).local[`ss_q:${tab}`] || '', new RegExp(first.sessionId));
  // Tab two starts: its adoption pass looks at every other queue. Its lock requests are
  // recorded, so the test knows when that pass is over.
  await b.newTab(c.url + '/embed.html');
  await b.run(recordTabLocks);
  await b.init();
  const second = await b.ids();
  await b.run(otherTabLocksSettled);
  await b.poll(() => c.events((e) => e.type === 'session_start' && e.sessionId === second.sessionId).length, 1,
    { message: "tab two's session_start" });
  await b.run(() => SessionSight.flush().then(() => true));
  assert.equal(c.events((e) => e.sessionId === first.sessionId).length, 0, "tab two did not send tab one's events");
  await b.switchTo(one);
  await b.run(() => window.__grant());
  await b.poll(() => b.run(async (t) => (await navigator.locks.query()).held.some((l) => l.name === `ss_tab:${t}`), tab), true,
    { message: 'tab one holds its lock' });
  // Tab one kept its id, its session and its queue.
  assert.deepEqual(await b.ids(), first);
  assert.equal((await b.storage()).session.ss_tab, tab);
  assert.match((await b.storage()).local[`ss_q:${tab}`] || '', new RegExp(first.sessionId), "tab one's queue is still its own");
});
