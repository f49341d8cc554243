// App code that imports the SDK, tested with Jest in jsdom (which has no TextDecoder, fetch or
// Response): the real SDK imports safely, and calls made before init() are queued.
import { expect, test } from '@jest/globals';
import SessionSight from '@sessionsight/insights';
import { signedIn } from './account.js';

test('app code importing the SDK runs in jsdom', () => {
  expect(signedIn({ id: 'user_42', plan: 'pro', name: 'Ana' })).toBe('Welcome back, Ana');
});

test('init() without the wasm says where it looked and what to do', async () => {
  await expect(SessionSight.init({ apiKey: 'pk_test' })).rejects.toThrow(/cannot load the wasm at file:.*sessionsight_bg\.wasm.*wasmUrl.*mock '@sessionsight\/insights'/);
});

test('validate() answers only once the wasm is loaded: a clear error, never null', () => {
  expect(() => SessionSight.validate({ id: 'ana@example.com' })).toThrow(/need the wasm core: await init\(\) first/);
});
