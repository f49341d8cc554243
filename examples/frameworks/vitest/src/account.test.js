// App code that imports the SDK, tested with Vitest in jsdom: the real SDK imports safely and
// calls made before init() are queued (nothing is sent, nothing throws). The module carries its
// wasm, so init() works here too (Node's DecompressionStream inflates it): validate() then answers.
import { expect, test } from 'vitest';
import SessionSight from '@sessionsight/insights';
import { signedIn } from './account.js';

test('app code importing the SDK runs in jsdom', () => {
  expect(signedIn({ id: 'user_42', plan: 'pro', name: 'Ana' })).toBe('Welcome back, Ana');
});

test('validate() answers only once the wasm is loaded: a clear error, never null', () => {
  expect(() => SessionSight.validate({ id: 'ana@example.com' })).toThrow(/need the wasm core: await init\(\) first/);
});

test('init() inflates the wasm the module carries, nothing fetched; then validate() answers', async () => {
  await SessionSight.init({ apiKey: 'pk_test', filterBots: false });
  expect(SessionSight.validate({ id: 'ana@example.com' })?.code).toBe('id_email_shaped');
});
