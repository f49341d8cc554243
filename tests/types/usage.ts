// A typed consumer of the package: `tsc --noEmit` must accept every line, and the lines
// marked @ts-expect-error must stay errors, so the declarations can neither loosen nor break.
import SessionSight, { init, identify, getVisitorId, getConsent, SessionSightValidationError, type Consent, type InitOptions, type WireEvent } from '@sessionsight/insights';
import { forRequest, type SessionContext } from '@sessionsight/insights/server';

const options: InitOptions = {
  apiKey: 'pk_demo', endpoint: '/ingest', consent: 'granted', debug: true, batchSize: 20,
  flushIntervalMs: 500, sessionIdleTimeoutMs: 1_800_000, sessionMaxLengthMs: 86_400_000,
  onError: (e: Error) => console.warn(e.message),
  respectGpc: true, filterBots: true, botPatterns: ['acme-monitor', /internal-crawler\/\d/],
  beforeSend(event: WireEvent): WireEvent | null {
    if (event.type === 'session_start') return event;
    delete event.customProperties.token;
    return event.customProperties.plan === 'internal' ? null : event;
  },
};

async function main(): Promise<void> {
  await init(options);
  identify({ id: 'user_abc123', email: 'ana@example.com', plan: 'pro', seats: 3, beta: true, team: undefined });
  identify({ id: 42 });
  const visitor: string = getVisitorId();
  const session: string = SessionSight.getSessionId();
  SessionSight.setConsent('denied');
  const consent: Consent = getConsent();
  const same: 'granted' | 'denied' = window.SessionSight.getConsent();
  console.log(consent, same, window.SessionSight.validate({}), window.SessionSight.explain({}).dropped);
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
  // @ts-expect-error a protocol field is read-only for beforeSend
  await init({ apiKey: 'k', beforeSend: (e: WireEvent) => { e.visitorId = 'x'; return e; } });
  // @ts-expect-error filterBots is a boolean
  await init({ apiKey: 'k', filterBots: 'no' });
  // @ts-expect-error nested objects are not property values
  identify({ plan: { tier: 'pro' } });
}

void main;
