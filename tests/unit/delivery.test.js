// Unit tests of js/sdk/delivery.js with fake timers, a fake core and a fake transport: timer
// bounds, no zero-delay spinning, relative retries across clock jumps, flush() settling while
// the network hangs, unload batches not blocking regular sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDelivery, clampDelay, MAX_DELAY_MS } from '../../js/sdk/delivery.js';
import { createTransport } from '../../js/sdk/transport.js';

const tick = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

/** A queue model standing in for the wasm core: ids in, batches out, verdicts by status. */
function fakeCore({ batchSize = 2, retryIn = 1000, blockInFlight = false } = {}) {
  const core = {
    queue: [],
    inFlight: new Map(),
    nextId: 1,
    retryIn,
    settled: [],
    get pending() { return this.queue.length + [...this.inFlight.values()].reduce((n, b) => n + b.length, 0); },
    push(n) { for (let i = 0; i < n; i++) this.queue.push(`e${this.nextId++}`); },
    nextBatch(now, urgent) {
      if (!urgent && blockInFlight && this.inFlight.size) return null;
      if (!this.queue.length) return null;
      const events = this.queue.splice(0, batchSize);
      const id = this.nextId++;
      this.inFlight.set(id, events);
      return { id, count: events.length, body: JSON.stringify(events) };
    },
    settle(id, status) {
      const events = this.inFlight.get(id);
      this.inFlight.delete(id);
      this.settled.push(status);
      if (status >= 200 && status < 300) return { verdict: 'delivered', count: events.length };
      if (status >= 400 && status < 500) return { verdict: 'rejected', count: events.length, status };
      this.queue.unshift(...events);
      return { verdict: 'retry', count: events.length, retryIn: this.retryIn };
    },
    sealed() { return false; },
  };
  const guard = { read: (fn, fb) => { try { return fn(core); } catch (e) { return fb; } }, write: (fn, fb) => { try { return fn(core); } catch (e) { return fb; } } };
  return { core, guard };
}

/** A transport answering from a script of statuses (a function gets the body). */
function fakeTransport(answer) {
  const sent = [];
  return {
    sent,
    send(body, urgent) {
      sent.push({ body, urgent });
      const r = typeof answer === 'function' ? answer(body, urgent) : answer;
      return Promise.resolve(r).then((status) => (typeof status === 'object' ? status : { status, retryAfter: NaN, sealed: [] }));
    },
  };
}

/** setTimeout delays the scheduler asked for (on top of the mocked timers). */
function recordingTimers() {
  const delays = [];
  return { delays, setTimeout: (fn, d) => { delays.push(d); return setTimeout(fn, d); }, clearTimeout: (t) => clearTimeout(t) };
}

test('clampDelay: finite, never negative, never past the bound, fallback for nonsense', () => {
  assert.equal(clampDelay(500, 1000), 500);
  assert.equal(clampDelay(-20, 1000), 0);
  assert.equal(clampDelay(NaN, 1000), 1000);
  assert.equal(clampDelay(undefined, 1000), 1000);
  assert.equal(clampDelay(Infinity, 1000), 1000);
  assert.equal(clampDelay(40 * 24 * 3600_000, 1000), MAX_DELAY_MS);
  assert.ok(MAX_DELAY_MS < 2 ** 31 - 1);
  assert.equal(clampDelay(0, 1000, 10), 10);
});

test('no spin: a full batch that cannot leave (all in flight) waits the interval, not zero', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore({ batchSize: 2, blockInFlight: true });
  const transport = fakeTransport(() => new Promise(() => {})); // the first batch never answers
  const timers = recordingTimers();
  const d = createDelivery(guard, transport, { interval: 1000, batchSize: 2, timers });
  core.push(4);
  d.pump(); // first batch in flight, never answered
  await tick();
  d.schedule(true);
  d.schedule(true);
  for (let i = 0; i < 20; i++) { t.mock.timers.tick(500); await tick(); }
  assert.equal(transport.sent.length, 1);
  assert.equal(timers.delays.filter((x) => x === 0).length, 0, `delays: ${timers.delays}`);
  assert.ok(timers.delays.length <= 3, `delays: ${timers.delays}`);
});

test('no spin: after a pump that could send nothing, the next timer is the interval', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore({ batchSize: 2 });
  core.nextBatch = () => null; // e.g. the core's backoff is not over
  const timers = recordingTimers();
  const d = createDelivery(guard, fakeTransport(200), { interval: 1000, batchSize: 2, timers });
  core.push(5);
  d.schedule(true); // a call queued a full batch: once at zero delay
  for (let i = 0; i < 10; i++) { t.mock.timers.tick(1000); await tick(); }
  assert.equal(timers.delays[0], 0);
  assert.deepEqual(new Set(timers.delays.slice(1)), new Set([1000]));
  assert.ok(timers.delays.length <= 12);
});

test('calls arriving faster than the interval do not postpone the send', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore({ batchSize: 50 });
  const transport = fakeTransport(200);
  const d = createDelivery(guard, transport, { interval: 1000, batchSize: 50 });
  for (let i = 0; i < 10; i++) {
    core.push(1);
    d.schedule(true);
    t.mock.timers.tick(300);
    await tick();
  }
  assert.ok(transport.sent.length >= 2, `sent ${transport.sent.length}`);
});

test('a failure waits the relative retryIn, whatever the wall clock does', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // The wall clock the core sees is separate from the timers (setTimeout is monotonic).
  let wall = Date.UTC(2026, 10, 22);
  const { core, guard } = fakeCore({ retryIn: 4000 });
  const seenNow = [];
  const nextBatch = core.nextBatch.bind(core);
  core.nextBatch = (now, urgent) => { seenNow.push(now); return nextBatch(now, urgent); };
  const statuses = [503, 200];
  const transport = fakeTransport(() => statuses.shift());
  const d = createDelivery(guard, transport, { interval: 1000, batchSize: 2, now: () => wall });
  core.push(1);
  await d.pump();
  assert.equal(transport.sent.length, 1);
  assert.ok(d.stats().nextRetryInMs > 3900);
  // The clock jumps 40 days back: the retry still comes 4 s later, once.
  wall -= 40 * 24 * 3600_000;
  t.mock.timers.tick(3999);
  await tick();
  assert.equal(transport.sent.length, 1);
  t.mock.timers.tick(1);
  await tick();
  assert.equal(transport.sent.length, 2);
  assert.equal(core.pending, 0);
  assert.equal(d.stats().lastStatus, 200);
  assert.equal(seenNow.at(-1) < seenNow[0], true); // the core was told the time as it is
});

test('retry delays out of bounds are clamped (huge, negative, missing)', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  for (const [retryIn, expected] of [[40 * 24 * 3600_000, MAX_DELAY_MS], [-5, 0], [undefined, 1000], [NaN, 1000]]) {
    const { core, guard } = fakeCore({ retryIn });
    const timers = recordingTimers();
    const d = createDelivery(guard, fakeTransport(503), { interval: 1000, batchSize: 2, timers });
    core.push(1);
    await d.pump();
    assert.equal(timers.delays.at(-1), expected, String(retryIn));
    core.queue.length = 0;
    d.schedule();
  }
});

test('flush() settles while the collector never answers (deadline), then delivery goes on', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore({ retryIn: 1000 });
  let hang = true;
  const transport = createTransport({ timeoutMs: 10_000 }, async () => (hang
    ? new Promise(() => {})
    : { status: 200, headers: { get: () => null }, text: async () => '{}' }));
  const d = createDelivery(guard, transport, { interval: 1000, batchSize: 2 });
  core.push(1);
  let settled = false;
  d.pump().then(() => { settled = true; });
  await tick();
  assert.equal(d.stats().inFlight, 1);
  t.mock.timers.tick(10_000);
  await tick();
  assert.equal(settled, true);
  assert.equal(d.stats().lastStatus, 0);
  assert.equal(d.stats().inFlight, 0);
  hang = false;
  t.mock.timers.tick(1000);
  await tick();
  assert.equal(core.pending, 0);
});

test('an unload batch of unknown fate does not block regular sends', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore({ batchSize: 2 });
  const transport = fakeTransport((body, urgent) => (urgent ? new Promise(() => {}) : 200));
  const d = createDelivery(guard, transport, { interval: 1000, batchSize: 2 });
  core.push(1);
  d.flushUrgent();
  core.push(2);
  d.schedule(true);
  t.mock.timers.tick(0);
  await tick();
  assert.deepEqual(transport.sent.map((s) => s.urgent), [true, false]);
  assert.equal(core.settled.length, 1);
  assert.equal(d.stats().inFlight, 1);
});

test('a rejected batch is reported and the next batch follows at once', async () => {
  const { core, guard } = fakeCore({ batchSize: 1 });
  const statuses = [400, 200];
  const errors = [];
  const d = createDelivery(guard, fakeTransport(() => statuses.shift()), { interval: 1000, batchSize: 1, report: (e) => errors.push(e.message) });
  core.push(2);
  await d.pump();
  assert.deepEqual(core.settled, [400, 200]);
  assert.deepEqual(errors, ['SessionSight: the collector rejected 1 event(s) with HTTP 400']);
});

test('sealed ids from the answer reach the core; an empty queue arms no timer', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { core, guard } = fakeCore();
  const sealed = [];
  core.sealed = (ids) => { sealed.push(...ids.split(' ')); return true; };
  const timers = recordingTimers();
  const d = createDelivery(guard, fakeTransport({ status: 200, retryAfter: NaN, sealed: ['s1', 's2'] }), { interval: 1000, batchSize: 2, timers });
  core.push(1);
  await d.pump();
  assert.deepEqual(sealed, ['s1', 's2']);
  assert.equal(timers.delays.length, 0);
  assert.equal(d.stats().nextRetryInMs, null);
});

test('flush() settles even when the core is gone mid-pump', async () => {
  const guard = { read: (fn, fb) => fb, write: (fn, fb) => fb };
  const d = createDelivery(guard, fakeTransport(200), { interval: 1000, batchSize: 2 });
  await d.pump();
  assert.equal(d.stats().pending, 0);
});
