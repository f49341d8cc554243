// The page lifecycle as a handful of callbacks: the person came back to this tab (focus,
// visible, restored from the back/forward cache), the page is going away or hidden, the network
// is back, the person is active. Only passive listeners, no unload/beforeunload (those keep a
// page out of the back/forward cache).

const INPUT_EVENTS = ['pointerdown', 'keydown', 'scroll'];

/** handlers: { claim(), hidden(), pagehide(persisted), pageshow(), online(), input() }. */
export function watchPage(win, doc, handlers) {
  const on = (target, type, fn, opts) => target.addEventListener(type, fn, opts);
  on(win, 'focus', () => handlers.claim());
  on(doc, 'visibilitychange', () => {
    if (doc.visibilityState === 'visible') handlers.claim();
    else handlers.hidden();
  });
  on(win, 'pagehide', (e) => handlers.pagehide(!!(e && e.persisted)));
  // A first load fires pageshow too (not persisted): start() has done that work already.
  on(win, 'pageshow', (e) => { if (e && e.persisted) handlers.pageshow(); });
  on(win, 'online', () => handlers.online());
  for (const type of INPUT_EVENTS) on(win, type, () => handlers.input(), { capture: true, passive: true });
}

/** Whether the page is shown to the person now (not a background tab, not prerendering). */
export function pageVisible(doc) {
  try {
    return doc.visibilityState !== 'hidden' && !doc.prerendering;
  } catch (e) {
    return true;
  }
}
