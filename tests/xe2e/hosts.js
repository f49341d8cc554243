// WebKitGTK has no host-resolver switch: the host names of the cookie-domain scenarios reach
// it only through /etc/hosts. The entries are added for one browser session and the file is
// written back byte for byte afterwards (also on Ctrl-C or a crash of the runner).
import { readFileSync, writeFileSync } from 'node:fs';

const FILE = process.env.XE2E_HOSTS_FILE || '/etc/hosts';
let original = null;

function restore() {
  if (original === null) return;
  writeFileSync(FILE, original);
  original = null;
}

process.on('exit', restore);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => { restore(); process.exit(130); });
}

/** Thrown when the file cannot be changed (not root): the scenario is skipped, visibly. */
export class HostsUnavailable extends Error {}

/** Maps `names` to 127.0.0.1 in /etc/hosts; resolves to a function that restores the file. */
export async function mapHosts(names) {
  if (original !== null) throw new Error('hosts already mapped');
  const before = readFileSync(FILE);
  const lines = names.filter((n) => !new RegExp(`^127\\.0\\.0\\.1\\s.*\\b${n.replace(/\./g, '\\.')}\\b`, 'm').test(before.toString()));
  try {
    writeFileSync(FILE, Buffer.concat([before, Buffer.from((before.length && before.at(-1) !== 10 ? '\n' : '') + lines.map((n) => `127.0.0.1 ${n} # xe2e\n`).join(''))]));
  } catch (e) {
    throw new HostsUnavailable(`cannot map ${names.join(', ')} in ${FILE} (${e.code}): run as root, or add "127.0.0.1 ${names.join(' ')}" to it`);
  }
  original = before;
  return restore;
}
