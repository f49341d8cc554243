// The ids `ensureIdentity` mints, as the browser SDK mints them: a UUID v4 visitor id and a
// UUID v7 session id, from Web Crypto wherever the server helper runs.

const isFn = (f) => typeof f === 'function';

// Web Crypto: global in Node ≥ 19, Deno, Bun and Workers. Node 18 has it only as
// `node:crypto`'s `webcrypto`, loaded here in the background (not awaited: a top-level await
// would stop CommonJS code from `require()`-ing this module).
let webCrypto = globalThis.crypto;
if (!(webCrypto && isFn(webCrypto.getRandomValues)) && typeof process === 'object') {
  const name = 'node:crypto';
  import(/* webpackIgnore: true */ /* @vite-ignore */ name).then((m) => { webCrypto = m.webcrypto; }, () => {});
}

function randomBytes(n) {
  if (!(webCrypto && isFn(webCrypto.getRandomValues))) {
    throw new Error('ensureIdentity needs Web Crypto (crypto.getRandomValues)');
  }
  return webCrypto.getRandomValues(new Uint8Array(n));
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const dashed = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

/** A random UUID v4 (the visitor id). */
export function uuidV4() {
  if (webCrypto && isFn(webCrypto.randomUUID)) return webCrypto.randomUUID();
  const b = randomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return dashed(hex(b));
}

/** A UUID v7 (the session id, as the SDK mints it): 48 bits of Unix ms, then randomness. */
export function uuidV7(nowMs) {
  const b = randomBytes(16);
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  return dashed(hex(b));
}
