// Bounded in-memory structures for the collector: what it remembers is a cache of recent
// facts (the store is the truth), so a long-running process does not grow without limit.

/** A set that forgets its least recently used keys beyond `max`. */
export class LruSet {
  constructor(max) {
    this.max = max;
    this.map = new Map();
  }

  get size() {
    return this.map.size;
  }

  has(key) {
    if (!this.map.has(key)) return false;
    this.map.delete(key);
    this.map.set(key, true);
    return true;
  }

  add(key) {
    this.map.delete(key);
    this.map.set(key, true);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
    return this;
  }

  clear() {
    this.map.clear();
  }

  [Symbol.iterator]() {
    return this.map.keys();
  }
}

/**
 * Appends to `list`, dropping the oldest entries beyond `max`. `shift()`, which V8 does in
 * constant time by moving the array's start, not `splice(0, n)`, which copies the whole list on
 * every push once it is full (a fifth of the collector's CPU with 10,000 recent events).
 */
export function pushBounded(list, item, max) {
  list.push(item);
  while (list.length > max) list.shift();
}

/**
 * A Bloom filter over strings: "maybe present" or "certainly absent", in fixed memory
 * (`bits` bits, `hashes` probes). The file store checks the file only on "maybe".
 */
export class Bloom {
  constructor(bits = 1 << 26, hashes = 7) {
    this.bits = bits;
    this.hashes = hashes;
    this.words = new Uint32Array(bits >>> 5);
  }

  *#probes(key) {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h2 |= 1;
    for (let i = 0; i < this.hashes; i++) yield ((h1 + Math.imul(i, h2)) >>> 0) % this.bits;
  }

  add(key) {
    for (const b of this.#probes(key)) this.words[b >>> 5] |= 1 << (b & 31);
  }

  mayHave(key) {
    for (const b of this.#probes(key)) if (!(this.words[b >>> 5] & (1 << (b & 31)))) return false;
    return true;
  }

  clear() {
    this.words.fill(0);
  }
}
