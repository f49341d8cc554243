// The demo page's behaviour: shows the SDK's ids and cookies, drives consent, identify(),
// sealing and reset, and lists what the collector accepted. Text only (no innerHTML).
const $ = (id) => document.getElementById(id);
const ss = () => window.SessionSight;

function text(el, value) {
  el.textContent = value;
}

function showIdentity() {
  text($('visitor'), ss().getVisitorId() || '(not ready)');
  text($('session'), ss().getSessionId() || '(not ready)');
  const mine = document.cookie.split('; ').filter((c) => /^(ss_vid|ss_sid|fsid)=/.test(c));
  text($('cookies'), mine.length ? mine.join('\n') : '(none: memory-only mode)');
}

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

function row(event) {
  const tr = document.createElement('tr');
  const details = event.type === 'identify'
    ? JSON.stringify({ id: event.id, email: event.email, customProperties: event.customProperties })
    : `reason=${event.reason} previous=${event.previousSessionId ?? 'null'}`;
  for (const value of [event.type, event.timestamp.slice(11, 23), event.sessionId.slice(0, 13) + '…', details]) {
    const td = document.createElement('td');
    text(td, value);
    tr.append(td);
  }
  return tr;
}

async function refreshEvents() {
  try {
    const res = await fetch('/control/events', { cache: 'no-store' });
    const data = await res.json();
    const rows = data.events.slice(-25).reverse().map(row);
    $('events').replaceChildren(...rows);
    const n = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
    text($('counts'), `${data.accepted} accepted · ${n(data.duplicates, 'duplicate')} · ${n(data.requests, 'request')}`);
  } catch (e) {
    text($('counts'), '(collector unreachable)');
  }
  showIdentity();
}

async function main() {
  await ss().init({ apiKey: 'pk_demo', flushIntervalMs: 300, debug: true, onError: (e) => console.warn(e) });
  showIdentity();
  $('identify').addEventListener('input', validateForm);
  $('identify').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!validateForm()) return;
    try {
      ss().identify(payloadFromForm());
    } catch (err) {
      text($('validation'), `${err.code}: ${err.message}`);
    }
    ss().flush();
  });
  $('consent').addEventListener('change', (e) => {
    ss().setConsent(e.target.checked ? 'granted' : 'denied');
    ss().flush();
    showIdentity();
  });
  $('seal').addEventListener('click', async () => {
    await fetch('/control/seal', { method: 'POST', body: JSON.stringify({ sessionId: ss().getSessionId() }) });
    // The collector answers the session's next delivery with "sealed"; send one now.
    ss().identify({ sealRequestedAt: new Date().toISOString() });
    await ss().flush();
  });
  $('reset').addEventListener('click', () => {
    ss().reset();
    ss().flush();
    showIdentity();
  });
  refreshEvents();
  setInterval(refreshEvents, 1000);
}

main();
