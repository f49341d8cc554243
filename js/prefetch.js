// Starts compiling the SDK's wasm the moment an entry script is evaluated, so the download,
// inflation and compilation overlap the page's own work instead of waiting for init().
// A failure is kept for init() to report: nothing rejects unobserved if init() is never called.

/**
 * Compiles a wasm from a URL (fetched) or a Response: streaming when it is labelled
 * application/wasm, else from its bytes.
 */
export function compileWasm(source) {
  return Promise.resolve(source instanceof Response ? source : fetch(source)).then((res) => {
    if (!res.ok) throw new Error(`SessionSight: ${res.status} fetching ${source}`);
    const labelled = /^application\/wasm\s*(;|$)/i.test(res.headers.get('Content-Type') || '');
    return labelled && WebAssembly.compileStreaming ? WebAssembly.compileStreaming(res)
      : res.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
  });
}

/**
 * Calls `compile` now (in a browser) and returns the loader `createSessionSight` takes: it
 * instantiates the compiled module through the wasm-bindgen glue's `initSync` (the module is
 * compiled already, so nothing is left to await; and the glue's fetching `init` with its
 * fallbacks and warnings is not bundled: -0.4 KB gzip). After a failure the next init()
 * compiles again.
 */
export function prefetchWasm(compile, initSync) {
  let pending = null;
  const begin = () => {
    pending = compile();
    pending.catch(() => {}); // observed here; init() still sees the rejection
    return pending;
  };
  if (typeof window !== 'undefined' && typeof fetch === 'function' && typeof WebAssembly === 'object') begin();
  return async () => {
    const compiling = pending || begin();
    try {
      return initSync({ module: await compiling });
    } catch (e) {
      if (pending === compiling) pending = null;
      throw e;
    }
  };
}
