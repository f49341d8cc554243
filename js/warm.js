// Opens the browser's stores while the wasm compiles. The first access to localStorage,
// sessionStorage and document.cookie is each a synchronous round trip to the browser process
// (7.7 ms together in Chromium), which init() would otherwise pay after the compile has
// finished. Nothing is written: what init() then reads and decides is unchanged.

/** Reads one key from each store on the next task; a refused store is init()'s to report. */
export function warmStores() {
  setTimeout(() => {
    for (const touch of [() => localStorage.getItem('ss_vid'), () => sessionStorage.getItem('ss_vid'), () => document.cookie]) {
      try {
        touch();
      } catch {
        // init() reports it
      }
    }
  });
}
