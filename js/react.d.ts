// Types for `@sessionsight/insights/react`.
import type { ReactNode } from 'react';
import SessionSight from '../dist/index.js';

type InitOptions = Parameters<typeof SessionSight.init>[0];

/** Starts the SDK once, in the browser, after hydration; its props are init()'s options. */
export declare function SessionSightProvider(props: InitOptions & { children?: ReactNode }): ReactNode;
/** `{ visitorId, sessionId }` once the SDK has started; `null` before and during SSR. */
export declare function useSessionSight(): { visitorId: string; sessionId: string } | null;
/** Calls identify(user) after hydration and whenever `user` changes (by value); a falsy user does nothing. */
export declare function useIdentify(user: Parameters<typeof SessionSight.identify>[0] | null | undefined | false): void;
export { SessionSight };
