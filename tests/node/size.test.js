// The size budget: the gzip total of what a page downloads (the classic script, its wasm inside)
// must stay under the checked-in ceiling and within 10 % of the last recorded size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const budget = JSON.parse(readFileSync(new URL('../../size-budget.json', import.meta.url)));
const gz = (f) => gzipSync(readFileSync(new URL(`../../dist/${f}`, import.meta.url)), { level: 9 }).length;

test('gzip total of what a page downloads stays within the budget', () => {
  const total = budget.files.reduce((n, f) => n + gz(f), 0);
  console.log(`page download: ${total} B gzip (${budget.files.join(' + ')}); ceiling ${budget.maxGzipBytes}, recorded ${budget.recordedGzipBytes}`);
  assert.ok(total <= budget.maxGzipBytes, `${total} B over the ${budget.maxGzipBytes} B ceiling`);
  assert.ok(total <= budget.recordedGzipBytes * 1.1, `${total} B grew more than 10 % over the recorded ${budget.recordedGzipBytes} B`);
});
