// SPEC §5 across the page lifecycle: events produced before a tab closes (another tab stays
// open), before navigating away, across a reload while the collector fails, and while the
// collector is down are all accepted, each exactly once in the collector's file (wire
// duplicates are allowed and deduplicated by messageId).
import assert from 'node:assert/strict';
import { scenario } from '../scenario.js';

// Nothing leaves the page until the lifecycle says so.
const HOLD = { flushIntervalMs: 600_000, batchSize: 500 };

/** `n` identify events that each change the profile, tagged for counting. */
function produce(b, tag, n) {
  return b.run((t, count) => { for (let i = 0; i < count; i++) SessionSight.identify({ tag: t, n: i }); }, tag, n);
}

/** Polls the collector's file until all `n` events of `tag` are there; each exactly once. */
async function expectDelivered(b, c, tag, n) {
  const of = () => c.events((e) => e.type === 'identify' && e.customProperties.tag === tag);
  await b.poll(() => of().length, n, { timeout: 60_000, message: `${n} "${tag}" events accepted` });
  assert.deepEqual(of().map((e) => e.customProperties.n).sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i));
  const ids = c.events().map((e) => e.messageId);
  assert.equal(new Set(ids).size, ids.length, 'no messageId twice in the file');
}

scenario('identify, then close the tab while another stays open', async (b) => {
  const c = await b.collector();
  const keep = await b.tab();
  await b.embed(c.url);
  const closing = await b.newTab();
  await b.embed(c.url, HOLD);
  await produce(b, 'close', 3);
  assert.equal(c.events((e) => e.customProperties?.tag === 'close').length, 0, 'held until the tab closes');
  await b.close(closing, keep);
  await expectDelivered(b, c, 'close', 3);
  // The closed tab never read the answer, so its queue may still be stored: the next load
  // adopts and resends it; the collector keeps one of each (at least once, effectively once).
  await b.newTab();
  await b.embed(c.url);
  await b.poll(() => b.run(() => Object.keys(localStorage).filter((k) => k.startsWith('ss_q:')).length), 0,
    { timeout: 60_000, message: 'no queue left behind' });
  await b.run(() => SessionSight.flush());
  await expectDelivered(b, c, 'close', 3);
});

scenario('identify, then navigate away', async (b) => {
  const c = await b.collector();
  await b.embed(c.url, HOLD);
  await produce(b, 'navigate', 3);
  // A page without the SDK: only the unload path of the page left behind can deliver.
  await b.goto(c.url + '/elsewhere');
  await expectDelivered(b, c, 'navigate', 3);
});

scenario('a reload while every request fails: the next load delivers', async (b) => {
  const c = await b.collector();
  c.faults({ fail: 1000, status: 500 });
  await b.embed(c.url);
  await produce(b, 'reload', 4);
  await b.poll(() => c.state.log.length > 0, true, { message: 'a request was tried' });
  await b.reload();
  await b.init();
  c.faults({});
  await b.run(() => SessionSight.flush());
  await expectDelivered(b, c, 'reload', 4);
});

scenario('collector down (connections dropped, then 503), then back', async (b) => {
  const c = await b.collector();
  c.faults({ drop: 2, fail: 2, status: 503 });
  await b.embed(c.url);
  await produce(b, 'down', 5);
  await expectDelivered(b, c, 'down', 5);
  assert.equal(c.state.log.filter((r) => r.status === 503).length, 2);
  assert.equal(c.state.faults.drop, 0, 'both dropped connections happened');
});
