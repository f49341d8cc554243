// Browser entry: hydrates the server-rendered markup, or renders from scratch when the page
// was served without it (vite dev).
import { createElement as h } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import App from './App.js';

const root = document.getElementById('root');
if (root.hasChildNodes()) {
  hydrateRoot(root, h(App), {
    onRecoverableError: (error) => console.error('[spa] hydration error', error),
  });
} else {
  createRoot(root).render(h(App));
}
