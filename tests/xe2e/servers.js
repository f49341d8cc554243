// The real collector for the cross-engine scenarios, on a free loopback port with its own data
// folder, serving the demo pages with the page hook (hook.js) first in <head>; https with a
// self-signed certificate on request; and a slow proxy that holds chosen paths back.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector } from '../../js/collector.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'xe2e-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

let www = null;
/** www/ as served to the scenarios: every page gets /xe2e-hook.js first in <head>. */
function hookedWww() {
  if (www) return www;
  www = join(scratch, 'www');
  cpSync(join(ROOT, 'www'), www, { recursive: true });
  for (const f of readdirSync(www).filter((n) => n.endsWith('.html'))) {
    const html = readFileSync(join(www, f), 'utf8');
    if (!/<head>/i.test(html)) throw new Error(`www/${f} has no <head>`);
    writeFileSync(join(www, f), html.replace(/<head>/i, '<head>\n<script src="/xe2e-hook.js"></script>'));
  }
  cpSync(join(ROOT, 'tests/xe2e/hook.js'), join(www, 'xe2e-hook.js'));
  return www;
}

let tls = null;
/** A self-signed certificate made once per run with openssl (the browsers accept it: acceptInsecureCerts). */
function certificate() {
  if (tls) return tls;
  const key = join(scratch, 'key.pem');
  const cert = join(scratch, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  tls = { key: readFileSync(key), cert: readFileSync(cert) };
  return tls;
}

/**
 * Starts a collector. Options: `https` (self-signed), `headers` on every response.
 * `events(filter)` reads the collector's own events file: what it durably accepted.
 */
export async function openCollector({ https = false, headers = {} } = {}) {
  const dataDir = mkdtempSync(join(scratch, 'collector-'));
  const collector = await startCollector({ port: 0, dataDir, quiet: true, www: hookedWww(), headers, tls: https ? certificate() : null });
  const scheme = https ? 'https' : 'http';
  const file = join(dataDir, 'events.ndjson');
  return {
    url: collector.url,
    port: collector.port,
    state: collector.state,
    /** This collector's origin on another host name (mapped to 127.0.0.1 by the engine). */
    origin: (host) => `${scheme}://${host}:${collector.port}`,
    events(filter = () => true) {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter(filter);
    },
    faults: (f) => { collector.state.faults = { ...f }; },
    seal: (sessionId) => collector.state.sealed.add(sessionId),
    close: () => collector.close(),
  };
}

/**
 * A reverse proxy in front of `target` that holds the responses for the paths in `delays`
 * (ms) back: a real slow server. `log` records when each delayed path was asked and answered.
 */
export function slowProxy(target, delays) {
  const log = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const wait = delays[path] || 0;
    const entry = wait ? { path, requestedAt: Date.now(), answeredAt: 0 } : null;
    if (entry) log.push(entry);
    setTimeout(() => {
      const upstream = httpRequest(target + req.url, { method: req.method, headers: req.headers }, (answer) => {
        if (entry) entry.answeredAt = Date.now();
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, wait);
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => ok({
      url: `http://127.0.0.1:${server.address().port}`,
      log,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}
