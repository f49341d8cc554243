// Type declarations for @sessionsight/insights (the ES module and window.SessionSight).

export type Consent = 'granted' | 'denied';

export interface InitOptions {
  /** Public project key sent with every batch. */
  apiKey: string;
  /** Ingest URL; defaults to `/ingest` on the page's origin. */
  endpoint?: string;
  /** Cookie `Domain`; by default the registrable domain found by a trial write. */
  cookieDomain?: string;
  /** Initial consent; `'denied'` keeps ids in memory only. Default `'granted'`. */
  consent?: Consent;
  /** Log delivery problems to the console. */
  debug?: boolean;
  /** Receives errors nobody else can catch: replayed calls, rejected batches, failed retries. */
  onError?: (error: Error) => void;
  /** Most events per request (default 50). */
  batchSize?: number;
  /** How often queued events are sent, in ms (default 1000). */
  flushIntervalMs?: number;
  /** Inactivity after which the next activity starts a new session (default 30 min). */
  sessionIdleTimeoutMs?: number;
  /** Longest a session may last (default 24 h). */
  sessionMaxLengthMs?: number;
  /** Most events kept while the collector is unreachable (default 1000; oldest dropped first). */
  maxQueueSize?: number;
  /** Deadline of each request in ms (default 10 000): one that never answers is a network error. */
  requestTimeoutMs?: number;
  /** Where `sessionsight_bg.wasm` is served when not beside the ES module (ES module entry only). */
  wasmUrl?: string | URL;
  /**
   * Sees each event as it will go on the wire; returns it (changed) or `null` to drop it. Only an
   * identify's `id`, `email` and `customProperties` may change: they are validated and scrubbed
   * again. A hook that throws or changes a protocol field loses that event (reported once).
   */
  beforeSend?: (event: WireEvent) => WireEvent | null;
  /** A browser sending Global Privacy Control starts denied until the site grants (default true). */
  respectGpc?: boolean;
  /** Keep bots, crawlers and automated browsers out: such a page writes and sends nothing (default true). */
  filterBots?: boolean;
  /** More user agents to filter: strings (found anywhere, any case) or RegExps. */
  botPatterns?: Array<string | RegExp>;
}

/** A `session_start` event as it goes on the wire. */
export interface SessionStartEvent {
  readonly type: 'session_start';
  readonly messageId: string;
  readonly timestamp: string;
  readonly visitorId: string;
  readonly sessionId: string;
  readonly previousSessionId: string | null;
  readonly reason: 'new_tab' | 'sealed' | 'idle' | 'max_length' | 'reset' | 'consent';
}

/** An `identify` event as it goes on the wire: `beforeSend` may change `id`, `email`, `customProperties`. */
export interface IdentifyEvent {
  readonly type: 'identify';
  readonly messageId: string;
  readonly timestamp: string;
  readonly visitorId: string;
  readonly sessionId: string;
  id?: string;
  email?: string;
  customProperties: Record<string, string | number | boolean>;
}

export type WireEvent = SessionStartEvent | IdentifyEvent;

/** A custom property value: strings (≤ 1024 characters), finite numbers, booleans. */
export type PropertyValue = string | number | boolean | null | undefined;

export interface IdentifyPayload {
  /** Opaque stable user id (≤ 256 characters, not an email, no PII). */
  id?: string | number | null;
  /** Trimmed and lower-cased; ≤ 320 characters. */
  email?: string | null;
  /** Up to 20 custom properties, keys ≤ 128 characters. */
  [key: string]: PropertyValue;
}

export type ValidationCode =
  | 'not_an_object' | 'id_type' | 'id_empty' | 'id_email_shaped' | 'id_contains_pii' | 'id_too_long'
  | 'email_type' | 'email_invalid' | 'email_too_long'
  | 'key_too_long' | 'key_reserved' | 'value_too_long' | 'value_type' | 'too_many_properties'
  /** A getter threw, a revoked Proxy, or a getter called the SDK while the payload was read. */
  | 'payload_unreadable'
  /** beforeSend changed, removed or added a field that is not the caller's. */
  | 'protocol_field';

/** The PII families whose values identify() drops from custom properties. */
export type PiiFamily = 'ssn' | 'card' | 'iban' | 'phone' | 'credential';

/** What identify() would do with a payload, without sending anything. */
export interface Explanation {
  /** The error identify() would throw, or null. */
  error: SessionSightValidationError | null;
  /** Custom keys that would be dropped as PII, with their family (never the value). */
  dropped: Array<{ key: string; family: PiiFamily }>;
}

/** Delivery figures for dashboards and the demo (`SessionSight.__stats()`, not a stable API). */
export interface DeliveryStats {
  wasmMemoryBytes: number;
  /** Events queued in this tab, in flight included. */
  pending: number;
  /** Requests sent and not answered yet. */
  inFlight: number;
  /** Milliseconds until the retry after a failure; null when not backing off. */
  nextRetryInMs: number | null;
  /** HTTP status of the last answer (0: network error or deadline passed); null before any. */
  lastStatus: number | null;
  /** True once a storage write failed (events are kept in memory). */
  storageFailed: boolean;
  /** True after an internal fault switched the SDK off. */
  disabled: boolean;
}

/** Thrown synchronously by identify() on a caller bug. */
export class SessionSightValidationError extends Error {
  readonly name: 'SessionSightValidationError';
  /** Stable machine-readable rule. */
  readonly code: ValidationCode;
  /** The offending field: `id`, `email`, a custom key, `customProperties` or `payload`. */
  readonly field: string;
  constructor(message: string, code: ValidationCode, field: string);
}

export interface SessionSightApi {
  init(options: InitOptions): Promise<void>;
  identify(payload: IdentifyPayload): void;
  getVisitorId(): string;
  getSessionId(): string;
  setConsent(consent: Consent): void;
  /** The consent the SDK acts on (before init(): the one it will start with). */
  getConsent(): Consent;
  reset(): void;
  flush(): Promise<void>;
  /** identify()'s checks without sending (null when valid), e.g. to validate a form as you type.
   *  Throws before init() has loaded the wasm core (and on servers): it never answers unchecked. */
  validate(payload: unknown): SessionSightValidationError | null;
  /** identify()'s verdict on a payload: its error and the keys it would drop as PII. */
  explain(payload: unknown): Explanation;
  /** Delivery state (not a stable API). */
  __stats(): DeliveryStats;
}

export declare function init(options: InitOptions): Promise<void>;
export declare function identify(payload: IdentifyPayload): void;
export declare function getVisitorId(): string;
export declare function getSessionId(): string;
export declare function setConsent(consent: Consent): void;
export declare function getConsent(): Consent;
export declare function reset(): void;
export declare function flush(): Promise<void>;
export declare function validate(payload: unknown): SessionSightValidationError | null;
export declare function explain(payload: unknown): Explanation;

declare const SessionSight: SessionSightApi;
export default SessionSight;

declare global {
  interface Window {
    SessionSight: SessionSightApi & { SessionSightValidationError: typeof SessionSightValidationError };
  }
}
