// `npm run build`: Rust → wasm (release, size profile) → wasm-bindgen glue → short import and
// export names → wasm-opt -Oz →
// esbuild bundles (ES module + classic script) → dist/, then prints every file's raw, gzip
// and brotli size. pkg/collector/ gets the reference collector's wasm (node only).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zlibAsync } from '@gfx/zopfli';
import { build } from 'esbuild';
import { minify } from 'terser';
import { cargoShipped, shortenNames, sizeOf, wasmOpt } from './wasm-tools.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// Everything is written to *.next folders first and swapped in at the end, so a server or
// test reading pkg/ and dist/ never sees a half-built pair.
const pkgNext = join(root, 'pkg.next');
const distNext = join(root, 'dist.next');
for (const d of [pkgNext, distNext]) rmSync(d, { recursive: true, force: true });

// The reference collector's own wasm (with `checkBatch`, built for speed), then the browser's (without it).
const wasmOut = 'target/wasm32-unknown-unknown/collector/sessionsight.wasm';
run('cargo', ['build', '--profile', 'collector', '--target', 'wasm32-unknown-unknown', '--features', 'collector']);
run('wasm-bindgen', [wasmOut, '--out-dir', join(pkgNext, 'collector'), '--target', 'web', '--no-typescript']);
// The browser's wasm: built like `cargoShipped` says (pinned nightly, std rebuilt for size).
const shipped = cargoShipped(root);
run('wasm-bindgen', [join(shipped, 'sessionsight.wasm'), '--out-dir', pkgNext, '--target', 'web', '--no-typescript']);
shortenNames(join(pkgNext, 'sessionsight_bg.wasm'), join(pkgNext, 'sessionsight.js'));

mkdirSync(distNext);
wasmOpt(join(pkgNext, 'sessionsight_bg.wasm'), join(distNext, 'sessionsight_bg.wasm'));

// The entries import the glue from ../pkg/: bundle from the fresh copy.
const glue = { name: 'fresh-glue', setup(b) { b.onResolve({ filter: /pkg\/sessionsight\.js$/ }, () => ({ path: join(pkgNext, 'sessionsight.js') })); } };
const common = { bundle: true, minify: true, target: 'es2020', logLevel: 'warning', legalComments: 'none', plugins: [glue] };
/** terser over esbuild's output: two compress passes find what one does not (-342 B gzip of the page). */
const smaller = async (code, module) => (await minify(code, { ecma: 2020, module, compress: { passes: 2 }, mangle: true })).code;
// Both entries carry the wasm (js/embedded.js): zopfli's zlib stream of it (15 iterations:
// 34,082 B where zlib -9 gives 36,389; more iterations gain under 30 B), in base64, in a
// constant ahead of the bundle, so esbuild never parses the 45 KB string. The ES module once
// fetched the bare .wasm instead: 31.7 KB gzip for it where the embedded copy costs 30.0 (0.2.0).
const embed = { name: 'embedded-wasm', setup(b) {
  b.onResolve({ filter: /^sessionsight:wasm$/ }, () => ({ path: 'wasm', namespace: 'embedded' }));
  b.onLoad({ filter: /.*/, namespace: 'embedded' }, () => ({ contents: 'export const WASM = __sessionsightWasm;', loader: 'js' }));
} };
const packed = Buffer.from(await zlibAsync(readFileSync(join(distNext, 'sessionsight_bg.wasm')), { numiterations: 15 })).toString('base64');
// The release: its version in each entry's banner and in a file name a site can pin.
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const banner = `/*! SessionSight Insights ${version} | MIT */\n`;
const esm = await build({ ...common, plugins: [glue, embed], entryPoints: [join(root, 'js/index.js')], format: 'esm', write: false, outfile: join(distNext, 'index.js') });
writeFileSync(join(distNext, 'index.js'), `${banner}const __sessionsightWasm="${packed}";\n${await smaller(esm.outputFiles[0].text, true)}\n`);
const classic = await build({ ...common, plugins: [glue, embed], entryPoints: [join(root, 'js/classic.js')], format: 'iife', write: false,
  outfile: join(distNext, 'sessionsight.js'), logOverride: { 'empty-import-meta': 'silent' } });
writeFileSync(join(distNext, 'sessionsight.js'), `${banner}{const __sessionsightWasm="${packed}";\n${await smaller(classic.outputFiles[0].text, false)}}\n`);
copyFileSync(join(distNext, 'sessionsight.js'), join(distNext, `sessionsight-${version}.js`));
copyFileSync(join(root, 'js/index.d.ts'), join(distNext, 'index.d.ts'));

for (const [next, final] of [[pkgNext, join(root, 'pkg')], [distNext, join(root, 'dist')]]) {
  rmSync(final, { recursive: true, force: true });
  renameSync(next, final);
}

console.log('\ndist/                         raw      gzip    brotli');
for (const file of readdirSync(join(root, 'dist'))) {
  const s = sizeOf([join(root, 'dist', file)]);
  console.log(`  ${file.padEnd(24)} ${String(s.raw).padStart(8)} ${String(s.gzip).padStart(8)} ${String(s.brotli).padStart(8)}`);
}
// What a site pastes into its script tag to pin this release (README: "Pin a release").
const sri = `sha384-${createHash('sha384').update(readFileSync(join(root, 'dist', `sessionsight-${version}.js`))).digest('base64')}`;
console.log(`\nsessionsight-${version}.js integrity: ${sri}`);
