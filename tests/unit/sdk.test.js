// Unit tests of the assembled shim (js/sdk.js) over a fake wasm core in a minimal fake page:
// early-call ordering (a denial before init() is the consent the core starts with), the trap
// catch-all (only a wasm trap disables, once), storage failure reported once, re-entrant getters.
import { test, beforeEach, mock } from 'node:test';
import assert from 'node:assert/strict';

const tick = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); };

// The tab coordinator's periodic adoption would keep the process alive.
mock.timers.enable({ apis: ['setInterval'] });
globalThis.window = Object.assign(new EventTarget(), { location: { href: 'http://site.test/page', origin: 'http://site.test' } });
globalThis.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
// Messages the shim posts to other tabs (a real channel would keep the process alive).
const posted = [];
globalThis.BroadcastChannel = class {
  constructor(name) { this.name = name; }
  postMessage(m) { posted.push(`${this.name} ${m}`); }
  close() {}
};
const sent = [];
globalThis.fetch = async (url, init) => { sent.push(init); return { status: 200, headers: { get: () => null }, text: async () => '{}' }; };
const { createSessionSight, SessionSightValidationError } = await import('../../js/sdk.js');

let log;
let behaviour;
let lastOptions;
class FakeSdk {
  constructor(options, now) {
    log.push(['new', options.consent ?? null]);
    lastOptions = options;
    this.consent = options.consent !== 'denied';
    this.inheritedTabId = '';
    this.tabId = 'tab-1';
    this.visitorId = 'v-1';
    this.sessionId = 's-1';
    this.pending = 0;
  }
  get storageFailed() { return behaviour.storageFailed === true; }
  start(now, duplicate, visible) { log.push(['start', duplicate, visible]); }
  identify(payload) {
    log.push(['identify', payload]);
    if (behaviour.identify) return behaviour.identify(payload);
    return false;
  }
  setConsent(granted) { log.push(['setConsent', granted]); this.consent = granted; }
  reset() { log.push(['reset']); }
  activity() {}
  sync() { return false; }
  persist() {}
  nextBatch() { return null; }
  otherQueues() { return ''; }
  lockHeld() {}
  staleQueues() { return ''; }
}

const wasm = { Sdk: FakeSdk, memory: { buffer: { byteLength: 1 } } };

/** The browser's navigator (Node 20 has none): Global Privacy Control, automation. */
let navigatorFields = {};
Object.defineProperty(globalThis, 'navigator', { configurable: true, get: () => ({ userAgent: 'Mozilla/5.0 Firefox/128.0', ...navigatorFields }) });

beforeEach(() => {
  log = [];
  behaviour = {};
  navigatorFields = {};
  document.visibilityState = 'visible';
});

test('setConsent("denied") before init(): the core starts denied, before anything else', async () => {
  const ss = createSessionSight(async () => wasm);
  ss.identify({ plan: 'early' });
  ss.setConsent('denied');
  ss.identify({ plan: 'later' });
  await ss.init({ apiKey: 'k', consent: 'granted' });
  assert.deepEqual(log, [
    ['new', 'denied'],
    ['start', false, true],
    ['identify', { plan: 'early' }],
    ['setConsent', false],
    ['identify', { plan: 'later' }],
  ]);
});

test('without a queued denial the init option is passed as given', async () => {
  const ss = createSessionSight(async () => wasm);
  ss.reset();
  await ss.init({ apiKey: 'k' });
  assert.deepEqual(log, [['new', null], ['start', false, true], ['reset']]);
});

test('a denial is announced to the other tabs, whether at init or later; a grant is not', async () => {
  posted.length = 0;
  const later = createSessionSight(async () => wasm);
  await later.init({ apiKey: 'k' });
  later.setConsent('granted');
  assert.deepEqual(posted, []);
  later.setConsent('denied');
  assert.deepEqual(posted, ['sessionsight denied']);
  posted.length = 0;
  await createSessionSight(async () => wasm).init({ apiKey: 'k', consent: 'denied' });
  assert.deepEqual(posted, ['sessionsight denied']);
});

test('early payloads are read when the call is made, not at replay', async () => {
  const ss = createSessionSight(async () => wasm);
  const payload = { plan: 'a' };
  ss.identify(payload);
  payload.plan = 'changed';
  await ss.init({ apiKey: 'k' });
  assert.deepEqual(log[2], ['identify', { plan: 'a' }]);
});

test('a tab loaded hidden tells the core so', async () => {
  document.visibilityState = 'hidden';
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k' });
  assert.deepEqual(log[1], ['start', false, false]);
});

test('only a wasm trap switches the SDK off, reported once', async () => {
  const errors = [];
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k', onError: (e) => errors.push(e) });
  behaviour.identify = () => { throw new TypeError('a browser API said no'); };
  ss.identify({ a: 1 });
  ss.identify({ a: 2 });
  assert.equal(ss.getVisitorId(), 'v-1');
  assert.equal(errors.length, 1, errors.map(String).join("; ")); // the same message is reported once
  const original = console.error;
  console.error = () => {};
  try {
    behaviour.identify = () => { throw new WebAssembly.RuntimeError('unreachable'); };
    ss.identify({ a: 3 });
    ss.identify({ a: 4 });
  } finally {
    console.error = original;
  }
  assert.equal(ss.getVisitorId(), '');
  assert.equal(errors.length, 2);
  assert.ok(errors[1] instanceof WebAssembly.RuntimeError);
  assert.equal(ss.__stats().disabled, true);
  await ss.flush(); // still settles
});

test('a validation error from the core is thrown as SessionSightValidationError', async () => {
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k' });
  behaviour.identify = () => { const e = new Error('id looks like an email'); e.name = 'SessionSightValidationError'; e.code = 'id_email_shaped'; e.field = 'id'; throw e; };
  assert.throws(() => ss.identify({ id: 'a@b.co' }), (e) => e instanceof SessionSightValidationError && e.code === 'id_email_shaped');
  assert.equal(ss.getVisitorId(), 'v-1');
});

test('a getter calling the SDK gives payload_unreadable and the SDK stays live', async () => {
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k' });
  assert.throws(() => ss.identify({ get plan() { return ss.getVisitorId(); } }), (e) => e.code === 'payload_unreadable');
  assert.equal(log.filter((l) => l[0] === 'identify').length, 0);
  assert.equal(ss.getVisitorId(), 'v-1');
  assert.equal(ss.validate({ get x() { throw new Error('no'); } }).code, 'payload_unreadable');
});

test('a failed storage write is reported once', async () => {
  const errors = [];
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k', onError: (e) => errors.push(e.message) });
  behaviour.storageFailed = true;
  ss.identify({ a: 1 });
  await tick();
  ss.identify({ a: 2 });
  await tick();
  assert.equal(errors.length, 1);
  assert.match(errors[0], /storage/);
  assert.equal(ss.__stats().storageFailed, true);
});

test('__stats() carries the delivery state', async () => {
  const ss = createSessionSight(async () => wasm);
  await ss.init({ apiKey: 'k' });
  const stats = ss.__stats();
  for (const key of ['wasmMemoryBytes', 'pending', 'inFlight', 'nextRetryInMs', 'lastStatus']) assert.ok(key in stats, key);
});

test('getConsent(): before init what init() would start with, then the core\'s consent', async () => {
  const ss = createSessionSight(async () => wasm);
  assert.equal(ss.getConsent(), 'granted');
  ss.setConsent('denied');
  assert.equal(ss.getConsent(), 'denied');
  await ss.init({ apiKey: 'k' });
  assert.equal(ss.getConsent(), 'denied');
  ss.setConsent('granted');
  assert.equal(ss.getConsent(), 'granted');
});

test('Global Privacy Control: starts denied unless the site grants explicitly or opts out with respectGpc: false', async () => {
  navigatorFields = { globalPrivacyControl: true };
  const gpc = createSessionSight(async () => wasm);
  assert.equal(gpc.getConsent(), 'denied');
  await gpc.init({ apiKey: 'k' });
  assert.deepEqual(log[0], ['new', 'denied']);
  assert.equal(gpc.getConsent(), 'denied');
  for (const [options, want] of [[{ consent: 'granted' }, 'granted'], [{ respectGpc: false }, null], [{ consent: 'denied', respectGpc: false }, 'denied']]) {
    log = [];
    await createSessionSight(async () => wasm).init({ apiKey: 'k', ...options });
    assert.deepEqual(log[0], ['new', want], JSON.stringify(options));
  }
  // A grant queued before init() is explicit too.
  log = [];
  const granted = createSessionSight(async () => wasm);
  granted.setConsent('granted');
  await granted.init({ apiKey: 'k' });
  assert.deepEqual(log.slice(0, 1), [['new', null]]);
  assert.equal(granted.getConsent(), 'granted');
  // A browser whose navigator refuses the read counts as not sending it.
  log = [];
  Object.defineProperty(globalThis, 'navigator', { configurable: true, get: () => ({ get globalPrivacyControl() { throw new Error('no'); } }) });
  try {
    await createSessionSight(async () => wasm).init({ apiKey: 'k' });
  } finally {
    Object.defineProperty(globalThis, 'navigator', { configurable: true, get: () => ({ userAgent: 'Mozilla/5.0 Firefox/128.0', ...navigatorFields }) });
  }
  assert.deepEqual(log[0], ['new', null]);
});

test('a bot\'s page: init resolves, nothing reaches the core or the queue, debug says so once', async () => {
  navigatorFields = { webdriver: true };
  const info = [];
  const original = console.info;
  console.info = (...a) => info.push(a.join(' '));
  try {
    const ss = createSessionSight(async () => wasm);
    ss.identify({ plan: 'early' });
    await ss.init({ apiKey: 'k', debug: true });
    ss.identify({ plan: 'late' });
    ss.reset();
    await ss.init({ apiKey: 'k', debug: true });
    await ss.flush();
    assert.deepEqual(log, []);
    assert.equal(ss.getVisitorId(), '');
    assert.equal(info.length, 1);
    assert.match(info[0], /not counted.*navigator\.webdriver.*filterBots: false/);
    // filterBots: false counts it; botPatterns add the site's own.
    await createSessionSight(async () => wasm).init({ apiKey: 'k', filterBots: false });
    assert.deepEqual(log[0], ['new', null]);
    navigatorFields = {};
    log = [];
    await createSessionSight(async () => wasm).init({ apiKey: 'k', botPatterns: ['firefox/128'] });
    assert.deepEqual(log, []);
    await assert.rejects(createSessionSight(async () => wasm).init({ apiKey: 'k', botPatterns: 'firefox' }), (e) => e.name === 'SessionSightConfigError' && /botPatterns/.test(e.message));
  } finally {
    console.info = original;
  }
});

test('beforeSend reaches the core wrapped (JSON text in, JSON text out); a non-function goes as given for the core to refuse', async () => {
  const hook = (e) => ({ ...e });
  await createSessionSight(async () => wasm).init({ apiKey: 'k', beforeSend: hook });
  assert.equal(typeof lastOptions.beforeSend, 'function');
  assert.notEqual(lastOptions.beforeSend, hook);
  const text = '{"type":"session_start","messageId":"m","timestamp":"t","visitorId":"v","sessionId":"s","previousSessionId":null,"reason":"new_tab"}';
  assert.equal(lastOptions.beforeSend(text), text);
  await createSessionSight(async () => wasm).init({ apiKey: 'k' });
  assert.equal(lastOptions.beforeSend, undefined);
  await createSessionSight(async () => wasm).init({ apiKey: 'k', beforeSend: 'yes' });
  assert.equal(lastOptions.beforeSend, 'yes');
});
