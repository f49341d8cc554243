// The classic script carries its wasm inside itself: a page makes one request, not two, and
// nothing waits for a second round trip before init() can run (ES module users get the
// separate .wasm file, fetched by prefetch.js). The build puts the bytes in as a latin-1
// string: one character per byte, which compresses nearly as well as the file itself.
import { WASM } from 'sessionsight:wasm';

/** The loader `createSessionSight` takes: compiles once, instantiates through the glue's `initSync`. */
export function embeddedWasm(initSync) {
  let module = null;
  return async () => {
    if (!module) {
      const bytes = new Uint8Array(WASM.length);
      for (let i = 0; i < bytes.length; i++) bytes[i] = WASM.charCodeAt(i);
      module = new WebAssembly.Module(bytes);
    }
    return initSync({ module });
  };
}
