// The size budget, on both paths a page can load the SDK by: the gzip total of what it downloads
// (the classic script, or the ES module entry; each carries its wasm) must stay under the
// checked-in ceiling and within 10 % of the size last recorded for that path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budget = JSON.parse(readFileSync(new URL('../../size-budget.json', import.meta.url)));
const read = (f) => readFileSync(new URL(`../../dist/${f}`, import.meta.url));
const gz = (f) => gzipSync(read(f), { level: 9 }).length;

for (const [path, { files, recordedGzipBytes }] of Object.entries(budget.paths)) {
  test(`${path}: gzip total of what a page downloads stays within the budget`, () => {
    // An entry that no longer carries the wasm makes the page fetch it: it counts then.
    const all = files.some((f) => read(f).includes('__sessionsightWasm')) ? files : [...files, 'sessionsight_bg.wasm'];
    const total = all.reduce((n, f) => n + gz(f), 0);
    console.log(`${path}: ${total} B gzip (${all.join(' + ')}); ceiling ${budget.maxGzipBytes}, recorded ${recordedGzipBytes}`);
    assert.ok(total <= budget.maxGzipBytes, `${path}: ${total} B over the ${budget.maxGzipBytes} B ceiling`);
    assert.ok(total <= recordedGzipBytes * 1.1, `${path}: ${total} B grew more than 10 % over the recorded ${recordedGzipBytes} B`);
  });
}

test('both paths are measured', () => {
  assert.deepEqual(Object.values(budget.paths).map((p) => p.files[0]).sort(), ['index.js', 'sessionsight.js']);
});
