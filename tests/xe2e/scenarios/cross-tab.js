// Consent and logout as one site-wide state, in every engine: a denial, a re-grant or a reset
// in one tab is followed by the other open tabs (SPEC §3). The observing tab stays in the
// background and is driven over a BroadcastChannel: switching to it would fire focus, on which
// the SDK re-reads the shared state anyway, and the scenario would no longer show that the tab
// followed by itself.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';

const EMPTY = { local: {}, session: {} };
// Nothing leaves by itself: the scenario decides when to flush.
const HOLD = { flushIntervalMs: 600_000, batchSize: 500 };
const identifiesOf = (c, key, value) => c.events((e) => e.type === 'identify' && e.customProperties?.[key] === value);
/**
 * Makes the current tab a background observer on the BroadcastChannel 'xe2e-lifecycle': it
 * posts { vid, at, left } each time its visitor id changes (checked on every storage event
 * and every 50 ms; `left` = SDK keys still in its storages and cookies), and answers the
 * commands 'identify:<json>' (identify, then flush) with { did, vid, pending }.
 */
function observe(b) {
  return b.run(() => {
    const channel = new BroadcastChannel('xe2e-lifecycle');
    const left = () => {
      const keys = [];
      for (const s of [localStorage, sessionStorage]) {
        for (let i = 0; i < s.length; i++) if (s.key(i).startsWith('ss_')) keys.push(s.key(i));
      }
      for (const c of document.cookie.split('; ')) if (/^(ss_vid|ss_sid|fsid)=/.test(c)) keys.push(c.split('=')[0]);
      return keys;
    };
    let last = SessionSight.getVisitorId();
    let lastLeft = '';
    const check = () => {
      const vid = SessionSight.getVisitorId();
      const now = left();
      if (vid !== last || (now.length === 0 && lastLeft !== '')) channel.postMessage({ vid, at: Date.now(), left: now });
      last = vid;
      lastLeft = now.join();
    };
    window.addEventListener('storage', check);
    window.setInterval(check, 50);
    channel.onmessage = (e) => {
      if (typeof e.data !== 'string' || !e.data.startsWith('identify:')) return;
      SessionSight.identify(JSON.parse(e.data.slice(9)));
      const pending = SessionSight.__stats().pending;
      SessionSight.flush().then(() => channel.postMessage({ did: e.data, vid: SessionSight.getVisitorId(), pending }));
    };
  });
}

/** In the current tab: starts keeping what the observer posts in window.__heard. */
function listen(b) {
  return b.run(() => {
    window.__heard = [];
    window.__channel = new BroadcastChannel('xe2e-lifecycle');
    window.__channel.onmessage = (e) => window.__heard.push(e.data);
  });
}

/** Asks the observer to identify `payload`; resolves to its answer. */
async function observerIdentifies(b, payload) {
  const command = `identify:${JSON.stringify(payload)}`;
  await b.run((m) => window.__channel.postMessage(m), command);
  return b.poll(() => b.run((m) => window.__heard.find((h) => h.did === m) || null, command), (v) => v !== null,
    { message: `the observer did ${command}` });
}

/** The first observer message after `since` whose visitor id satisfies `ok`. */
function heardVisitor(b, since, ok, message) {
  return b.poll(() => b.run((t) => window.__heard.filter((h) => h.vid && h.at >= t), since), (list) => list.some((h) => ok(h)), { message, timeout: 10_000 })
    .then((list) => list.find((h) => ok(h)));
}

scenario('consent denied in one tab: the other tab follows within a second and keeps nothing', async (b) => {
  const c = await b.collector();
  const a = await b.embed(c.url, HOLD);
  await b.run(() => { SessionSight.identify({ email: 'ana@example.com' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.type === 'identify').length, 1);
  await observe(b);
  await b.newTab();
  await b.embed(c.url, HOLD);
  await listen(b);
  await b.run(() => SessionSight.flush());
  await b.poll(() => c.events((e) => e.type === 'session_start').length, 2);
  // From now on nothing is accepted: whatever of the old visitor is queued stays queued.
  c.faults({ fail: 100_000, status: 503 });
  const queued = await observerIdentifies(b, { step: 'queued before the denial' });
  assert.ok(queued.pending > 0, 'the background tab holds an unsent event of the old visitor');
  const sentBefore = c.events((e) => e.visitorId === a.visitorId).length;
  // The time is taken before the call: the other tab may follow while setConsent is still
  // erasing (each removal reaches it at once), which a time taken after would filter out.
  const deniedAt = await b.run(() => { const t = Date.now(); SessionSight.setConsent('denied'); return t; });
  const followed = await heardVisitor(b, deniedAt, (h) => h.vid !== a.visitorId && h.left.length === 0, 'the background tab followed the denial');
  assert.ok(followed.at - deniedAt < 1000, `followed in ${followed.at - deniedAt} ms`);
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
  c.faults({});
  // The background tab keeps working in memory: an email identified there is stored nowhere.
  const after = await observerIdentifies(b, { email: 'bob@example.com', step: 'after' });
  assert.notEqual(after.vid, a.visitorId);
  await b.poll(() => identifiesOf(c, 'step', 'after').map((e) => e.visitorId), [after.vid]);
  await b.run(() => SessionSight.flush());
  assert.equal(identifiesOf(c, 'step', 'queued before the denial').length, 0, 'the queued event of the old visitor was dropped');
  assert.equal(c.events((e) => e.visitorId === a.visitorId).length, sentBefore, 'nothing more sent with the old visitor');
  assert.deepEqual(await b.sdkCookies(), {});
  assert.deepEqual(await b.storage(), EMPTY);
  assert.ok(!(await b.run(() => JSON.stringify(localStorage) + document.cookie)).includes('bob@example.com'));
});

scenario('consent granted again after a denial: every open tab uses the one fresh visitor id', async (b) => {
  const c = await b.collector();
  const a = await b.embed(c.url);
  await observe(b);
  await b.newTab();
  await b.embed(c.url);
  await listen(b);
  const deniedAt = await b.run(() => { const t = Date.now(); SessionSight.setConsent('denied'); return t; });
  const denied = await heardVisitor(b, deniedAt, (h) => h.vid !== a.visitorId, 'the background tab followed the denial');
  assert.ok(denied.at - deniedAt < 1000, `followed the denial in ${denied.at - deniedAt} ms`);
  const grantedAt = await b.run(() => { const t = Date.now(); SessionSight.setConsent('granted'); return t; });
  const granted = await b.ids();
  assert.notEqual(granted.visitorId, a.visitorId);
  const followed = await heardVisitor(b, grantedAt, (h) => h.vid === granted.visitorId, 'the background tab adopted the fresh id');
  assert.ok(followed.at - grantedAt < 1000, `followed the grant in ${followed.at - grantedAt} ms`);
  assert.equal((await b.sdkCookies()).ss_vid.value, granted.visitorId);
  const sent = await observerIdentifies(b, { step: 'after the grant' });
  assert.equal(sent.vid, granted.visitorId);
  await b.poll(() => identifiesOf(c, 'step', 'after the grant').map((e) => e.visitorId), [granted.visitorId]);
});

scenario("reset() in tab A: tab B's next identify() carries the new visitor id", async (b) => {
  const c = await b.collector();
  const before = await b.embed(c.url);
  await b.run(() => { SessionSight.identify({ id: 'user-1' }); return SessionSight.flush(); });
  await b.poll(() => c.events((e) => e.id === 'user-1').length, 1);
  await observe(b); // tab B, in the background from now on
  await b.newTab();
  await b.embed(c.url);
  await listen(b);
  await b.run(() => SessionSight.reset());
  const after = await b.ids();
  assert.notEqual(after.visitorId, before.visitorId);
  const sent = await observerIdentifies(b, { id: 'user-2' });
  assert.equal(sent.vid, after.visitorId);
  await b.poll(() => c.events((e) => e.id === 'user-2').map((e) => e.visitorId), [after.visitorId]);
});

scenario("a page clearing its own localStorage (a logout) is no denial: every tab keeps the visitor and its events", async (b) => {
  const c = await b.collector();
  const a = await b.embed(c.url);
  await observe(b); // tab A, in the background from now on
  await b.newTab();
  await b.embed(c.url);
  await listen(b);
  // The site's logout clears its localStorage (the SDK's keys with it), then uses the SDK.
  // The ss_vid cookie stays, so this is no denial (a denial deletes it first).
  await b.run(() => { localStorage.clear(); SessionSight.identify({ step: 'after the clear' }); });
  const observed = await observerIdentifies(b, { step: 'in the background' });
  assert.equal(observed.vid, a.visitorId, 'the background tab kept the visitor');
  assert.equal((await b.ids()).visitorId, a.visitorId);
  const steps = () => c.events((e) => e.type === 'identify').map((e) => `${e.customProperties.step} ${e.visitorId}`).sort();
  await b.poll(async () => { await b.run(() => SessionSight.flush().then(() => true)); return steps(); },
    [`after the clear ${a.visitorId}`, `in the background ${a.visitorId}`], { message: 'both identify calls sent with the visitor' });
  assert.equal((await b.sdkCookies()).ss_vid?.value, a.visitorId);
  await b.poll(async () => (await b.storage()).local.ss_vid, a.visitorId, { message: 'ss_vid written back to localStorage' });
  assert.deepEqual(await b.run(() => window.__heard.filter((h) => !h.did).map((h) => h.vid)), [], 'the background tab never changed visitor');
});

scenario('a denial reaches a background tab on its channel, even one that hears no storage event', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  // Tab A hears no storage event (as when the cookie that tells a denial from a page's own
  // clearing reaches it late, it could not act on one at once), and does nothing on its own.
  await b.run(() => window.addEventListener('storage', (e) => e.stopImmediatePropagation(), true));
  await b.init(HOLD);
  const a = await b.ids();
  await observe(b);
  await b.newTab();
  await b.embed(c.url);
  await listen(b);
  const deniedAt = await b.run(() => { const t = Date.now(); SessionSight.setConsent('denied'); return t; });
  const followed = await heardVisitor(b, deniedAt, (h) => h.vid !== a.visitorId, 'the background tab followed the denial');
  assert.ok(followed.at - deniedAt < 1000, `followed in ${followed.at - deniedAt} ms`);
  assert.deepEqual(await b.sdkCookies(), {});
});

scenario('a denial announced late, after consent was granted again: the other tab follows the grant, erases nothing', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  // Tab two (this one, soon in the background) hears no storage event, and the SDK's channel
  // messages reach it only when released: the denial's announcement then arrives after the
  // grant that followed it (a banner toggled twice in a moment, the message slower than the
  // storage). It answers 'state', 'release' and 'visitor' on the channel 'xe2e-late'.
  await b.run(() => {
    window.addEventListener('storage', (e) => e.stopImmediatePropagation(), true);
    const held = [];
    let open = false;
    const Real = window.BroadcastChannel;
    window.BroadcastChannel = class extends Real {
      set onmessage(fn) {
        super.onmessage = this.name !== 'sessionsight' ? fn : (e) => (open ? fn(e) : held.push(() => fn(e)));
      }
      get onmessage() { return super.onmessage; }
    };
    const control = new Real('xe2e-late');
    control.onmessage = (e) => {
      if (e.data === 'release') { open = true; for (const deliver of held.splice(0)) deliver(); }
      control.postMessage({ held: held.length, vid: localStorage.getItem('ss_vid'), grant: localStorage.getItem('ss_grant'),
        visitor: SessionSight.getVisitorId() });
    };
  });
  await b.init(HOLD);
  const a = await b.ids();
  await b.newTab();
  await b.embed(c.url);
  await b.run(() => {
    window.__late = [];
    window.__control = new BroadcastChannel('xe2e-late');
    window.__control.onmessage = (e) => window.__late.push(e.data);
  });
  const ask = (command) => b.run((m) => { window.__late = []; window.__control.postMessage(m); }, command)
    .then(() => b.poll(() => b.run(() => window.__late[0] || null), (v) => v !== null, { message: `tab two answered ${command}` }));
  const granted = await b.run(() => { SessionSight.setConsent('denied'); SessionSight.setConsent('granted'); return SessionSight.getVisitorId(); });
  assert.notEqual(granted, a.visitorId);
  // Tab two has the announcement (held) and sees the grant in localStorage.
  await b.poll(async () => { const s = await ask('state'); return [s.held, s.vid, s.grant]; }, [1, granted, granted],
    { message: 'tab two holds the announcement and sees the grant' });
  await ask('release');
  await b.poll(async () => (await ask('visitor')).visitor, granted, { message: 'tab two follows the grant' });
  assert.equal((await b.sdkCookies()).ss_vid?.value, granted, 'the grant was not erased');
  assert.deepEqual([(await b.storage()).local.ss_vid, (await b.storage()).local.ss_grant], [granted, granted]);
});
