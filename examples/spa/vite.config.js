// A tiny Vite + React app that embeds SessionSight as a package. No JSX (no React plugin is
// installed and Node imports src/App.js as-is for server-side rendering): React.createElement.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: { target: 'es2020' },
});
