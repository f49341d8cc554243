// The demo page's behaviour: shows the SDK's ids and cookies, drives consent, identify(),
// sealing and reset; after each identify, which keys the SDK dropped and why; the SDK's queue
// and delivery state; a switch that makes the collector fail and recover; and what the
// collector accepted. Text only (no innerHTML). The control endpoints take the token this
// collector hands to its own page (GET /control/token).
const $ = (id) => document.getElementById(id);
const ss = () => window.SessionSight;
const FAMILIES = { ssn: 'a US social security number', card: 'a card number', iban: 'an IBAN', phone: 'a phone number', credential: 'a secret key or token' };

function text(el, value) {
  el.textContent = value;
}

function el(tag, content) {
  const node = document.createElement(tag);
  text(node, content);
  return node;
}

// ── control endpoints ───────────────────────────────────────────────────────────────────────

let token = null;
async function control(path, body) {
  if (!token) {
    const res = await fetch('/control/token', { cache: 'no-store' });
    if (!res.ok) throw new Error(`control endpoints unavailable (${res.status})`);
    token = (await res.json()).token;
  }
  const init = { cache: 'no-store', headers: { Authorization: `Bearer ${token}` } };
  if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body) });
  const res = await fetch(path, init);
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

// ── identity ────────────────────────────────────────────────────────────────────────────────

let ready = false;
/** Bot filtering stays on as on a real site; `?filterBots=false` counts an automated browser. */
const FILTER_BOTS = new URLSearchParams(location.search).get('filterBots') !== 'false';

function showIdentity() {
  const filtered = FILTER_BOTS && ready && !ss().getVisitorId();
  text($('visitor'), filtered ? '(not counted: this browser looks automated; open /?filterBots=false)' : ss().getVisitorId() || '(not ready)');
  text($('session'), ss().getSessionId() || '(not ready)');
  const mine = document.cookie.split('; ').filter((c) => /^(ss_vid|ss_sid|fsid)=/.test(c));
  text($('cookies'), mine.length ? mine.join('\n') : '(none: memory-only mode)');
}

// ── identify() ──────────────────────────────────────────────────────────────────────────────

function payloadFromForm() {
  const data = {};
  for (const [k, v] of new FormData($('identify'))) if (v !== '') data[k] = v;
  return data;
}

function validateForm() {
  const error = ss().validate ? ss().validate(payloadFromForm()) : null;
  for (const input of $('identify').querySelectorAll('input')) {
    input.setAttribute('aria-invalid', String(!!error && error.field === input.name));
  }
  const out = $('validation');
  out.className = error ? '' : 'ok';
  text(out, error ? `${error.code}: ${error.message}` : '');
  return !error;
}

/** Which keys of the payload the SDK dropped and why (key and family, never the value). */
function showDropped(payload) {
  if (typeof ss().explain !== 'function') return; // an SDK without explain(): show nothing
  let result;
  try {
    result = ss().explain(payload);
  } catch (e) {
    return;
  }
  const dropped = result && Array.isArray(result.dropped) ? result.dropped : [];
  const kept = Object.keys(payload).filter((k) => !dropped.some((d) => d.key === k));
  $('explain').hidden = false;
  text($('dropped-summary'), dropped.length
    ? `${dropped.length} of ${Object.keys(payload).length} keys dropped before sending (their values never left the browser); sent: ${kept.join(', ') || 'nothing'}.`
    : `Nothing dropped: ${kept.join(', ')} sent.`);
  $('dropped').replaceChildren(...dropped.map(({ key, family }) => {
    const li = el('li', '');
    li.append(el('code', String(key)), ` looks like ${FAMILIES[family] || String(family)} (${String(family)})`);
    return li;
  }));
}

// ── delivery: the SDK's queue and the collector's fault switch ──────────────────────────────

let failingSince = null; // the collector's request count when the failure was switched on
let lastCounts = { requests: 0, accepted: 0 };

function showDelivery() {
  const stats = typeof ss().__stats === 'function' ? ss().__stats() : {};
  // Fields this SDK build reports, each shown only when present.
  const rows = [
    ['Waiting in the queue', stats.pending, (v) => `${v} event${v === 1 ? '' : 's'}`],
    ['Requests in flight', stats.inFlight, (v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v))],
    ['Next retry in', stats.nextRetryInMs ?? stats.retryInMs, (v) => (v > 0 ? `${(v / 1000).toFixed(1)} s` : 'now')],
    ['Last answer', stats.lastStatus, (v) => (v === 0 ? 'network error' : `HTTP ${v}`)],
  ].filter(([, v]) => typeof v === 'number' || typeof v === 'boolean');
  const items = rows.flatMap(([label, v, show]) => [el('dt', label), el('dd', show(v))]);
  $('delivery').replaceChildren(...(items.length ? items : [el('dt', 'SDK queue'), el('dd', '(not reported by this SDK build)')]));

  const status = $('fault-status');
  if (failingSince !== null) {
    status.className = 'failing';
    text(status, `Collector failing: ${lastCounts.requests - failingSince} deliveries refused so far. The SDK keeps the events and retries with backoff.`);
  } else if (status.className === 'failing' || status.className === 'recovered') {
    const pending = stats.pending;
    status.className = 'recovered';
    text(status, pending === 0 || pending === undefined
      ? `Recovered: the queue drained, ${lastCounts.accepted} events accepted in all, nothing lost.`
      : `Recovered: delivering the ${pending} queued events…`);
  }
}

async function setFailing(on) {
  try {
    if (on) lastCounts = await control('/control/events');
    await control('/control/faults', on ? { fail: 1e9, status: 503 } : {});
    failingSince = on ? lastCounts.requests : null;
    if (!on) ss().flush(); // deliver what waited now rather than at the next backoff step
  } catch (e) {
    $('fail').checked = !on;
    text($('fault-status'), String(e.message));
  }
  showDelivery();
}

// ── what the collector accepted ─────────────────────────────────────────────────────────────

function row(event) {
  const tr = document.createElement('tr');
  const details = event.type === 'identify'
    ? JSON.stringify({ id: event.id, email: event.email, customProperties: event.customProperties })
    : `reason=${event.reason} previous=${event.previousSessionId ?? 'null'}`;
  for (const value of [event.type, event.timestamp.slice(11, 23), event.sessionId.slice(0, 13) + '…', details]) {
    tr.append(el('td', value));
  }
  return tr;
}

async function refreshEvents() {
  try {
    const data = await control('/control/events');
    lastCounts = data;
    $('events').replaceChildren(...data.events.slice(-25).reverse().map(row));
    const n = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
    text($('counts'), `${data.accepted} accepted · ${n(data.duplicates, 'duplicate')} · ${n(data.requests, 'request')}`);
  } catch (e) {
    text($('counts'), `(collector unreachable: ${e.message})`);
  }
  showIdentity();
  showDelivery();
}

async function main() {
  await ss().init({ apiKey: 'pk_demo', flushIntervalMs: 300, debug: true, filterBots: FILTER_BOTS, onError: (e) => console.warn(e) });
  ready = true;
  showIdentity();
  $('identify').addEventListener('input', validateForm);
  $('identify').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!validateForm()) return;
    const payload = payloadFromForm();
    try {
      ss().identify(payload);
      showDropped(payload);
    } catch (err) {
      text($('validation'), `${err.code}: ${err.message}`);
    }
    ss().flush();
    showDelivery();
  });
  $('consent').addEventListener('change', (e) => {
    ss().setConsent(e.target.checked ? 'granted' : 'denied');
    ss().flush();
    showIdentity();
  });
  $('seal').addEventListener('click', async () => {
    await control('/control/seal', { sessionId: ss().getSessionId() }).catch(() => {});
    // The collector answers the session's next delivery with "sealed"; send one now.
    ss().identify({ sealRequestedAt: new Date().toISOString() });
    await ss().flush();
  });
  $('reset').addEventListener('click', () => {
    ss().reset();
    ss().flush();
    showIdentity();
  });
  $('fail').addEventListener('change', (e) => setFailing(e.target.checked));
  control('/control/faults').then(({ faults }) => {
    const on = faults.fail > 0;
    $('fail').checked = on;
    if (on) failingSince = lastCounts.requests;
  }, () => {});
  refreshEvents();
  setInterval(refreshEvents, 1000);
}

main();
