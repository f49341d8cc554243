// App code under test: it imports the SDK like any module of the app.
import SessionSight from '@sessionsight/insights';

export function signedIn(user) {
  SessionSight.identify({ id: user.id, plan: user.plan });
  return `Welcome back, ${user.name}`;
}
