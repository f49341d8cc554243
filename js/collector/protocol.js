// The wire protocol as the collector reads it (SPEC §5): decodes a body, checks the batch with
// the SDK's own wasm rules, and keeps only the protocol's fields, so nothing else is ever stored.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { initSync, checkEvent } from '../../pkg/collector/sessionsight.js';

export const MAX_BODY = 1024 * 1024;
export const MAX_EVENTS = 1000;
/**
 * The characters of `id`, `email` and custom keys and values one batch may ask the PII scan to
 * read. The largest event the SDK sends has about 23,600 (20 keys of 128 and values of 1,024,
 * an id, an email), so any single event fits; a bigger batch is answered 413, which the SDK
 * answers by splitting it.
 * It keeps the CPU one request costs small: a 1 MiB body of crafted values would cost seconds.
 */
export const MAX_SCANNED_CHARS = 64 * 1024;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const COMMON = ['type', 'messageId', 'timestamp', 'visitorId', 'sessionId'];
const FIELDS = {
  session_start: [...COMMON, 'previousSessionId', 'reason'],
  identify: [...COMMON, 'id', 'email', 'customProperties'],
};

export class BadRequest extends Error {
  constructor(status, error, detail) {
    super(detail);
    this.status = status;
    this.error = error;
  }
}

let wasmReady = false;
/** Loads the collector's wasm build of the SDK core (pkg/collector/) once. */
export function loadCore() {
  if (!wasmReady) {
    initSync({ module: readFileSync(new URL('../../pkg/collector/sessionsight_bg.wasm', import.meta.url)) });
    wasmReady = true;
  }
}

function decode(raw, rawEncoding) {
  const encoding = typeof rawEncoding === 'string' ? rawEncoding.trim().toLowerCase() : '';
  if (encoding === 'gzip') {
    try {
      return gunzipSync(raw, { maxOutputLength: MAX_BODY });
    } catch (e) {
      if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new BadRequest(413, 'payload_too_large', 'body inflates past 1 MiB');
      throw new BadRequest(400, 'bad_encoding', 'body is not valid gzip');
    }
  }
  if (encoding && encoding !== 'identity') {
    throw new BadRequest(415, 'unsupported_encoding', `Content-Encoding ${encoding.slice(0, 40)} is not supported`);
  }
  return raw;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const chars = (v) => (typeof v === 'string' ? v.length : 0);

/** How many characters of this event the PII scan would read (cheap: no scan). */
function scannedChars(event) {
  if (!isObject(event)) return 0;
  let n = chars(event.id) + chars(event.email);
  if (isObject(event.customProperties)) {
    for (const k in event.customProperties) n += k.length + chars(event.customProperties[k]);
  }
  return n;
}

/** The event with the protocol's fields of its type only (checked before, so `type` is known). */
function protocolFields(event) {
  const out = {};
  for (const k of FIELDS[event.type]) if (event[k] !== undefined) out[k] = event[k];
  return out;
}

/**
 * Parses and checks one wire-format batch (SPEC §5); throws BadRequest naming the problem.
 * Returns `{ apiKey, sentAt, dropped, events }` where each event holds protocol fields only.
 */
export function parseBatch(raw, rawEncoding) {
  const bytes = decode(raw, rawEncoding);
  let body;
  try { body = JSON.parse(bytes.toString('utf8')); } catch (e) { throw new BadRequest(400, 'malformed_json', 'body is not JSON'); }
  if (!isObject(body)) throw new BadRequest(400, 'not_an_object', 'body must be a JSON object');
  if (typeof body.apiKey !== 'string' || !body.apiKey) throw new BadRequest(400, 'invalid_api_key', 'apiKey must be a non-empty string');
  if (typeof body.sentAt !== 'string' || !ISO_8601.test(body.sentAt) || Number.isNaN(Date.parse(body.sentAt))) throw new BadRequest(400, 'invalid_sent_at', 'sentAt must be an ISO-8601 string');
  if (body.dropped !== undefined && !(Number.isInteger(body.dropped) && body.dropped >= 0)) throw new BadRequest(400, 'invalid_dropped', 'dropped must be a non-negative integer');
  if (!Array.isArray(body.events)) throw new BadRequest(400, 'invalid_events', 'events must be an array');
  if (body.events.length > MAX_EVENTS) throw new BadRequest(413, 'too_many_events', `more than ${MAX_EVENTS} events`);
  let scanned = 0;
  for (const event of body.events) scanned += scannedChars(event);
  if (scanned > MAX_SCANNED_CHARS) throw new BadRequest(413, 'too_much_text', `the batch carries more than ${MAX_SCANNED_CHARS} characters of values to check; send fewer events per batch`);
  loadCore();
  const events = body.events.map((event, index) => {
    const problem = checkEvent(event);
    if (problem) throw new BadRequest(422, 'invalid_event', `events[${index}].${problem.field}: ${problem.code}: ${problem.message}`);
    return protocolFields(event);
  });
  return { apiKey: body.apiKey, sentAt: body.sentAt, dropped: body.dropped || 0, events };
}
