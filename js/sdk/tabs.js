// Coordination between the tabs of one site. Web Locks tell a duplicated tab (it inherited a
// live tab's id) from a reload, and a closed tab's queue (its lock is free) from a live one;
// a tab's lock is released on pagehide and taken again on pageshow, so a page stays eligible
// for the back/forward cache. The `storage` event tells this tab that another one denied
// consent, granted it again or reset the visitor: the core then follows (`sync`). A denial
// is also announced on a BroadcastChannel: a page clearing its own localStorage looks the
// same in storage, and the cookie that tells them apart can reach this tab late.

export const TAB_LOCK = 'ss_tab:';
const DUPLICATE_WAIT_MS = 500;
const ADOPT_EVERY_MS = 60_000;
const STALE_QUEUE_MS = 180_000;
// A tab closed just now releases its lock a moment after the browser shows another tab
// (Firefox: after the next tab's focus, within a second): look once more then.
const CLOSED_RELEASE_MS = 1000;
// `ss_vid` gone from localStorage but not from the cookie (a page's own clear, or a denial
// seen half-way) is settled by the core once the cookie has stayed 250 ms: look again then.
const SETTLE_MS = 300;

const CHANNEL = 'sessionsight';
const DENIED = 'denied';

/** The core hands tab ids over space-separated. */
const ids = (text) => text.split(' ').filter(Boolean);

/**
 * core: the guarded core; locks: navigator.locks or undefined; onChange(): the queue or the
 * visitor changed (schedule a send, forget fast paths); now: wall clock for the core.
 */
export function createTabs({ core, locks, onChange = () => {}, now = Date.now, timers = globalThis }) {
  const held = new Map(); // lock name -> { release, kept } (kept referenced: the lock lives as long as it)
  let retaking = null; // AbortController of a queued re-take after pageshow
  let again = null; // the pending second look of adoptSoon()
  let channel = null; // open between start/pageshow and pagehide
  let started = false;

  /** Listens for other tabs' denials (not while in the back/forward cache). */
  function openChannel() {
    try {
      channel = new BroadcastChannel(CHANNEL);
      channel.onmessage = (e) => {
        if (e.data === DENIED && core.write((s) => s.deniedElsewhere(now()), false)) onChange(true);
      };
    } catch (e) {
      channel = null; // no BroadcastChannel: the storage event still tells, a moment later
    }
  }

  function closeChannel() {
    if (channel) channel.close();
    channel = null;
  }

  /**
   * Holds the lock `name` until released. Resolves true when held, false when another tab has
   * it (at once with `ifAvailable`, else when `signal` gives up waiting), null when the request
   * failed (no answer about other tabs).
   */
  function hold(name, options = { ifAvailable: true }) {
    if (!locks || held.has(name)) return Promise.resolve(true);
    return new Promise((resolve) => {
      locks.request(name, options, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        let release;
        const kept = new Promise((r) => { release = r; });
        held.set(name, { release, kept });
        resolve(true);
        return kept;
      }).catch(() => resolve(null));
    });
  }

  function releaseAll() {
    if (retaking) {
      retaking.abort();
      retaking = null;
    }
    for (const { release } of held.values()) release();
    held.clear();
  }

  /** Adopts the queues of tabs that are gone (their lock is free; without Web Locks: stale). */
  function adoptOrphans() {
    if (!locks) {
      let adopted = 0;
      for (const tab of ids(core.read((s) => s.staleQueues(now(), STALE_QUEUE_MS), ''))) adopted += core.write((s) => s.adopt(tab), 0);
      if (adopted) onChange();
      return;
    }
    for (const tab of ids(core.read((s) => s.otherQueues(now()), ''))) {
      locks.request(TAB_LOCK + tab, { ifAvailable: true }, (lock) => {
        if (lock && core.write((s) => s.adopt(tab), 0)) onChange();
      }).catch(() => {});
    }
  }

  /** Follows what other tabs changed (consent, reset); true when this tab's visitor changed. */
  function sync() {
    const changed = core.write((s) => s.sync(now()), false) === true;
    if (changed) onChange(true);
    return changed;
  }

  return {
    hold,
    held: (name) => held.has(name),
    /**
     * True when another live tab holds `inherited` (this tab was duplicated from it); a
     * reload's previous document releases it within moments. When false, this tab holds it.
     */
    async isDuplicate(inherited) {
      if (!inherited || await hold(TAB_LOCK + inherited)) return false;
      // (AbortSignal.timeout is younger than Web Locks in some browsers.)
      const abort = new AbortController();
      const timer = timers.setTimeout(() => abort.abort(), DUPLICATE_WAIT_MS);
      const mine = await hold(TAB_LOCK + inherited, { signal: abort.signal });
      timers.clearTimeout(timer);
      return !mine;
    },
    /**
     * Holds this tab's own lock (resolves once granted, so a duplicate made now finds it held).
     * `onTaken()` runs when another tab holds it already: a copy of this tab, made before the
     * grant, found the id free and kept it (this tab must then take a new one). Otherwise the
     * core's queue is marked as this tab's (other tabs left it alone until now).
     */
    claim(tabId, onTaken = () => {}) {
      return hold(TAB_LOCK + tabId).then((mine) => {
        if (mine === false) onTaken();
        else core.write((s) => s.lockHeld());
        return mine;
      });
    },
    start() {
      started = true;
      openChannel();
      adoptOrphans();
      timers.setInterval(adoptOrphans, ADOPT_EVERY_MS);
    },
    /** This tab denied consent (and erased everything): every other tab follows at once. */
    announceDenied() {
      try { if (channel) channel.postMessage(DENIED); } catch (e) { /* the storage event still tells */ }
    },
    adoptOrphans,
    /**
     * The person is back on this tab: another tab of the site may have just closed, its
     * unload send lost. Its queue is adopted now, or a moment later once its lock is free,
     * not at the next periodic pass (up to a minute).
     */
    adoptSoon() {
      adoptOrphans();
      if (again === null) {
        again = timers.setTimeout(() => {
          again = null;
          adoptOrphans();
        }, CLOSED_RELEASE_MS);
      }
    },
    sync,
    /** The `storage` event: the visitor or the consent grant changed, or storage was cleared, in another tab. */
    onStorage(e) {
      if (!e || e.key === null || e.key === 'ss_vid' || e.key === 'ss_grant') {
        sync();
        timers.setTimeout(sync, SETTLE_MS);
      }
    },
    pagehide() {
      releaseAll();
      closeChannel();
    },
    /** Restored from the back/forward cache: take the lock again (waits if it is held). */
    pageshow(tabId) {
      if (started && !channel) openChannel();
      if (!locks || !tabId) return;
      const mine = retaking = new AbortController();
      hold(TAB_LOCK + tabId, { signal: mine.signal }).then(() => { if (retaking === mine) retaking = null; });
    },
  };
}
