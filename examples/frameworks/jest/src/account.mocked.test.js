// The recipe for unit tests of app code: mock the SDK module (ESM: unstable_mockModule) and
// assert on the calls.
import { expect, jest, test } from '@jest/globals';

jest.unstable_mockModule('@sessionsight/insights', () => ({ default: { init: jest.fn(async () => {}), identify: jest.fn() } }));

const { default: SessionSight } = await import('@sessionsight/insights');
const { signedIn } = await import('./account.js');

test('signedIn() identifies the user', () => {
  signedIn({ id: 'user_42', plan: 'pro', name: 'Ana' });
  expect(SessionSight.identify).toHaveBeenCalledWith({ id: 'user_42', plan: 'pro' });
});
