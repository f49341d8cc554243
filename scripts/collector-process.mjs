// `node js/collector.js` as its own process, for the tests and the benchmark: resolves once it
// serves (with its URL and control token) or once it exits first (url null, with its exit code
// and output), so a test can also show a collector refusing to start.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;

/** Starts a collector with these environment variables; resolves to { url, token, child, code, out, stop }. */
export function spawnCollector(env = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'js/collector.js')], { env: { ...process.env, PORT: '0', QUIET: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => new Promise((r) => { if (child.exitCode !== null || child.signalCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); });
  let out = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`collector did not start in 30 s: ${out}`)); }, 30_000);
    child.stderr.on('data', (d) => { out += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const url = /collector: (http:\/\/\S+?)\/\s/.exec(out);
      const token = /control token: (\S+)/.exec(out);
      if (url && token) { clearTimeout(timer); ok({ url: url[1], token: token[1], child, out, stop }); }
    });
    child.once('exit', (code) => { clearTimeout(timer); ok({ url: null, token: null, child, code, out, stop }); });
  });
}
