// Payloads cross into the wasm core only as fresh plain objects of primitives: getters run once,
// here in JavaScript, so a throwing getter, a revoked Proxy or a getter that calls back into the
// SDK becomes a SessionSightValidationError (`payload_unreadable`) instead of a raw error or a
// wasm re-entrancy fault. Also the cheap key behind identify()'s unchanged-call fast path.
import { SessionSightValidationError } from './errors.js';

const NOOP = function () {};
let depth = 0;
let reentered = false;

function unreadable() {
  return new SessionSightValidationError('payload unreadable', 'payload_unreadable', 'payload');
}

/** Called by every API entry: inside a payload getter, the SDK refuses to be re-entered. */
export function refuseReentry() {
  if (depth > 0) {
    reentered = true;
    throw unreadable();
  }
}

/** A stand-in of the same kind for a value the core only classifies (never reads into). */
function flat(v) {
  const t = typeof v;
  if (t === 'function') return NOOP;
  if (v !== null && t === 'object') return Array.isArray(v) ? [] : {};
  return v; // string, number, boolean, bigint, symbol, undefined, null
}

function copy(payload) {
  if (payload === null || (typeof payload !== 'object' && typeof payload !== 'function')) return payload;
  // Arrays, functions, class instances, Dates, Maps: not a plain object; `[]` tells the core so.
  if (typeof payload === 'function' || Array.isArray(payload)) return [];
  const proto = Object.getPrototypeOf(payload);
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return [];
  const out = {};
  for (const key of Object.keys(payload)) {
    const value = flat(payload[key]);
    // defineProperty only where assignment would set the prototype instead: a `__proto__` key
    // stays a plain key (assignment is 4× faster, and this runs on every identify()).
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/** The payload as the core will see it; throws `payload_unreadable` when it cannot be read. */
export function snapshot(payload) {
  refuseReentry();
  depth++;
  reentered = false;
  try {
    const out = copy(payload);
    if (reentered) throw unreadable();
    return out;
  } catch (e) {
    throw e instanceof SessionSightValidationError && e.code === 'payload_unreadable' ? e : unreadable();
  } finally {
    depth--;
  }
}

/**
 * An exact key for a snapshot made only of strings, finite numbers and booleans (null for
 * anything else, which must go through the core's full checks).
 */
export function payloadKey(data) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  let key = '';
  for (const k of Object.keys(data)) {
    const v = data[k];
    const t = typeof v;
    if (v === undefined || v === null) continue;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isFinite(v))) return null;
    key += `${k}\u0000${t[0]}${v}\u0001`;
  }
  return key;
}

/** `init()` options read once into a plain object (throwing getters reject init, not later calls). */
export function snapshotOptions(options) {
  if (!options || typeof options !== 'object') throw new TypeError('SessionSight.init: options must be an object');
  return { ...options };
}
