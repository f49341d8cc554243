// What build and bench share: the wasm-opt invocation the SDK ships with, and how sizes are
// measured (raw, gzip -9, brotli 11), so the two always agree.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;

/**
 * wasm-opt -Oz with the features current rustc emits. `--low-memory-unused` (-356 B gzip) lets
 * it fold constant offsets into loads: rustc's layout puts the stack's 1 MB below the data,
 * so the first 1 KB of memory is never addressed (only a 1 MB stack overflow would get there).
 * A second -Oz after `--flatten --rereloop` (control flow rebuilt, then shrunk again) saves
 * -200 B gzip more; the target_features section is only for linkers (-113 B).
 * `--merge-similar-functions` first folds functions that differ only in constants (-57 B).
 */
const PASSES = ['--merge-similar-functions', '-Oz', '--flatten', '--rereloop', '-Oz', '--converge', '--low-memory-unused', '--strip-target-features'];

export function wasmOpt(input, output) {
  execFileSync(`${root}node_modules/.bin/wasm-opt`, [input, ...PASSES, '--strip-debug', '--strip-producers',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    '--enable-reference-types', '--enable-multivalue', '-o', output], { stdio: 'inherit' });
}

/** The pinned nightly the browser's wasm is built with (scripts/setup.sh installs it). */
export const NIGHTLY = 'nightly-2026-05-20';

/**
 * `cargo build --release` for the browser in `dir`: std rebuilt from source with the
 * `immediate-abort` panic strategy (a panic is a trap, with no message formatting, locations
 * or hook: -10.8 KB gzip) and std's `optimize_for_size` (smaller sort and string routines:
 * -2.0 KB gzip). Both are nightly-only, hence the pinned toolchain. Without the
 * reference-types feature, wasm-bindgen keeps JS objects in its glue's array instead of an
 * externref table, with an adapter around every export (-551 B gzip, wasm and glue together).
 * `-Zlocation-detail=none` drops the file/line records `#[track_caller]` code still carries,
 * which nothing reads once a panic is a bare trap (-310 B of the page).
 * Returns the target dir.
 */
export function cargoShipped(dir, args = [], targetDir = 'target/shipped') {
  execFileSync('cargo', [`+${NIGHTLY}`, 'build', '--quiet', '--release', '--target', 'wasm32-unknown-unknown', '--target-dir', targetDir,
    '-Z', 'build-std=std,panic_abort', '-Z', 'build-std-features=optimize_for_size', ...args],
  { cwd: dir, stdio: 'inherit', env: { ...process.env, RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Ctarget-feature=-reference-types' } });
  return join(dir, targetDir, 'wasm32-unknown-unknown/release');
}

/** Summed raw, gzip and brotli sizes of the given files. */
export function sizeOf(paths) {
  const out = { raw: 0, gzip: 0, brotli: 0 };
  for (const path of paths) {
    const data = readFileSync(path);
    out.raw += data.length;
    out.gzip += gzipSync(data, { level: 9 }).length;
    out.brotli += brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return out;
}

/**
 * Renames the wasm's imports and exports (`__wbg_getItem_49556a3e59cfb688`, `sdk_identify`, …) to
 * one- or two-letter names in the wasm and in its wasm-bindgen glue alike: the hashed names
 * are long and random, so they cost the page ~2 KB of gzip twice over. `memory` keeps its
 * name (the loaders read it). Rewrites both files in place.
 */
export function shortenNames(wasmPath, gluePath) {
  const wasm = readFileSync(wasmPath);
  let glue = readFileSync(gluePath, 'utf8');
  const short = (n) => { const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'; let s = ''; do { s += a[n % 52]; n = Math.floor(n / 52); } while (n > 0); return s; };
  let pos = 8;
  const u32 = () => { let r = 0, s = 0, b; do { b = wasm[pos++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n); return Buffer.from(out); };
  const name = () => { const len = u32(); const s = wasm.toString('utf8', pos, pos + len); pos += len; return s; };
  const str = (s) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([leb(b.length), b]); };
  const limits = () => { const flags = wasm[pos++]; u32(); if (flags & 1) u32(); };
  const parts = [wasm.subarray(0, 8)];
  const imports = new Map();
  const exports = new Map();
  let module = null;
  while (pos < wasm.length) {
    const id = wasm[pos++];
    const size = u32();
    const start = pos;
    const end = start + size;
    if (id !== 2 && id !== 7) {
      parts.push(Buffer.from([id]), leb(size), wasm.subarray(start, end));
      pos = end;
      continue;
    }
    const count = u32();
    const body = [leb(count)];
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        const mod = name();
        const field = name();
        const descStart = pos;
        const kind = wasm[pos++];
        if (kind === 0) u32();
        else if (kind === 1) { pos++; limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) pos += 2;
        else if (kind === 4) { pos++; u32(); }
        else throw new Error(`unknown import kind ${kind}`);
        module = mod;
        if (!imports.has(field)) imports.set(field, short(imports.size));
        body.push(str('a'), str(imports.get(field)), wasm.subarray(descStart, pos));
      } else {
        const field = name();
        const descStart = pos;
        pos++;
        u32();
        const renamed = field === 'memory' ? field : short(exports.size);
        if (renamed !== field) exports.set(field, renamed);
        body.push(str(renamed), wasm.subarray(descStart, pos));
      }
    }
    if (pos !== end) throw new Error(`section ${id} did not parse to its end`);
    const content = Buffer.concat(body);
    parts.push(Buffer.from([id]), leb(content.length), content);
  }
  // The glue: import keys are `name: function(`, the module is a quoted key, exports are `wasm.name`.
  const replaceAll = (pattern, to, required = true) => {
    const before = glue;
    glue = glue.replace(pattern, to);
    if (required && glue === before) throw new Error(`glue has no ${pattern}`);
  };
  for (const [from, to] of imports) replaceAll(new RegExp(`(?<=[\\s{,])${from}(?=: function\\()`, 'g'), to);
  if (module) replaceAll(JSON.stringify(module) + ':', '"a":');
  // (Some exports, such as wasm-bindgen's abort hooks, are not used by the glue.)
  for (const [from, to] of exports) replaceAll(new RegExp(`(?<=\\bwasm\\.)${from}\\b`, 'g'), to, false);
  for (const old of imports.keys()) {
    if (new RegExp(`\\b${old}\\b`).test(glue)) throw new Error(`glue still names ${old}`);
  }
  for (const old of exports.keys()) {
    if (new RegExp(`\\bwasm\\.${old}\\b|\\bwasm\\[`).test(glue)) throw new Error(`glue still reaches ${old} by name`);
  }
  writeFileSync(wasmPath, Buffer.concat(parts));
  writeFileSync(gluePath, glue);
}

// Function-name patterns → the part of the SDK they belong to, for `composition`.
const PARTS = [
  ['core::fmt and panics', /core::fmt|fmt::|Formatter|escape_debug|printable|panic|unwrap_failed|expect_failed|slice_error_fail|slice_.*_fail|str_index_overflow|count::do_count_chars|char_count/],
  ['allocator (lol_alloc) and alloc', /lol_alloc|__rust_alloc|__rust_dealloc|__rust_realloc|__rdl_|alloc::alloc|raw_vec|RawVec|finish_grow/],
  ['serde-wasm-bindgen and wire types', /serde|sessionsight::wire/],
  ['SDK: PII scanners (SSN, card, IBAN, phone, credential)', /sessionsight::pii/],
  ['SDK: validation, ids, cookies, session, queue, profile', /sessionsight::/],
  ['wasm-bindgen, js-sys, web-sys glue; exported entry points (SDK code inlined into them)', /wasm_bindgen|js_sys|web_sys|externref|^sdk_|^explainIdentify|^__wbg|^__wbindgen|closures|multivalue shim/],
  ['std / core / alloc (collections, strings, sort, hashing)', /std|core|alloc|hashbrown/],
];

/**
 * What the shipped wasm is made of: `wasm` (wasm-bindgen's output, whose name section is kept)
 * is optimised like `wasmOpt` but with names kept, and each function's body size is credited
 * to a part by its name; data is the data section (strings, tables).
 */
export function composition(wasm, scratch) {
  execFileSync(`${root}node_modules/.bin/wasm-opt`, [wasm, ...PASSES, '-g', '--strip-producers',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    '--enable-reference-types', '--enable-multivalue', '-o', scratch], { stdio: 'inherit' });
  const buf = readFileSync(scratch);
  let pos = 8;
  const u32 = () => { let r = 0, s = 0, b; do { b = buf[pos++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const limits = () => { const flags = buf[pos++]; u32(); if (flags & 1) u32(); };
  let imported = 0;
  const bodies = [];
  const names = new Map();
  const parts = new Map();
  const credit = (part, n) => parts.set(part, (parts.get(part) || 0) + n);
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = u32();
    const end = pos + size;
    if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        for (let k = 0; k < 2; k++) { const len = u32(); pos += len; } // module and field names
        const kind = buf[pos++];
        if (kind === 0) { u32(); imported++; } else if (kind === 1) { pos++; limits(); } else if (kind === 2) limits(); else if (kind === 3) pos += 2; else { pos++; u32(); }
      }
    } else if (id === 10) {
      for (let n = u32(); n > 0; n--) { const len = u32(); bodies.push(len); pos += len; }
    } else if (id === 11) {
      credit('data (strings, tables, panic locations)', size);
    } else if (id === 0) {
      const len = u32();
      if (buf.toString('utf8', pos, pos + len) === 'name') {
        pos += len;
        while (pos < end) {
          const sub = buf[pos++];
          const subEnd = u32() + pos;
          if (sub === 1) for (let n = u32(); n > 0; n--) { const idx = u32(); const l = u32(); names.set(idx, buf.toString('utf8', pos, pos + l)); pos += l; }
          pos = subEnd;
        }
      }
    } else {
      credit('sections: types, imports, exports, table', size);
    }
    pos = end;
  }
  bodies.forEach((len, i) => {
    // std rebuilt from source names crates with a hash (`sessionsight[5d72…]::`): drop it.
    const name = (names.get(i + imported) || '').replace(/\[[0-9a-f]+\]/g, '');
    credit((PARTS.find(([, re]) => re.test(name)) || ['other'])[0], len);
  });
  const total = [...parts.values()].reduce((a, b) => a + b, 0);
  return [...parts].sort((a, b) => b[1] - a[1]).map(([part, bytes]) => ({ part, bytes, share: bytes / total }));
}
