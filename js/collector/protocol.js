// The wire protocol as the collector reads it (SPEC §5, §6): inflates a body within bounded
// cost, then checks the whole batch in one call into the SDK's own core (src/intake.rs), which
// holds every field to the protocol's grammar, makes ids canonical and keeps only the
// protocol's fields, so nothing else is ever stored.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { initSync, checkBatch } from '../../pkg/collector/sessionsight.js';

/**
 * The largest body, on the wire and once inflated. The SDK's batches stay under 60,000 bytes;
 * one event alone can be larger (20 custom properties of 1,024 characters, each character
 * escaped as \uXXXX in the worst case: about 140 KB), so 256 KiB fits everything it sends.
 */
export const MAX_BODY = 256 * 1024;
/**
 * Compressed bodies may inflate to this many times their size, and any body to 64 KiB: a
 * real batch compresses 3-20 times, a crafted one 1,000 times (1 KB that inflates to 1 MiB).
 */
export const MAX_RATIO = 100;
const FREE_INFLATE = 64 * 1024;

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

/** The most a compressed body of `size` bytes may inflate to. */
const inflateCap = (size) => Math.min(MAX_BODY, Math.max(FREE_INFLATE, size * MAX_RATIO));

function decode(raw, rawEncoding) {
  const encoding = typeof rawEncoding === 'string' ? rawEncoding.trim().toLowerCase() : '';
  if (encoding === 'gzip') {
    const cap = inflateCap(raw.length);
    try {
      // Inflation stops at the cap: a crafted body costs at most `cap` bytes of work.
      return gunzipSync(raw, { maxOutputLength: cap });
    } catch (e) {
      if (e.code === 'ERR_BUFFER_TOO_LARGE') {
        const why = cap < MAX_BODY ? `more than ${MAX_RATIO} times its ${raw.length} bytes` : `past ${MAX_BODY} bytes`;
        throw new BadRequest(413, 'payload_too_large', `body inflates ${why}`);
      }
      throw new BadRequest(400, 'bad_encoding', 'body is not valid gzip');
    }
  }
  if (encoding && encoding !== 'identity') {
    throw new BadRequest(415, 'unsupported_encoding', `Content-Encoding ${encoding.slice(0, 40)} is not supported`);
  }
  return raw;
}

/**
 * Decodes and checks one wire-format batch (SPEC §5); throws BadRequest naming the problem.
 * Returns `{ dropped, records }`, each record `{ messageId, type, visitorId, sessionId,
 * timestamp, receivedAt, dropped, json }` where `json` is the stored record's text (protocol fields, `receivedAt`,
 * `dropped`) and the ids are canonical.
 */
export function parseBatch(raw, rawEncoding, receivedAt = new Date().toISOString()) {
  const bytes = decode(raw, rawEncoding);
  loadCore();
  const out = checkBatch(bytes, receivedAt);
  const lines = out.split('\n');
  const head = lines[0].split('\t');
  if (head[0] !== 'ok') throw new BadRequest(Number(head[1]), head[2], head.slice(3).join('\t'));
  const dropped = Number(head[1]);
  // Six tab-separated fields a line: the checked keys hold no tab, and the record's JSON text is
  // compact with tabs and newlines inside strings escaped.
  const records = lines.slice(1).map((line) => {
    const [messageId, type, visitorId, sessionId, timestamp, json] = line.split('\t');
    return { messageId, type, visitorId, sessionId, timestamp, receivedAt, dropped, json };
  });
  return { dropped, records };
}
