// Serves the demo (www/ or another folder) and the built SDK (dist/ at /dist/) as plain files,
// never anything outside those two folders.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { BadRequest } from './protocol.js';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** Answers GET/HEAD `path` from `www` (or `dist` under /dist/); 404 outside them. */
export function staticFile(res, path, { www, dist, headers, head }) {
  const inDist = path.startsWith('/dist/');
  const base = inDist ? dist : www;
  const rel = inDist ? path.slice(5) : path === '/' ? '/index.html' : path;
  let decoded;
  try { decoded = decodeURIComponent(rel); } catch (e) { throw new BadRequest(400, 'bad_path', path.slice(0, 200)); }
  const full = normalize(join(base, decoded));
  if (!full.startsWith(base + '/') || !existsSync(full) || !statSync(full).isFile()) throw new BadRequest(404, 'not_found', path.slice(0, 200));
  const body = readFileSync(full);
  res.writeHead(200, { 'Content-Type': TYPES[extname(full)] || 'application/octet-stream', 'Content-Length': body.length, 'Cache-Control': 'no-store', ...headers });
  res.end(head ? undefined : body);
}
