// One data folder, one process (SPEC §6): a lock file naming the holder's pid, created
// exclusively, taken over only when that process is gone, removed on close. Like PostgreSQL's
// postmaster.pid, and unlike mtime-refreshed locks (proper-lockfile), a restart right after a
// crash (kill -9) finds the lock stale at once instead of waiting out a staleness window.
import { open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export class FolderLocked extends Error {}

/** The folders this process holds: a lock naming our own pid is ours only if listed here (a
 * container's pid 1 restarting finds its previous life's lock, with the same pid). */
const held = new Set();

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Locks `dir`; resolves to a release function. Rejects with FolderLocked when a live process holds it. */
export async function lockFolder(dir) {
  const path = join(resolve(dir), 'collector.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      held.add(path);
      return async () => {
        if (!held.delete(path)) return;
        await unlink(path).catch(() => {});
      };
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (held.has(path) || (holder !== process.pid && alive(holder))) {
      throw new FolderLocked(`the data folder ${dir} is in use by collector process ${holder} (${path}); run one collector per folder, or use PostgreSQL (DATABASE_URL) for several`);
    }
    await unlink(path).catch(() => {}); // the holder is gone: a stale lock
  }
  throw new FolderLocked(`could not lock the data folder ${dir}: another collector is starting on it`);
}
