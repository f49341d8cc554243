// A typed consumer of the package: `tsc --noEmit` must accept every line, and the lines
// marked @ts-expect-error must stay errors, so the declarations can neither loosen nor break.
import SessionSight, { init, identify, getVisitorId, SessionSightValidationError, type InitOptions } from '@sessionsight/insights';
import { forRequest, type SessionContext } from '@sessionsight/insights/server';

const options: InitOptions = {
  apiKey: 'pk_demo', endpoint: '/ingest', consent: 'granted', debug: true, batchSize: 20,
  flushIntervalMs: 500, sessionIdleTimeoutMs: 1_800_000, sessionMaxLengthMs: 86_400_000,
  onError: (e: Error) => console.warn(e.message),
};

async function main(): Promise<void> {
  await init(options);
  identify({ id: 'user_abc123', email: 'ana@example.com', plan: 'pro', seats: 3, beta: true, team: undefined });
  identify({ id: 42 });
  const visitor: string = getVisitorId();
  const session: string = SessionSight.getSessionId();
  SessionSight.setConsent('denied');
  SessionSight.reset();
  await SessionSight.flush();
  try {
    identify({ id: 'ana@example.com' });
  } catch (e) {
    if (e instanceof SessionSightValidationError) {
      const code: string = e.code;
      const field: string = e.field;
      console.log(code, field, visitor, session);
    }
  }
  const ctx: SessionContext = forRequest('ss_vid=x', { sessionId: 'y' });
  const maybe: string | null = ctx.visitorId;
  console.log(maybe);

  // @ts-expect-error apiKey is required
  await init({ endpoint: '/ingest' });
  // @ts-expect-error consent is 'granted' | 'denied'
  SessionSight.setConsent('maybe');
  // @ts-expect-error nested objects are not property values
  identify({ plan: { tier: 'pro' } });
}

void main;
