// The classic script carries its wasm inside itself: a page makes one request, not two, and
// nothing waits for a second round trip before init() can run (ES module users get the
// separate .wasm file, fetched by prefetch.js). The build puts the bytes in as a latin-1
// string, one character per byte: its gzip is 3 % (1.1 KB) larger than the file's own.
import { WASM } from 'sessionsight:wasm';

/**
 * The string's bytes. Where `Uint8Array.fromBase64` exists, two native passes (btoa takes a
 * latin-1 string): 0.3 ms instead of 1.5–4 ms for the loop, which the first run interprets.
 */
function bytesOf(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(btoa(text));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The loader `createSessionSight` takes: compiles once, instantiates through the glue's `initSync`. */
export function embeddedWasm(initSync) {
  let module = null;
  return async () => {
    module = module || new WebAssembly.Module(bytesOf(WASM));
    return initSync({ module });
  };
}
