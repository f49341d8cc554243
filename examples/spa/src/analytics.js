// Starts SessionSight and links the visitor to the signed-in user. Called from App's effect in
// the browser; during server-side rendering every SDK call here is a no-op.
import SessionSight from '@sessionsight/insights';

export async function startAnalytics(user) {
  await SessionSight.init({ apiKey: 'pk_spa', flushIntervalMs: 100 });
  SessionSight.identify(user);
  return SessionSight.getVisitorId();
}
