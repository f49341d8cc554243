// SPEC §3 ids and cookies, read from the driver's cookie jar and the page's storage: ss_vid
// for a year, ss_sid/fsid for the browser session, SameSite=Lax, Path=/, host-only on an IP
// and on localhost, Domain = the registrable domain on real host names, Secure over https.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';
import { UUID, YEAR } from '../expect.js';

/** Checks the three cookies against the page's ids; `domain` as the jar reports it. */
async function checkCookies(b, { visitorId, sessionId }, { domain, secure }) {
  const c = await b.sdkCookies();
  assert.deepEqual(Object.keys(c).sort(), ['fsid', 'ss_sid', 'ss_vid']);
  for (const [name, value] of [['ss_vid', visitorId], ['ss_sid', sessionId], ['fsid', sessionId]]) {
    assert.equal(c[name].value, value, name);
    assert.equal(c[name].path, '/', `${name} Path`);
    assert.equal(c[name].sameSite, 'Lax', `${name} SameSite`);
    assert.equal(c[name].secure, secure, `${name} Secure`);
    assert.equal(c[name].domain, domain, `${name} Domain`);
    assert.equal(c[name].httpOnly, false, `${name} HttpOnly`);
  }
  const left = c.ss_vid.expiry - Date.now() / 1000;
  assert.ok(left > YEAR - 86400 && left <= YEAR + 60, `ss_vid expires in a year, not ${left} s`);
  assert.equal(c.ss_sid.expiry, undefined, 'ss_sid is a session cookie');
  assert.equal(c.fsid.expiry, undefined, 'fsid is a session cookie');
  // Nothing else was left behind (no probe cookie from the domain search).
  assert.deepEqual(Object.keys(await b.cookies()).sort(), ['fsid', 'ss_sid', 'ss_vid']);
}

async function checkStorageAndWire(b, c, ids) {
  const s = await b.storage();
  assert.equal(s.local.ss_vid, ids.visitorId);
  assert.ok(s.session.ss_sid.includes(ids.sessionId), 'sessionStorage ss_sid holds the tab session');
  await b.poll(() => c.events((e) => e.type === 'session_start').map((e) => [e.visitorId, e.sessionId, e.reason, e.previousSessionId]),
    [[ids.visitorId, ids.sessionId, 'new_tab', null]]);
}

scenario('http on 127.0.0.1: host-only cookies, ss_vid a year, session cookies, Lax, Path=/', async (b) => {
  const c = await b.collector();
  const ids = await b.embed(c.url);
  assert.match(ids.visitorId, UUID);
  assert.match(ids.sessionId, UUID);
  assert.equal(ids.visitorId[14], '4', 'ss_vid is a UUID v4');
  assert.equal(ids.sessionId[14], '7', 'ss_sid is a UUID v7');
  await checkCookies(b, ids, { domain: '127.0.0.1', secure: false });
  await checkStorageAndWire(b, c, ids);
});

scenario('https on localhost: Secure, host-only', async (b) => {
  const c = await b.collector({ https: true });
  const ids = await b.embed(c.origin('localhost'));
  await checkCookies(b, ids, { domain: 'localhost', secure: true });
  await checkStorageAndWire(b, c, ids);
});

for (const [host, domain] of [['www.example.com', '.example.com'], ['shop.example.co.uk', '.example.co.uk']]) {
  scenario(`https on ${host}: Domain=${domain}, Secure`, async (b) => {
    const c = await b.collector({ https: true });
    const ids = await b.embed(c.origin(host));
    await checkCookies(b, ids, { domain, secure: true });
    await checkStorageAndWire(b, c, ids);
    await b.run(() => { SessionSight.identify({ plan: 'tls' }); return SessionSight.flush(); });
    await b.poll(() => c.events((e) => e.type === 'identify').map((e) => e.visitorId), [ids.visitorId]);
    // Engine difference: Firefox reports each rejected trial write of the domain search
    // ("Cookie “ss_probe” has been rejected for invalid domain.") in the page's log, so a
    // developer sees it in the console on a first visit. Chromium logs nothing. (WebKit's
    // browser messages cannot be read without BiDi: not asserted there.)
    const notes = b.log.filter((e) => e.kind === 'browser' && e.text.includes('ss_probe'));
    if (b.engine === 'firefox') assert.ok(notes.length > 0, 'Firefox logs the rejected probe cookie');
    if (b.engine === 'chromium') assert.deepEqual(notes, []);
  }, { hosts: true });
}

// Engine facts behind two choices of the SDK, pinned so a change shows here. (1) A cookie set
// without SameSite is reported by the jar as Lax in Chromium but None in Firefox and WebKit:
// the SDK always writes SameSite=Lax itself. (2) WebKit refuses a Secure cookie on plain http
// even on 127.0.0.1, where Chromium and Firefox accept it: the SDK adds Secure on https only.
const FACTS = {
  chromium: { defaultSameSite: 'Lax', secureOnHttp: true },
  firefox: { defaultSameSite: 'None', secureOnHttp: true },
  webkit: { defaultSameSite: 'None', secureOnHttp: false },
};

scenario('engine facts: default SameSite in the jar, Secure cookies on http', async (b) => {
  const c = await b.collector();
  await b.goto(c.url + '/embed.html');
  await b.run(() => {
    document.cookie = 'xe2e_plain=1; Path=/';
    document.cookie = 'xe2e_secure=1; Path=/; Secure';
  });
  const jar = await b.cookies();
  assert.equal(jar.xe2e_plain.value, '1');
  assert.deepEqual({ defaultSameSite: jar.xe2e_plain.sameSite, secureOnHttp: !!jar.xe2e_secure }, FACTS[b.engine]);
});
