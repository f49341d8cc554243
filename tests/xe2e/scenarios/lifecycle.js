// The SDK where real pages live (SPEC §3, §5), in every engine: a request that never answers,
// an unload batch of unknown fate, hostile 2xx answers, a clock moved back, consent and logout
// across tabs, identifies that were not delivered, unreadable payloads, a full localStorage.
// The Chromium run of tests/e2e/lifecycle.spec.js has the same findings; two are elsewhere
// here: a later visit's init({ consent: 'denied' }) (scenarios/consent.js) and a tab loaded in
// the background (scenarios/tabs.js). The back/forward-cache test stays Chromium-only in
// Playwright: WebDriver has no "restore from the cache" verb to tell a restore from a reload,
// and Firefox/WebKit under their drivers keep pages out of the cache.
// Consent and logout across tabs are in scenarios/cross-tab.js.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { scenario } from '../scenario.js';
import { UUID } from '../expect.js';
import { tryUnreadablePayloads, UNREADABLE_OUTCOMES } from '../../e2e/page-probes.js';

const EMPTY = { local: {}, session: {} };
const SNIPPET = readFileSync(fileURLToPath(new URL('../../../js/snippet.js', import.meta.url)), 'utf8')
  .split('\n').filter((l) => !l.startsWith('//')).join('\n');

const identifiesOf = (c, key, value) => c.events((e) => e.type === 'identify' && e.customProperties?.[key] === value);

/**
 * A reverse proxy in front of the collector: `pages` (path → html, the page hook first) are
 * served by it; `proxy.body`, when set, replaces the body of the 2xx /ingest answers, status
 * kept (a real server answering something odd). Closed by the scenario.
 */
function frontProxy(target, pages = {}) {
  const proxy = { body: null };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (pages[path]) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><html><head>\n<script src="/xe2e-hook.js"></script>\n${pages[path]}</head><body></body></html>`);
      return;
    }
    const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (answer) => {
      if (path !== '/ingest' || proxy.body === null || answer.statusCode < 200 || answer.statusCode >= 300) {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        return;
      }
      answer.resume();
      res.writeHead(answer.statusCode, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(proxy.body);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    proxy.url = `http://127.0.0.1:${server.address().port}`;
    proxy.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
    ok(proxy);
  }));
}

/**
 * Runs `fn` in the page's own realm (an inline script), not the driver's: geckodriver runs
 * b.run() in a realm of its own, whose functions cannot stand in for the page's setTimeout,
 * fetch or Date (calling the page's natives from there fails with a foreign `this`).
 */
function inPage(b, fn) {
  return b.run((source) => {
    const script = document.createElement('script');
    script.textContent = source;
    document.head.appendChild(script);
    script.remove();
  }, `(${fn})();`);
}

/** init() with an onError that keeps each reported message in window.__errors. */
function initReporting(b) {
  return b.run(() => {
    window.__errors = [];
    return SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, onError: (e) => window.__errors.push(e.message) }).then(() => true);
  });
}

scenario('a request that never answers: flush() settles and delivery goes on', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  await b.run(() => SessionSight.flush());
  c.faults({ hang: 1 });
  await b.run(() => {
    SessionSight.identify({ tag: 'hang' });
    window.__flush = 'waiting';
    SessionSight.flush().then(() => { window.__flush = 'settled'; });
  });
  // The SDK's request deadline is 10 s: flush() settles well within 25 s.
  await b.poll(() => b.run(() => window.__flush), 'settled', { timeout: 25_000, message: 'flush() settled' });
  await b.poll(() => identifiesOf(c, 'tag', 'hang').length, 1, { timeout: 30_000, message: 'delivered after the hung request' });
  await b.poll(() => b.run(() => SessionSight.__stats().inFlight), 0);
});

scenario('an unload batch of unknown fate blocks no later send, and no timer spins', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  await inPage(b, () => {
    const setTimeoutOf = window.setTimeout;
    window.__zeroDelayTimers = 0;
    window.setTimeout = function (fn, delay, ...rest) {
      if (!(delay > 0)) window.__zeroDelayTimers++;
      return setTimeoutOf.call(this, fn, delay, ...rest);
    };
  });
  await b.init({ flushIntervalMs: 600_000, batchSize: 2 });
  await b.run(() => SessionSight.flush());
  c.faults({ hang: 1 });
  await b.run(() => SessionSight.identify({ tag: 'unload', n: 0 }));
  // The page seems to go away (pagehide): the unload batch leaves and never gets an answer.
  await b.run(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  await b.poll(() => c.state.requests >= 2, true, { message: 'the unload batch was sent' });
  const zeroBefore = await b.run(() => window.__zeroDelayTimers);
  // A full batch (2 events) is then due at once: it must go out well before any deadline ends.
  await b.run(() => { SessionSight.identify({ tag: 'later', n: 1 }); SessionSight.identify({ tag: 'later', n: 2 }); });
  await b.poll(() => identifiesOf(c, 'tag', 'later').length, 2, { timeout: 8_000, message: 'the later batch went out before the deadline' });
  // The unload batch's event may be sent again (deduplicated by messageId): none is lost.
  await b.poll(() => identifiesOf(c, 'tag', 'unload').length, 1, { timeout: 30_000 });
  assert.ok(await b.run(() => window.__zeroDelayTimers) - zeroBefore < 10, 'no zero-delay timer spins');
});

scenario('any 2xx body is tolerated: nothing a server answers switches the SDK off', async (b) => {
  const c = await b.collector();
  const proxy = await frontProxy(c.url);
  try {
    await b.embed(proxy.url);
    await b.run(() => SessionSight.flush());
    const bodies = ['{"sealed":"none"}', 'not json', '', 'null', '[]', '{"sealed":[1,null,{"a":1}]}', '{"sealed":{"length":2}}', '"sealed"'];
    for (const [i, body] of bodies.entries()) {
      proxy.body = body;
      await b.run((n) => { SessionSight.identify({ hostile: n }); return SessionSight.flush(); }, i);
      await b.poll(() => identifiesOf(c, 'hostile', i).length, 1, { message: `delivered after the body ${JSON.stringify(body)}` });
      assert.match(await b.run(() => SessionSight.getVisitorId()), UUID);
      assert.equal(await b.run(() => SessionSight.__stats().disabled), false, `still on after ${JSON.stringify(body)}`);
      await b.poll(() => b.run(() => SessionSight.__stats().pending), 0, { message: `the 2xx with ${JSON.stringify(body)} counted as delivered` });
    }
  } finally {
    await proxy.close();
  }
});

scenario('a clock moved back 40 days after a failed send neither stalls delivery nor spins timers', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  // The page's wall clock (Date) as a person would move it: timers and performance.now() run
  // on. It moves back right after the SDK has handled the failed send's answer, i.e. between
  // the failure and its retry. fetch is only watched (when each send started, what it got).
  await inPage(b, () => {
    const Real = window.Date;
    const realFetch = window.fetch;
    let offset = 0;
    function Shifted(...a) {
      if (!new.target) return new Real(Real.now() + offset).toString();
      return a.length ? new Real(...a) : new Real(Real.now() + offset);
    }
    Shifted.prototype = Real.prototype;
    Shifted.now = () => Real.now() + offset;
    Shifted.parse = Real.parse;
    Shifted.UTC = Real.UTC;
    window.Date = Shifted;
    window.__sends = [];
    window.fetch = function (...args) {
      const send = { afterMove: offset !== 0, status: null };
      window.__sends.push(send);
      return realFetch.apply(this, args).then((res) => {
        send.status = res.status;
        if (res.status === 503 && offset === 0) window.setTimeout(() => { offset = -40 * 86_400_000; }, 0);
        return res;
      });
    };
  });
  await b.init();
  await b.run(() => SessionSight.flush());
  c.faults({ fail: 1, status: 503 });
  const requestsBefore = c.state.requests;
  await b.run(() => { SessionSight.identify({ tag: 'clock' }); return SessionSight.flush(); });
  await b.poll(() => c.state.log.filter((r) => r.status === 503).length, 1);
  await b.poll(() => identifiesOf(c, 'tag', 'clock').length, 1, { timeout: 30_000, message: 'delivered after the clock moved back' });
  // The collector stores the event before its answer reaches the page: poll for the page's view.
  await b.poll(() => b.run(() => window.__sends.some((s) => s.afterMove && s.status === 200)), true, { message: 'the delivering send came after the move' });
  assert.ok(Date.now() - (await b.run(() => window.Date.now())) > 39 * 86_400_000, 'the page clock is 40 days back'); // (window.Date: the page's, in every driver's realm)
  // Stored by the collector first, settled by the page a moment later.
  await b.poll(() => b.run(() => SessionSight.__stats().pending), 0);
  // After the jump, only a handful of requests: no timer firing over and over.
  assert.ok(c.state.requests - requestsBefore < 10, `${c.state.requests - requestsBefore} requests`);
});

scenario('setConsent("denied") before init() through the snippet: nothing of the earlier visitor is written or sent', async (b) => {
  const c = await b.collector();
  const proxy = await frontProxy(c.url, {
    // First a watcher of every cookie and storage write the SDK makes (erasing is not
    // writing): started denied, it must write nothing at all, not even briefly.
    '/snippet-deny.html': `<script>
  window.__writes = [];
  (function () {
    var cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', { configurable: true,
      get: function () { return cookie.get.call(this); },
      set: function (v) {
        if (/^\\s*(ss_vid|ss_sid|fsid)=[^;]/.test(v) && !/max-age=0|expires=thu, 01 jan 1970/i.test(v)) window.__writes.push(v.split(';')[0]);
        cookie.set.call(this, v);
      } });
    var setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (k) {
      if (String(k).indexOf('ss_') === 0) window.__writes.push(String(k));
      return setItem.apply(this, arguments);
    };
  })();
</script>
<script>${SNIPPET}</script>
<script>
  SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100 }).then(function () { window.__initResolved = true; });
  SessionSight.setConsent('denied');
  SessionSight.identify({ plan: 'after-deny' });
  window.__queuedBefore = SessionSight._q ? SessionSight._q.length : -1;
</script>`,
  });
  try {
    const before = await b.embed(proxy.url);
    await b.run(() => SessionSight.flush());
    await b.poll(() => c.events((e) => e.visitorId === before.visitorId).length, 1);
    assert.equal((await b.sdkCookies()).ss_vid.value, before.visitorId, 'the earlier visit left its cookie');
    await b.goto(proxy.url + '/snippet-deny.html');
    assert.equal(await b.run(() => window.__queuedBefore), 3, 'init, setConsent and identify were queued by the snippet');
    await b.poll(() => b.run(() => window.__initResolved === true), true);
    await b.poll(() => identifiesOf(c, 'plan', 'after-deny').length, 1);
    assert.notEqual(identifiesOf(c, 'plan', 'after-deny')[0].visitorId, before.visitorId);
    await b.run(() => SessionSight.flush());
    assert.equal(c.events((e) => e.visitorId === before.visitorId).length, 1, 'nothing more sent with the earlier visitor');
    assert.deepEqual(await b.sdkCookies(), {});
    assert.deepEqual(await b.storage(), EMPTY);
    assert.deepEqual(await b.run(() => window.__writes), [], 'no cookie or storage write at all');
  } finally {
    await proxy.close();
  }
});

scenario('an identify rejected once (400) is sent again by the next identical call', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  await initReporting(b);
  await b.run(() => SessionSight.flush());
  c.faults({ fail: 1, status: 400 });
  await b.run(() => SessionSight.identify({ plan: 'again' }));
  await b.poll(() => b.run(() => window.__errors), ['SessionSight: the collector rejected 1 event(s) with HTTP 400']);
  await b.run(() => { SessionSight.identify({ plan: 'again' }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'plan', 'again').length, 1, { message: 'sent again after the rejection' });
  // Delivered now: a third identical call sends nothing.
  await b.run(() => { SessionSight.identify({ plan: 'again' }); return SessionSight.flush(); });
  assert.equal(identifiesOf(c, 'plan', 'again').length, 1);
});

scenario('an identify dropped by a 413 on its own, or by the queue cap, is sent again by the next identical call', async (b) => {
  const c = await b.collector();
  await b.embed(c.url, { maxQueueSize: 3 });
  await b.run(() => SessionSight.flush());
  // Too large for the collector even alone: split down to one event, then dropped.
  // Random lowercase letters: they compress poorly and can hold no PII (random hex digits
  // sometimes held a Luhn-valid card number, and the scrubber rightly dropped the pad).
  await b.run(() => { window.__pad = Array.from(crypto.getRandomValues(new Uint8Array(800)), (x) => String.fromCharCode(97 + (x % 26))).join(''); });
  c.faults({ maxBytes: 400 }); // compressed bytes
  await b.run(() => { SessionSight.identify({ plan: 'large', pad: window.__pad }); return SessionSight.flush(); });
  await b.poll(() => c.state.log.filter((r) => r.status === 413).length > 0, true);
  await b.poll(() => b.run(() => SessionSight.__stats().pending), 0);
  c.faults({});
  await b.run(() => { SessionSight.identify({ plan: 'large', pad: window.__pad }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'plan', 'large').length, 1, { message: 'sent again after the 413' });

  // The collector is down; the cap (3) evicts the oldest queued events, the first identify among them.
  c.faults({ fail: 1000, status: 503 });
  await b.run(() => { for (const plan of ['evicted', 'b', 'c', 'd']) SessionSight.identify({ plan }); });
  c.faults({});
  await b.run(() => SessionSight.flush());
  await b.poll(() => identifiesOf(c, 'plan', 'd').length, 1, { timeout: 30_000 });
  assert.equal(identifiesOf(c, 'plan', 'evicted').length, 0);
  await b.run(() => { SessionSight.identify({ plan: 'evicted' }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'plan', 'evicted').length, 1, { message: 'sent again after the eviction' });
});

scenario('payloads that cannot be read give SessionSightValidationError and leave the SDK working', async (b) => {
  const c = await b.collector();
  await b.embed(c.url);
  const outcomes = await b.run(tryUnreadablePayloads);
  assert.deepEqual(outcomes, UNREADABLE_OUTCOMES);
  // Getters run once; validate() answers with the same error instead of throwing.
  assert.equal(await b.run(() => {
    let reads = 0;
    SessionSight.identify({ get plan() { reads++; return 'counted'; } });
    return reads;
  }), 1);
  assert.equal(await b.run(() => SessionSight.validate({ get plan() { throw new Error('boom'); } }).code), 'payload_unreadable');
  assert.match((await b.ids()).visitorId, UUID);
  assert.equal(await b.run(() => SessionSight.__stats().disabled), false);
  await b.run(() => { SessionSight.identify({ plan: 'after the getters' }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'plan', 'after the getters').length, 1);
  assert.equal(identifiesOf(c, 'plan', 'counted').length, 1);
});

scenario('localStorage full: nothing thrown, one report, events still delivered', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  const filled = await b.run(() => {
    let i = 0;
    for (const size of [1 << 20, 1 << 16, 1 << 10, 1 << 6, 1]) {
      const chunk = 'x'.repeat(size);
      try { for (;;) localStorage.setItem(`fill${i++}`, chunk); } catch (e) { /* this size no longer fits */ }
    }
    // The last bytes: one-character keys, empty values (bounded, in case there is no quota).
    try { for (let k = 0; k < 100_000; k++) localStorage.setItem(String.fromCharCode(0x4e00 + k), ''); } catch (e) { /* full */ }
    try { localStorage.setItem('probe', 'x'); return false; } catch (e) { return e.name; }
  });
  assert.equal(filled, 'QuotaExceededError');
  await initReporting(b);
  await b.run(() => { for (let n = 0; n < 20; n++) SessionSight.identify({ tag: 'full', n }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'tag', 'full').length, 20);
  await b.run(() => { SessionSight.identify({ tag: 'full', n: 20 }); return SessionSight.flush(); });
  await b.poll(() => identifiesOf(c, 'tag', 'full').length, 21);
  const errors = await b.run(() => window.__errors);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0], /storage/);
});
