// One definition of the checks every server-rendering framework example must pass (issue 21):
// it builds; its server imports the SDK and renders; on a first visit in a real Chromium the
// ids of the server render, of the Set-Cookie and of the SDK are the same; identify() reaches
// the real collector; a route handler sees the page's visitor. Each check is its own test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { collector, firstVisit, freePort, inApp, serve, until } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `app`: folder under examples/frameworks; `build` and `start`: [cmd, args]; `startEnv(collectorUrl)`. */
export function frameworkApp(name, { app, build, start, startEnv }) {
  describe(name, () => {
    let sink;
    let server;
    let visit;
    let built = false;
    before(async () => { sink = await collector(); });
    after(async () => {
      if (visit) await visit.close();
      if (server) await server.stop();
      if (sink) await sink.stop();
    });

    test(`${name}: builds`, () => {
      inApp(app, ...build);
      built = true;
    });

    test(`${name}: the server imports the SDK and renders the page (SSR)`, async () => {
      assert.ok(built, 'not built');
      server = await serve(app, ...start, await freePort(), startEnv(`${sink.url}/ingest`));
      const res = await fetch(`${server.url}/`);
      assert.equal(res.status, 200, server.output().slice(-2000));
      assert.match(await res.text(), /id="ssr-visitor"/);
    });

    test(`${name}: first visit, SSR ids = Set-Cookie ids = the SDK's ids (Chromium)`, async () => {
      assert.ok(server, 'no server');
      visit = await firstVisit(server.url);
      assert.deepEqual(visit.errors, []);
      assert.match(visit.ssr.visitorId || '', UUID, 'the server render knows the visitor');
      assert.match(visit.ssr.sessionId || '', UUID, 'the server render knows the session');
      assert.deepEqual(visit.cookies, visit.ssr, 'Set-Cookie carries the rendered ids');
      assert.deepEqual(visit.sdk, visit.ssr, 'the SDK adopted the rendered ids');
      // Where the page makes a sub-request to the app while rendering, it saw the same visitor.
      if (visit.sub) assert.deepEqual(visit.sub, visit.ssr, 'the SSR sub-request saw the page request identity');
    });

    test(`${name}: identify() is delivered to the collector`, async () => {
      assert.ok(visit, 'no visit');
      const event = await until(() => sink.events().find((e) => e.type === 'identify' && e.visitorId === visit.ssr.visitorId), 30_000, 'the identify event');
      assert.equal(event.id, 'user_42');
      assert.equal(event.sessionId, visit.ssr.sessionId);
      assert.deepEqual(event.customProperties, { plan: 'pro' });
    });

    test(`${name}: a route handler sees the page's visitor`, () => {
      assert.ok(visit, 'no visit');
      assert.deepEqual(visit.route, visit.ssr);
    });
  });
}
