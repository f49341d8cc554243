// examples/frameworks/{vitest,jest}: app code that imports the SDK, tested in jsdom with the
// real package (safe import, init()'s message, validate()) and with the module mocked (README recipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bin, inApp } from './harness.js';

test('Vitest 5 + jsdom: the consumer tests pass', () => {
  const out = inApp('vitest', bin('vitest'), ['run']);
  assert.match(out, /Tests\s+4 passed \(4\)/, out);
});

test('Jest 30 + jsdom (ESM): the consumer tests pass', () => {
  const out = JSON.parse(inApp('jest', bin('jest'), ['--ci', '--json'], { NODE_OPTIONS: '--experimental-vm-modules' }));
  assert.deepEqual({ passed: out.numPassedTests, failed: out.numFailedTests }, { passed: 4, failed: 0 });
});
