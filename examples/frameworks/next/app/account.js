'use client';
import { useIdentify, useSessionSight } from '@sessionsight/insights/react';

export default function Account({ user }) {
  useIdentify(user); // on hydration, and whenever the user changes
  const ids = useSessionSight();
  return <p>Browser SDK: visitor <code id="sdk-visitor">{ids?.visitorId}</code>, session <code id="sdk-session">{ids?.sessionId}</code></p>;
}
