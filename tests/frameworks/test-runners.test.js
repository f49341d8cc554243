// examples/frameworks/{vitest,jest}: app code that imports the SDK, tested in jsdom with the
// real package (safe import, init()'s message, validate()) and with the module mocked (README recipe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, inApp } from './harness.js';

test('Vitest 5 + jsdom: the consumer tests pass', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ss-vitest-')), 'report.json');
  inApp('vitest', bin('vitest'), ['run', '--reporter=json', `--outputFile=${file}`]);
  const out = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual({ passed: out.numPassedTests, failed: out.numFailedTests }, { passed: 4, failed: 0 });
});

test('Jest 30 + jsdom (ESM): the consumer tests pass', () => {
  const out = JSON.parse(inApp('jest', bin('jest'), ['--ci', '--json'], { NODE_OPTIONS: '--experimental-vm-modules' }));
  assert.deepEqual({ passed: out.numPassedTests, failed: out.numFailedTests }, { passed: 4, failed: 0 });
});
