// One data folder, one process (SPEC §6): a lock file naming the holder's pid, created
// exclusively, taken over only when that process is gone, removed on close. Like PostgreSQL's
// postmaster.pid, and unlike mtime-refreshed locks (proper-lockfile), a restart right after a
// crash (kill -9) finds the lock stale at once instead of waiting out a staleness window.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class FolderLocked extends Error {}

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
  const path = join(dir, 'collector.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx');
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await unlink(path).catch(() => {});
      };
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (holder === process.pid || alive(holder)) {
      throw new FolderLocked(`the data folder ${dir} is in use by collector process ${holder} (${path}); run one collector per folder, or use PostgreSQL (DATABASE_URL) for several`);
    }
    await unlink(path).catch(() => {}); // the holder is gone: a stale lock
  }
  throw new FolderLocked(`could not lock the data folder ${dir}: another collector is starting on it`);
}
