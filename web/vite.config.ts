/**
 * The web app's build: web/ → dist/web (index.html + hashed files under assets/), served by the service
 * (src/plugins/web.ts). `npm run build` runs it; `npx vite --config web/vite.config.ts` serves it live,
 * passing /api to a service on :8000.
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // the CSP allows no inline script: the module preload helper ships inside the entry file
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
});
