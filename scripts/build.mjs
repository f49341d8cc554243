// `npm run build`: Rust → wasm (release, size profile) → wasm-bindgen glue → wasm-opt -Oz →
// esbuild bundles (ES module + classic script) → dist/, then prints every file's raw, gzip
// and brotli size.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown']);
rmSync(join(root, 'pkg'), { recursive: true, force: true });
run('wasm-bindgen', ['target/wasm32-unknown-unknown/release/sessionsight.wasm', '--out-dir', 'pkg', '--target', 'web', '--no-typescript']);

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'));
run(join(root, 'node_modules/.bin/wasm-opt'), ['pkg/sessionsight_bg.wasm', '-Oz', '--converge', '--strip-debug', '--strip-producers',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
  '--enable-reference-types', '--enable-multivalue', '-o', 'dist/sessionsight_bg.wasm']);

const common = { bundle: true, minify: true, target: 'es2020', logLevel: 'warning', legalComments: 'none' };
await build({ ...common, entryPoints: [join(root, 'js/index.js')], format: 'esm', outfile: join(root, 'dist/index.js') });
await build({ ...common, entryPoints: [join(root, 'js/classic.js')], format: 'iife', outfile: join(root, 'dist/sessionsight.js'),
  logOverride: { 'empty-import-meta': 'silent' } });
copyFileSync(join(root, 'js/index.d.ts'), join(root, 'dist/index.d.ts'));

export function sizes(dir) {
  return readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).map((f) => {
    const data = readFileSync(join(dir, f));
    return {
      file: f,
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
}

console.log('\ndist/                         raw      gzip    brotli');
for (const s of sizes(join(root, 'dist'))) {
  console.log(`  ${s.file.padEnd(24)} ${String(s.raw).padStart(8)} ${String(s.gzip).padStart(8)} ${String(s.brotli).padStart(8)}`);
}
