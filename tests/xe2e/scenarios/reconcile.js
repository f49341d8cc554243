// SPEC §3 "the cookie decides": a cleared cookie is restored from localStorage, a malformed
// one is replaced, a valid cookie wins over storage. State is changed through the driver's
// cookie jar (as a browser or an extension would clear it), then the page is reloaded.
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';
import { A, B, UUID } from '../expect.js';

async function reloadAndInit(b) {
  await b.reload();
  await b.init();
  return b.ids();
}

async function expectEverywhere(b, visitorId) {
  assert.equal((await b.sdkCookies()).ss_vid.value, visitorId, 'cookie');
  assert.equal((await b.storage()).local.ss_vid, visitorId, 'localStorage');
}

scenario('ss_vid cookie cleared in the jar: restored from localStorage', async (b) => {
  const c = await b.collector();
  const first = await b.embed(c.url);
  await b.driver.manage().deleteCookie('ss_vid');
  assert.equal((await b.sdkCookies()).ss_vid, undefined);
  const after = await reloadAndInit(b);
  assert.equal(after.visitorId, first.visitorId);
  assert.equal(after.sessionId, first.sessionId, 'a reload keeps the session');
  await expectEverywhere(b, first.visitorId);
});

scenario('malformed ss_vid cookie in the jar: replaced from localStorage; malformed both: a new id', async (b) => {
  const c = await b.collector();
  const first = await b.embed(c.url);
  await b.driver.manage().addCookie({ name: 'ss_vid', value: 'not-a-uuid', path: '/' });
  assert.equal((await b.sdkCookies()).ss_vid.value, 'not-a-uuid');
  const restored = await reloadAndInit(b);
  assert.equal(restored.visitorId, first.visitorId);
  await expectEverywhere(b, first.visitorId);
  // Both malformed: a fresh valid id, written back to both.
  await b.driver.manage().addCookie({ name: 'ss_vid', value: 'x', path: '/' });
  await b.run(() => localStorage.setItem('ss_vid', 'y'));
  const fresh = await reloadAndInit(b);
  assert.match(fresh.visitorId, UUID);
  assert.notEqual(fresh.visitorId, first.visitorId);
  await expectEverywhere(b, fresh.visitorId);
});

scenario('cookie vs storage: the valid cookie wins; storage only is adopted; blank cookie is absent', async (b) => {
  const c = await b.collector();
  const cases = [
    ['cookie only', { cookie: A }, A],
    ['storage only', { storage: B }, B],
    ['both, different', { cookie: A, storage: B }, A],
    ['blank cookie', { cookie: '', storage: B }, B],
  ];
  for (const [name, state, expected] of cases) {
    await b.goto(c.url + '/embed.html');
    await b.run(() => {
      for (const name of ['ss_vid', 'ss_sid', 'fsid']) document.cookie = `${name}=; Path=/; Max-Age=0`;
      localStorage.clear();
      sessionStorage.clear();
    });
    await b.poll(() => b.sdkCookies(), {}, { message: 'a clean jar' });
    await b.run((s) => {
      if (s.cookie !== undefined) document.cookie = `ss_vid=${s.cookie}; Path=/`;
      if (s.storage !== undefined) localStorage.setItem('ss_vid', s.storage);
    }, state);
    await b.init();
    assert.equal((await b.ids()).visitorId, expected, name);
    await expectEverywhere(b, expected);
  }
});
