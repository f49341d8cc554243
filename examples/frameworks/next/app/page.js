// A server component: the ids of this request, known on the very first render.
import { cookies } from 'next/headers';
import { forRequest } from '@sessionsight/insights/server';
import { SessionSightProvider } from '@sessionsight/insights/react';
import Account from './account';

export default async function Page() {
  const { visitorId, sessionId } = forRequest(await cookies());
  const user = { id: 'user_42', plan: 'pro' }; // what your auth layer says
  return (
    <main>
      <p>Server render: visitor <code id="ssr-visitor">{visitorId}</code>, session <code id="ssr-session">{sessionId}</code></p>
      {/* filterBots: false only because this example's own tests drive a headless browser. */}
      <SessionSightProvider apiKey="pk_test_example" endpoint={process.env.SESSIONSIGHT_ENDPOINT} filterBots={false}>
        <Account user={user} />
      </SessionSightProvider>
    </main>
  );
}
