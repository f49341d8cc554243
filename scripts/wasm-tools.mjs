// What build and bench share: the wasm-opt invocation the SDK ships with, and how sizes are
// measured (raw, gzip -9, brotli 11), so the two always agree.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;

/** wasm-opt -Oz with the features current rustc emits. */
export function wasmOpt(input, output) {
  execFileSync(`${root}node_modules/.bin/wasm-opt`, [input, '-Oz', '--converge', '--strip-debug', '--strip-producers',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    '--enable-reference-types', '--enable-multivalue', '-o', output], { stdio: 'inherit' });
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
