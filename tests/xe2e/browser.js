// The small driver layer under the cross-engine scenarios: launches Chromium (chromedriver),
// Firefox ESR (geckodriver) or WebKitGTK's MiniBrowser (WebKitWebDriver) through
// selenium-webdriver, and gives a scenario one object `b` with the same verbs in every
// engine: tabs, navigation, script, the driver's cookie jar, the page's storage, page errors.
import { Builder } from 'selenium-webdriver';
import chrome from 'selenium-webdriver/chrome.js';
import firefox from 'selenium-webdriver/firefox.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mapHosts } from './hosts.js';

const HOME = process.env.HOME || '/root';
/** Host names the scenarios may use; each engine maps them to 127.0.0.1 its own way. */
export const HOSTS = ['www.example.com', 'shop.example.co.uk'];

export const ENGINES = {
  chromium: { name: 'Chromium', ua: (ua) => /HeadlessChrome\/|Chrom(e|ium)\//.test(ua) && !/Firefox\//.test(ua) },
  firefox: { name: 'Firefox', ua: (ua) => /Gecko\/\d+ Firefox\//.test(ua) },
  webkit: { name: 'WebKit', ua: (ua) => /AppleWebKit\//.test(ua) && /Safari\//.test(ua) && !/Chrom(e|ium)\//.test(ua) },
};

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/** Waits until WebKitWebDriver answers /status. */
async function waitForDriver(url, proc) {
  for (const started = Date.now(); Date.now() - started < 20_000;) {
    if (proc.exitCode !== null) throw new Error(`WebKitWebDriver exited (${proc.exitCode})`);
    try { if ((await fetch(url + '/status')).ok) return; } catch (_) { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100)); // waiting for a process to listen, not for an outcome
  }
  throw new Error('WebKitWebDriver did not start');
}

/** Starts one browser session of `engine`; resolves to { driver, quit, bidi }. */
async function launch(engine, { hosts = false, prefs = {} } = {}) {
  if (engine === 'chromium') {
    const profile = mkdtempSync(join(tmpdir(), 'xe2e-chromium-'));
    const options = new chrome.Options()
      .setChromeBinaryPath(process.env.CHROMIUM_BINARY || '/usr/lib/chromium/chromium')
      .addArguments('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`,
        `--host-resolver-rules=${HOSTS.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`)
      .setAcceptInsecureCerts(true)
      .enableBidi();
    const driver = await new Builder().forBrowser('chrome').setChromeOptions(options)
      .setChromeService(new chrome.ServiceBuilder('/usr/bin/chromedriver')).build();
    return { driver, bidi: true, quit: async () => { await driver.quit(); rmSync(profile, { recursive: true, force: true }); } };
  }
  if (engine === 'firefox') {
    const options = new firefox.Options()
      .setBinary(process.env.FIREFOX_BINARY || '/usr/lib/firefox-esr/firefox-esr')
      .addArguments('-headless')
      .setPreference('network.dns.localDomains', HOSTS.join(','))
      .setPreference('app.update.enabled', false)
      .setPreference('browser.shell.checkDefaultBrowser', false)
      .setPreference('network.captive-portal-service.enabled', false)
      .setPreference('network.connectivity-service.enabled', false)
      .setAcceptInsecureCerts(true)
      .enableBidi();
    for (const [k, v] of Object.entries(prefs)) options.setPreference(k, v); // a scenario's own (`firefoxPrefs`)
    const driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options)
      .setFirefoxService(new firefox.ServiceBuilder(process.env.GECKODRIVER || join(HOME, '.cargo/bin/geckodriver'))).build();
    return { driver, bidi: true, quit: () => driver.quit() };
  }
  if (engine === 'webkit') {
    // WebKit resolves names through the system only: /etc/hosts, restored on quit.
    const unmap = hosts ? await mapHosts(HOSTS) : () => {};
    const port = await freePort();
    const proc = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    const killOnExit = () => proc.kill();
    process.on('exit', killOnExit);
    const stop = () => { process.off('exit', killOnExit); proc.kill(); unmap(); };
    try {
      await waitForDriver(url, proc);
      const driver = await new Builder().usingServer(url).withCapabilities({
        browserName: 'MiniBrowser',
        acceptInsecureCerts: true,
        'webkitgtk:browserOptions': {
          binary: process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
          args: ['--automation', '--javascript-can-open-windows-automatically=true'],
        },
      }).build();
      return { driver, bidi: false, quit: async () => { try { await driver.quit(); } finally { stop(); } } };
    } catch (e) {
      stop();
      throw e;
    }
  }
  throw new Error(`unknown engine ${engine}`);
}

/**
 * Diagnostics Firefox itself files as "javascript" log entries, not errors of the page's
 * script: a rejected document.cookie write (the domain search's trial write) and a Content
 * Security Policy refusal (also reported to the page as a securitypolicyviolation event).
 */
const BROWSER_NOTE = /^(Cookie “[^”]*” has been rejected |Content-Security-Policy: )/;

/** The same shape of cookie in every engine (the driver's jar, with attributes). */
function normalizeCookie(c) {
  return { name: c.name, value: c.value, domain: c.domain, path: c.path, secure: !!c.secure, httpOnly: !!c.httpOnly,
    sameSite: c.sameSite, expiry: c.expiry };
}

/** Reads page errors the in-page hook (/xe2e-hook.js) kept in this tab (WebKit's only source). */
const READ_HOOK = `const k = 'xe2e:log'; let stored = [];
  try { stored = JSON.parse(Storage.prototype.getItem.call(sessionStorage, k) || '[]'); } catch (e) {}
  const mem = window.__xe2eLog || [];
  return { origin: location.origin, entries: stored.length >= mem.length ? stored : mem };`;

/**
 * A browser for one scenario. Every verb acts on the current tab unless given a handle.
 * `b.log` holds console entries and uncaught errors/rejections ({ kind, level, text }).
 */
export class Browser {
  constructor(engine, session) {
    this.engine = engine;
    this.name = ENGINES[engine].name;
    this.driver = session.driver;
    this.session = session;
    this.log = [];
    this.hookSeen = new Map(); // 'tab origin' → entries already taken from its hook
  }

  static async open(engine, options) {
    const b = new Browser(engine, await launch(engine, options));
    if (b.session.bidi) await b.listenBidi();
    return b;
  }

  async listenBidi() {
    const bidi = await this.driver.getBidi();
    await bidi.subscribe('log.entryAdded');
    const socket = await bidi.socket;
    socket.on('message', (raw) => {
      let msg;
      try { msg = JSON.parse(raw.toString()); } catch (_) { return; }
      if (msg.method !== 'log.entryAdded') return;
      const p = msg.params;
      const text = p.text || '';
      const kind = p.type !== 'javascript' ? 'console' : BROWSER_NOTE.test(text) ? 'browser' : 'uncaught';
      this.log.push({ kind, level: p.level, text });
    });
  }

  /** Takes what the page hook recorded in the current tab (WebKit; elsewhere BiDi does it). */
  async harvest() {
    if (this.session.bidi) return;
    let key, entries;
    try {
      const read = await this.driver.executeScript(READ_HOOK);
      key = `${await this.driver.getWindowHandle()} ${read.origin}`; // sessionStorage is per tab and origin
      entries = read.entries || [];
    } catch (_) { return; } // no page, or not one of ours
    const seen = this.hookSeen.get(key) || 0;
    for (const e of entries.slice(seen)) this.log.push(e);
    this.hookSeen.set(key, Math.max(seen, entries.length));
  }

  /** Uncaught errors and unhandled rejections so far (the current tab's hook; BiDi: every tab). */
  async pageErrors() {
    await this.harvest();
    return this.log.filter((e) => e.kind === 'uncaught' || e.kind === 'error' || e.kind === 'rejection');
  }

  /** Console messages of `level` ('error', 'warn', …) so far (as pageErrors). */
  async consoleMessages(level) {
    await this.harvest();
    return this.log.filter((e) => e.kind === 'console' && (!level || e.level === level)).map((e) => e.text);
  }

  /** Takes the hook's entries from every open tab. Switching tabs fires focus: only at the end. */
  async harvestAll() {
    if (this.session.bidi) return;
    for (const h of await this.driver.getAllWindowHandles()) {
      await this.driver.switchTo().window(h);
      await this.harvest();
    }
  }

  async userAgent() { return this.driver.executeScript('return navigator.userAgent'); }

  async version() {
    const caps = await this.driver.getCapabilities();
    return `${caps.get('browserName')} ${caps.get('browserVersion')}`;
  }

  // --- navigation and tabs ---
  async goto(url) { await this.harvest(); await this.driver.get(url); }
  async reload() { await this.harvest(); await this.driver.navigate().refresh(); }
  tab() { return this.driver.getWindowHandle(); }
  /** Opens a new tab in the same profile, switches to it, loads `url`; returns its handle. */
  async newTab(url) {
    await this.driver.switchTo().newWindow('tab');
    if (url) await this.driver.get(url);
    return this.driver.getWindowHandle();
  }
  switchTo(handle) { return this.driver.switchTo().window(handle); }
  /** Closes `handle` (the current tab by default) and switches to `then` or another open tab. */
  async close(handle, then) {
    if (handle) await this.switchTo(handle);
    await this.harvest();
    await this.driver.close();
    const left = await this.driver.getAllWindowHandles();
    if (left.length) await this.switchTo(then || left[0]);
  }

  // --- script, cookies, storage ---
  /** Runs `fn` (a function, serialised) in the page with JSON-able args; awaits a returned promise. */
  run(fn, ...args) {
    return this.driver.executeScript(`return (${fn}).apply(null, arguments)`, ...args);
  }

  /** The cookies the driver's jar holds for the current page, by name, normalised. */
  async cookies() {
    const out = {};
    for (const c of await this.driver.manage().getCookies()) out[c.name] = normalizeCookie(c);
    return out;
  }

  async sdkCookies() {
    const all = await this.cookies();
    return Object.fromEntries(Object.entries(all).filter(([k]) => ['ss_vid', 'ss_sid', 'fsid'].includes(k)));
  }

  /** The SDK's `ss_` entries in localStorage and sessionStorage (read with the real methods). */
  storage() {
    return this.run(() => {
      const get = Storage.prototype.getItem;
      const pick = (s) => {
        const out = {};
        for (let i = 0; i < s.length; i++) {
          const k = Storage.prototype.key.call(s, i);
          if (k.startsWith('ss_')) out[k] = get.call(s, k);
        }
        return out;
      };
      return { local: pick(localStorage), session: pick(sessionStorage) };
    });
  }

  // --- the SDK ---
  ids() {
    return this.run(() => ({ visitorId: SessionSight.getVisitorId(), sessionId: SessionSight.getSessionId() }));
  }

  /** Opens `origin`/embed.html and initialises the SDK with `options`; returns its ids. */
  async embed(origin, options = {}) {
    await this.goto(origin + '/embed.html');
    await this.init(options);
    return this.ids();
  }

  init(options = {}) {
    return this.run((o) => SessionSight.init({ apiKey: 'pk_test', filterBots: false, flushIntervalMs: 100, ...o }).then(() => true), options);
  }

  /**
   * Polls `fn` until its value equals `expected` (deep) or satisfies it (a predicate).
   * Never a fixed sleep: returns as soon as it holds, fails with the last value at `timeout`.
   */
  async poll(fn, expected, { timeout = 30_000, interval = 100, message = '' } = {}) {
    const ok = typeof expected === 'function' ? expected : (v) => isDeepStrictEqual(v, expected);
    let last;
    const started = Date.now();
    for (;;) {
      last = await fn();
      if (ok(last)) return last;
      if (Date.now() - started > timeout) {
        throw new Error(`${message || 'poll'}: timed out after ${timeout} ms; last value ${JSON.stringify(last)}` +
          (typeof expected === 'function' ? '' : `, expected ${JSON.stringify(expected)}`));
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  async quit() {
    await this.session.quit();
  }
}

/** Adds host names a scenario file needs mapped to 127.0.0.1 besides HOSTS (call at import time:
 *  each engine reads the list when it launches, for `hosts: true` scenarios). */
export function mapAlso(...names) {
  for (const n of names) if (!HOSTS.includes(n)) HOSTS.push(n);
}
