// A throw-away PostgreSQL server on loopback in a temporary folder (initdb + pg_ctl, as an
// unprivileged user when run as root), for the collector's PostgreSQL tests and the collector
// benchmark. `findPgBin()` is null where the server programs are not installed.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin. */
export function findPgBin() {
  const onPath = (process.env.PATH || '').split(delimiter).filter((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
  if (onPath.length) return onPath[0];
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : null;
}

/** PostgreSQL refuses to run as root: then it runs as `postgres` (or `nobody`). */
function runAs() {
  if (process.getuid?.() !== 0) return {};
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists to run PostgreSQL');
}

export function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

/**
 * Starts a server; resolves to { url, start, stop, remove }. `settings` are extra `-c`
 * options (the tests turn fsync off; the benchmark keeps PostgreSQL's defaults).
 */
export async function startPostgres(pgBin = findPgBin(), settings = []) {
  const dir = mkdtempSync(join(tmpdir(), 'sessionsight-pg-'));
  const user = runAs();
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const run = (cmd, args) => {
    const r = spawnSync(join(pgBin, cmd), args, { cwd: dir, ...user, encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout || r.error}`);
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'sessionsight', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = [`-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir}`, ...settings.map((s) => `-c ${s}`)].join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  const remove = () => {
    try { stop(); } catch (_) { /* already stopped */ }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://sessionsight@127.0.0.1:${port}/postgres`, start, stop, remove };
}
