// The embedded default store: accepted events appended to `<dataDir>/events.ndjson` and
// flushed to disk before the batch is answered. One collector process per data folder; for
// several processes use PostgreSQL (store-pg.js).
//
// Every store has the same small interface (store-pg.js too):
//   name                 'file' | 'postgres'
//   loaded               the most recently stored records at open, oldest first
//   insert(records)      stores the records whose messageId is not stored yet, durably, and
//                        resolves with the Set of messageIds it stored; on rejection nothing
//                        new was stored (the collector answers 5xx and the retry is accepted)
//   reset(), close()
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Bloom } from './memory.js';

const CHUNK = 1024 * 1024;
const KEY = '"messageId":"';

/** Opens (creating) the events file; `recent` bounds how many records it hands back as `loaded`. */
export async function openFileStore(dataDir, { recent = 10_000, bloomBits = 1 << 26 } = {}) {
  await mkdir(dataDir, { recursive: true });
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

  // Inserts run one at a time, so a check and its append are never interleaved with another's.
  let queue = Promise.resolve();
  const serial = (task) => {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  };

  return {
    name: 'file',
    path,
    loaded: loaded.slice(-recent),
    insert: (records) => serial(async () => {
      const stored = await storedAmong(new Set(records.map((r) => r.messageId).filter((id) => known.mayHave(id))));
      const fresh = records.filter((r) => !stored.has(r.messageId));
      if (!fresh.length) return new Set();
      const bytes = Buffer.from(fresh.map((r) => JSON.stringify(r)).join('\n') + '\n');
      try {
        await file.appendFile(bytes);
        await file.datasync();
      } catch (e) {
        await file.truncate(size).catch(() => {});
        throw e;
      }
      size += bytes.length;
      for (const r of fresh) known.add(r.messageId);
      return new Set(fresh.map((r) => r.messageId));
    }),
    reset: () => serial(async () => {
      await file.truncate(0);
      await file.datasync();
      size = 0;
      known.clear();
    }),
    close: () => serial(() => file.close()),
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
