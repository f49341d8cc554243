import { fileURLToPath } from 'node:url';

// The workspace folder (examples/frameworks) holds node_modules: Turbopack's root.
export default { turbopack: { root: fileURLToPath(new URL('..', import.meta.url)) } };
