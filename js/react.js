'use client';
// React bindings (`@sessionsight/insights/react`): <SessionSightProvider> starts the SDK once,
// in the browser only, and useIdentify(user) calls identify() on hydration and whenever the
// user changes: wherever the app reads its current user from a store or context (seed 004).
import { createContext, createElement, useContext, useEffect, useState } from 'react';
import SessionSight from '../dist/index.js';

const Ids = createContext(null);

/** Starts the SDK with `options` (init()'s) after hydration; children read its ids with useSessionSight(). */
export function SessionSightProvider({ children, ...options }) {
  const [ids, setIds] = useState(null);
  useEffect(() => {
    let live = true;
    SessionSight.init(options).then(() => {
      if (live) setIds({ visitorId: SessionSight.getVisitorId(), sessionId: SessionSight.getSessionId() });
    }, (e) => (typeof options.onError === 'function' ? options.onError(e) : console.error('[SessionSight]', e)));
    return () => { live = false; };
  }, []); // init() is once per page: later option changes are not applied
  return createElement(Ids.Provider, { value: ids }, children);
}

/** `{ visitorId, sessionId }` once the SDK has started, `null` before (and during SSR). */
export function useSessionSight() {
  return useContext(Ids);
}

/** identify(user) after hydration and whenever `user` changes (compared by value); nothing for a falsy user. */
export function useIdentify(user) {
  const key = user ? JSON.stringify(user) : '';
  useEffect(() => {
    if (!user) return;
    try {
      SessionSight.identify(user);
    } catch (e) {
      console.error('[SessionSight] identify()', e); // a caller bug in the payload: reported, the page goes on
    }
  }, [key]);
}

export { SessionSight };
