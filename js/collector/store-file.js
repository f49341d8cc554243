// The embedded default store: accepted events appended to `<dataDir>/events.ndjson` and
// flushed to disk before the batch is answered. One collector process per data folder, held by
// a lock taken before anything is read (lock.js); for several processes use PostgreSQL
// (store-pg.js). Inserts that arrive while a write is under way are written together with one
// `fdatasync` (a group commit), so concurrent requests share the cost of the flush.
//
// Every store has the same small interface (store-pg.js too):
//   name                 'file' | 'postgres'
//   loaded               the most recently stored records at open, oldest first
//   insert(records)      stores the records ({ messageId, type, visitorId, sessionId, timestamp,
//                        json }, from protocol.js) whose messageId is not stored yet, durably, and
//                        resolves with the Set of messageIds it stored; on rejection nothing
//                        new was stored (the collector answers 5xx and the retry is accepted)
//   shared               optional: faults and seals every process sees (faults.js has the
//                        in-memory default)
//   reset(), close()
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Bloom } from './memory.js';
import { lockFolder } from './lock.js';

const CHUNK = 1024 * 1024;
const KEY = '"messageId":"';

/** Opens (creating) the events file; `recent` bounds how many records it hands back as `loaded`. */
export async function openFileStore(dataDir, { recent = 10_000, bloomBits = 1 << 26 } = {}) {
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockFolder(dataDir);
  try {
    return await openLocked(dataDir, { recent, bloomBits, unlock });
  } catch (e) {
    await unlock();
    throw e;
  }
}

async function openLocked(dataDir, { recent, bloomBits, unlock }) {
  const path = join(dataDir, 'events.ndjson');
  const file = await open(path, 'a+');
  const known = new Bloom(bloomBits);
  const loaded = [];
  let size = await scan(file, (line) => {
    try {
      const record = JSON.parse(line);
      known.add(record.messageId);
      loaded.push(record);
      if (loaded.length > recent * 2) loaded.splice(0, loaded.length - recent);
    } catch (_) { /* a corrupt line is kept on disk but not loaded */ }
  });
  // A write cut short by a crash leaves a partial last line: drop it so appends stay aligned.
  const { size: onDisk } = await file.stat();
  if (onDisk > size) await file.truncate(size);

  /** Which of these messageIds the file holds: one read of the file, only for Bloom "maybe"s. */
  async function storedAmong(ids) {
    const found = new Set();
    if (!ids.size) return found;
    await scan(file, (line) => {
      const at = line.indexOf(KEY);
      if (at < 0) return;
      const id = line.slice(at + KEY.length, line.indexOf('"', at + KEY.length));
      if (ids.has(id)) found.add(id);
    }, size);
    return found;
  }

  /** Writes a group of inserts with one append and one flush; resolves with each one's stored ids. */
  async function writeGroup(group) {
    const maybe = new Set();
    for (const { records } of group) for (const r of records) if (known.mayHave(r.messageId)) maybe.add(r.messageId);
    const taken = await storedAmong(maybe);
    const results = group.map(({ records }) => {
      const ids = new Set();
      for (const r of records) {
        if (taken.has(r.messageId)) continue;
        taken.add(r.messageId);
        ids.add(r.messageId);
      }
      return ids;
    });
    const lines = [];
    group.forEach(({ records }, i) => { for (const r of records) if (results[i].has(r.messageId)) lines.push(r.json); });
    if (!lines.length) return results;
    const bytes = Buffer.from(lines.join('\n') + '\n');
    try {
      await file.appendFile(bytes);
      await file.datasync();
    } catch (e) {
      // Take back what may have been written, never growing the file (no NUL padding).
      const { size: now } = await file.stat().catch(() => ({ size: 0 }));
      if (now > size) await file.truncate(size).catch(() => {});
      throw e;
    }
    size += bytes.length;
    for (const ids of results) for (const id of ids) known.add(id);
    return results;
  }

  // One writer at a time; inserts that arrive meanwhile wait and are written as one group.
  let waiting = [];
  let writing = null;
  async function drain() {
    while (waiting.length) {
      const group = waiting;
      waiting = [];
      try {
        const results = await writeGroup(group);
        group.forEach((g, i) => g.ok(results[i]));
      } catch (e) {
        for (const g of group) g.fail(e);
      }
    }
    writing = null;
  }

  return {
    name: 'file',
    path,
    loaded: loaded.slice(-recent),
    insert: (records) => new Promise((ok, fail) => {
      waiting.push({ records, ok, fail });
      if (!writing) writing = drain();
    }),
    reset: async () => {
      await (writing || Promise.resolve());
      await file.truncate(0);
      await file.datasync();
      size = 0;
      known.clear();
    },
    close: async () => {
      await (writing || Promise.resolve());
      await file.close();
      await unlock();
    },
  };
}

/** Calls `onLine` for each complete line (of the first `end` bytes); returns their byte length. */
async function scan(file, onLine, end = Infinity) {
  let offset = 0;
  let complete = 0;
  let rest = Buffer.alloc(0);
  while (offset < end) {
    const want = Math.min(CHUNK, end - offset);
    const { buffer, bytesRead } = await file.read(Buffer.alloc(want), 0, want, offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
    let data = Buffer.concat([rest, buffer.subarray(0, bytesRead)]);
    let nl;
    while ((nl = data.indexOf(10)) >= 0) {
      const line = data.subarray(0, nl).toString('utf8');
      complete += nl + 1;
      if (line) onLine(line);
      data = data.subarray(nl + 1);
    }
    rest = Buffer.from(data);
  }
  return complete;
}
