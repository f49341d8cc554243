// Starts fetching and compiling the SDK's wasm the moment an entry script is evaluated, so
// the download and compilation overlap the page's own work instead of waiting for init().
// A failure is kept for init() to report: nothing rejects unobserved if init() is never called.

/** Fetch + compile: streaming when the server labels the file application/wasm, else from its bytes. */
function compile(url) {
  return fetch(url).then((res) => {
    if (!res.ok) throw new Error(`SessionSight: ${res.status} fetching ${url}`);
    const labelled = /^application\/wasm\s*(;|$)/i.test(res.headers.get('Content-Type') || '');
    return labelled && WebAssembly.compileStreaming ? WebAssembly.compileStreaming(res)
      : res.arrayBuffer().then((bytes) => WebAssembly.compile(bytes));
  });
}

/**
 * Begins compiling `url` now (in a browser) and returns the loader `createSessionSight` takes:
 * it instantiates the compiled module through the wasm-bindgen glue `initWasm`. After a
 * failure the next init() fetches again.
 */
export function prefetchWasm(url, initWasm) {
  let pending = null;
  const begin = () => {
    pending = compile(url);
    pending.catch(() => {}); // observed here; init() still sees the rejection
    return pending;
  };
  if (typeof window !== 'undefined' && typeof fetch === 'function' && typeof WebAssembly === 'object') begin();
  return async () => {
    const compiling = pending || begin();
    try {
      return await initWasm({ module_or_path: await compiling });
    } catch (e) {
      if (pending === compiling) pending = null;
      throw e;
    }
  };
}
