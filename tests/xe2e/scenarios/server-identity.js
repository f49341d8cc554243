// SPEC §7.1 server-issued identity in every engine: the scenarios of
// tests/e2e/server-identity.scenarios.js (one definition, also run by Playwright in Chromium)
// over `b`, against that file's Express site with the identity middleware and a real collector.
import { readFileSync } from 'node:fs';
import { mapAlso } from '../browser.js';
import { scenario } from '../scenario.js';
import { scenarios, startSite } from '../../e2e/server-identity.scenarios.js';

// The page hook goes first in every page of the site, as on the collector's pages (WebKit's
// only source of page errors).
const HOOK = `<script>${readFileSync(new URL('../hook.js', import.meta.url), 'utf8')}</script>`;

// serverDomainIsFollowed loads app.shop.example.com with cookies at shop.example.com.
mapAlso('app.shop.example.com');

// How a tab the driver opens loads, per engine (see FACTS in tabs.js). WebKitGTK's MiniBrowser
// under WebKitWebDriver reports it hidden its whole life (an automation trait, not Safari's), so
// the SDK claims ss_sid/fsid there only once the tab is used: on a switch, which fires focus.
// Chromium and Firefox show it. The scenario asserts the tab's visibility against this table.
const NEW_TABS_LOAD_HIDDEN = { chromium: false, firefox: false, webkit: true };

/** The scenarios' tiny browser API over `b`: the first open uses the session's tab, later ones new tabs. */
function browserApi(b) {
  let opened = 0;
  const tab = (handle) => {
    const select = async () => { if ((await b.tab()) !== handle) await b.switchTo(handle); };
    return {
      handle,
      async run(fn, arg) { await select(); return arg === undefined ? b.run(fn) : b.run(fn, arg); },
      async reload() { await select(); await b.reload(); },
    };
  };
  return {
    async open(url) {
      if (opened++ === 0) {
        await b.goto(url);
        return tab(await b.tab());
      }
      return tab(await b.newTab(url));
    },
    cookies: async () => Object.values(await b.cookies()),
    newTabsLoadHidden: NEW_TABS_LOAD_HIDDEN[b.engine],
    /** Away to another tab and back: the switch fires blur/focus (the only "use" a driver has). */
    async use(t) {
      const other = (await b.driver.getAllWindowHandles()).find((h) => h !== t.handle);
      await b.switchTo(other);
      await b.switchTo(t.handle);
    },
  };
}

const words = (name) => name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);

for (const [name, run] of Object.entries(scenarios)) {
  scenario(words(name), async (b) => {
    const c = await b.collector();
    const site = await startSite({ endpoint: `${c.url}/ingest`, head: HOOK });
    try {
      await run(browserApi(b), site, c.events);
    } finally {
      await site.close();
    }
  }, { hosts: name === 'serverDomainIsFollowed' });
}
