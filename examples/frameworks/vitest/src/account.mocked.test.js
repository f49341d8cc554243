// The recipe for unit tests of app code: mock the SDK module and assert on the calls.
import { expect, test, vi } from 'vitest';

vi.mock('@sessionsight/insights', () => ({ default: { init: vi.fn(async () => {}), identify: vi.fn() } }));

const { default: SessionSight } = await import('@sessionsight/insights');
const { signedIn } = await import('./account.js');

test('signedIn() identifies the user', () => {
  signedIn({ id: 'user_42', plan: 'pro', name: 'Ana' });
  expect(SessionSight.identify).toHaveBeenCalledWith({ id: 'user_42', plan: 'pro' });
});
