// Unit tests of js/sdk/tabs.js with a fake Web Locks manager: duplicate detection, the tab lock
// released on pagehide and taken again on pageshow, orphan adoption, the storage event → sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTabs, TAB_LOCK } from '../../js/sdk/tabs.js';

const tick = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

/** Exclusive locks shared by every "tab" using this manager, with ifAvailable, signal and queueing. */
function fakeLocks() {
  const held = new Map(); // name -> true
  const waiting = new Map(); // name -> [grant]
  const manager = {
    held,
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          held.set(name, true);
          Promise.resolve(callback({ name })).then((v) => {
            held.delete(name);
            const next = (waiting.get(name) || []).shift();
            if (next) next();
            resolve(v);
          });
        };
        if (!held.has(name)) return grant();
        if (options.ifAvailable) return Promise.resolve(callback(null)).then(resolve);
        const queue = waiting.get(name) || [];
        waiting.set(name, queue);
        queue.push(grant);
        if (options.signal) {
          options.signal.addEventListener('abort', () => {
            const i = queue.indexOf(grant);
            if (i >= 0) queue.splice(i, 1);
            reject(new DOMException('aborted', 'AbortError'));
          });
        }
      });
    },
  };
  return manager;
}

/** The guarded core; `lockHeld` counts the claims granted (`core.held`). */
const guard = (core) => {
  core.lockHeld ??= () => { core.held = (core.held || 0) + 1; };
  return { read: (fn, fb) => fn(core), write: (fn, fb) => fn(core) };
};

test('a duplicated tab finds its inherited id held by the live original; a new tab is no duplicate', async () => {
  const locks = fakeLocks();
  const original = createTabs({ core: guard({}), locks });
  assert.equal(await original.claim('tab-1'), true);
  const copy = createTabs({ core: guard({}), locks });
  assert.equal(await copy.isDuplicate('tab-1'), true);
  assert.equal(await copy.isDuplicate(''), false);
});

test('a copy that took this tab\'s id before its lock was granted: claim() says so, and only then', async () => {
  const locks = fakeLocks();
  const copy = createTabs({ core: guard({}), locks });
  assert.equal(await copy.isDuplicate('tab-1'), false); // the id was still free: the copy keeps it
  const core = {};
  const original = createTabs({ core: guard(core), locks });
  let taken = 0;
  assert.equal(await original.claim('tab-1', () => { taken += 1; }), false);
  assert.equal(taken, 1);
  assert.equal(core.held, undefined, 'the queue stays unclaimed');
  assert.equal(await original.claim('tab-2', () => { taken += 1; }), true);
  assert.equal(core.held, 1, 'granted: the core marks its queue as held');
  // A failing Web Locks request says nothing about other tabs: no new id, and the queue is
  // marked as held (no lock will ever tell otherwise).
  const lost = {};
  const broken = createTabs({ core: guard(lost), locks: { request: () => Promise.reject(new DOMException('denied', 'SecurityError')) } });
  assert.equal(await broken.claim('tab-3', () => { taken += 1; }), null);
  assert.equal(taken, 1);
  assert.equal(lost.held, 1);
});

test('a reload is no duplicate: the previous document released the lock', async () => {
  const locks = fakeLocks();
  const before = createTabs({ core: guard({}), locks });
  await before.claim('tab-1');
  before.pagehide();
  await tick();
  const after = createTabs({ core: guard({}), locks });
  assert.equal(await after.isDuplicate('tab-1'), false);
  assert.equal(after.held(TAB_LOCK + 'tab-1'), true);
});

test('pagehide releases the tab lock (back/forward cache); pageshow takes it again', async () => {
  const locks = fakeLocks();
  const tabs = createTabs({ core: guard({}), locks });
  await tabs.claim('tab-1');
  assert.ok(locks.held.has(TAB_LOCK + 'tab-1'));
  tabs.pagehide();
  await tick();
  assert.ok(!locks.held.has(TAB_LOCK + 'tab-1'));
  tabs.pageshow('tab-1');
  await tick();
  assert.ok(locks.held.has(TAB_LOCK + 'tab-1'));
  // While restored, a tab duplicated from it is still told apart.
  const copy = createTabs({ core: guard({}), locks });
  assert.equal(await copy.isDuplicate('tab-1'), true);
});

test('a re-take still waiting when the page is hidden again is abandoned', async () => {
  const locks = fakeLocks();
  const other = createTabs({ core: guard({}), locks });
  await other.claim('tab-1');
  const tabs = createTabs({ core: guard({}), locks });
  tabs.pageshow('tab-1'); // queued behind `other`
  await tick();
  tabs.pagehide();
  other.pagehide();
  await tick();
  assert.ok(!locks.held.has(TAB_LOCK + 'tab-1'));
});

test('orphan queues are adopted only when their tab lock is free', async () => {
  const locks = fakeLocks();
  const live = createTabs({ core: guard({}), locks });
  await live.claim('live-tab');
  const adopted = [];
  const asked = [];
  const core = { otherQueues: (now) => { asked.push(now); return 'live-tab gone-tab'; }, adopt: (tab) => { adopted.push(tab); return 3; } };
  let changes = 0;
  const tabs = createTabs({ core: guard(core), locks, onChange: () => changes++, now: () => 1234 });
  tabs.adoptOrphans();
  await tick();
  assert.deepEqual(asked, [1234], 'the core is told the time (a starting tab\'s queue is left alone for a while)');
  assert.deepEqual(adopted, ['gone-tab']);
  assert.equal(changes, 1);
});

test('without Web Locks: stale queues are adopted, the tab is never a duplicate', async () => {
  const core = { staleQueues: () => 'old', adopt: () => 2 };
  let changes = 0;
  const tabs = createTabs({ core: guard(core), locks: undefined, onChange: () => changes++ });
  assert.equal(await tabs.isDuplicate('tab-1'), false);
  tabs.adoptOrphans();
  assert.equal(changes, 1);
});

test('the storage event for ss_vid, ss_grant (or a cleared storage) makes the core sync', () => {
  const calls = [];
  const core = { sync: (now) => { calls.push(now); return calls.length === 1; } };
  let changes = 0;
  const later = [];
  const timers = { setTimeout: (fn, ms) => later.push([fn, ms]) };
  const tabs = createTabs({ core: guard(core), locks: undefined, onChange: () => changes++, now: () => 42, timers });
  tabs.onStorage({ key: 'ss_vid' });
  tabs.onStorage({ key: null });
  tabs.onStorage({ key: 'ss_grant' });
  tabs.onStorage({ key: 'ss_prof' });
  tabs.onStorage({ key: 'other' });
  assert.deepEqual(calls, [42, 42, 42]);
  assert.equal(changes, 1); // only the sync that changed the visitor
  // Each looks again a moment later: `ss_vid` gone from localStorage but still in the cookie
  // is settled only once the cookie has stayed (a denial may be half-way).
  assert.deepEqual(later.map(([, ms]) => ms), [300, 300, 300]);
  for (const [fn] of later) fn();
  assert.deepEqual(calls, [42, 42, 42, 42, 42, 42]);
});

test("another tab's denial arrives on the channel: the core is told at once; not while in the back/forward cache", async () => {
  const calls = [];
  const core = { deniedElsewhere: (now) => { calls.push(now); return calls.length === 1; }, staleQueues: () => '' };
  let changes = 0;
  const timers = { setInterval: () => 0, setTimeout: () => 0 };
  const here = createTabs({ core: guard(core), locks: undefined, onChange: () => changes++, now: () => 7, timers });
  const there = createTabs({ core: guard({ staleQueues: () => '' }), locks: undefined, timers });
  here.start();
  there.start();
  there.announceDenied();
  const arrived = async (n) => { for (let i = 0; i < 50 && calls.length < n; i++) await new Promise((r) => setTimeout(r, 5)); };
  await arrived(1);
  assert.deepEqual(calls, [7]);
  assert.equal(changes, 1);
  // Hidden in the back/forward cache: the channel is closed (the page stays eligible); the
  // storage event or the next sync catches up on pageshow.
  here.pagehide();
  there.announceDenied();
  await tick();
  here.pageshow('');
  there.announceDenied();
  await arrived(2);
  assert.deepEqual(calls, [7, 7]);
  assert.equal(changes, 1, 'only a call that changed the visitor');
  here.pagehide();
  there.pagehide();
});

test('adoptSoon: a pass now and one more a moment later (a tab closed just now frees its lock late), never piled up', async () => {
  const asked = [];
  const core = { otherQueues: (now) => { asked.push(now); return ''; } };
  const later = [];
  const timers = { setTimeout: (fn, ms) => { later.push([fn, ms]); return later.length; } };
  const tabs = createTabs({ core: guard(core), locks: fakeLocks(), now: () => 5, timers });
  tabs.adoptSoon();
  tabs.adoptSoon();
  assert.equal(asked.length, 2, 'a pass at each call');
  assert.deepEqual(later.map(([, ms]) => ms), [1000], 'one second look pending at a time');
  later[0][0]();
  assert.equal(asked.length, 3);
  tabs.adoptSoon();
  assert.equal(later.length, 2, 'a new second look once the last one ran');
});
