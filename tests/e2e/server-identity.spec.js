// Server-issued identity (SPEC §7.1) in Chromium through Playwright: the scenarios in
// server-identity.scenarios.js, each in a fresh browser profile, against an Express site with
// the identity middleware and a real collector.
import { test, openCollector } from './fixtures.js';
import { scenarios, startSite } from './server-identity.scenarios.js';

/** The scenarios' browser API over one Playwright context. */
function browserApi(context) {
  const tab = (page) => ({
    run: (fn, arg) => page.evaluate(fn, arg),
    reload: () => page.reload().then(() => {}),
  });
  return {
    async open(url) {
      const page = await context.newPage();
      await page.goto(url);
      return tab(page);
    },
    cookies: () => context.cookies(),
  };
}

for (const [name, scenario] of Object.entries(scenarios)) {
  test(name, async ({ context }) => {
    const collector = await openCollector();
    const site = await startSite({ endpoint: `${collector.url}/ingest` });
    try {
      await scenario(browserApi(context), site, collector.events);
    } finally {
      await site.close();
      await collector.close();
    }
  });
}
