// Both entries (the classic script and the ES module) carry the wasm inside themselves: a page
// makes one request, not two, nothing waits for a second round trip before init() can run, and
// one Subresource Integrity hash covers the classic script's code and wasm. The build stores it
// zopfli-compressed (zlib format) in base64: gzip cannot shrink base64 of compressed bytes
// further, so the page downloads 30.0 KB for it where gzip of the bare wasm is 31.7 KB (0.2.0;
// the latin-1 string of the raw bytes used before cost 3 % more than the bare wasm). The
// browser's own DecompressionStream inflates it.
import { WASM } from 'sessionsight:wasm';
import { compileWasm, prefetchWasm } from './prefetch.js';

function bytesOf(base64) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * Inflates and compiles the embedded module, streaming. An engine without DecompressionStream
 * (Safari before 16.4, Firefox before 113) fetches the .wasm served beside the entry instead
 * (`fallback()` is its URL).
 */
async function compile(fallback) {
  if (typeof DecompressionStream !== 'function') return compileWasm(fallback());
  // Written straight into the stream: a Blob's stream() would read its bytes back through the
  // browser process (3.6 ms more before ready).
  const inflate = new DecompressionStream('deflate');
  const writer = inflate.writable.getWriter();
  writer.write(bytesOf(WASM)).catch(() => {}); // a failure rejects the compile, reported there
  writer.close().catch(() => {});
  return compileWasm(new Response(inflate.readable, { headers: { 'Content-Type': 'application/wasm' } }));
}

/** The loader `createSessionSight` takes: compiling starts when the entry is evaluated. */
export const embeddedWasm = (initSync, fallback) => prefetchWasm(() => compile(fallback), initSync);
