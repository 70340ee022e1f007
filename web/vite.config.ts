/**
 * The web app's build: web/ → dist/web (index.html + hashed files under assets/), served by the service
 * (src/plugins/web.ts). `npm run build` runs it; `npx vite --config web/vite.config.ts` serves it live,
 * passing /api to a service on :8000.
 */
import react from '@vitejs/plugin-react';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** .br and .gz beside each text asset, which the service sends to browsers that accept them. */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'kswifi-precompress',
    apply: 'build',
    configResolved: (config) => void (outDir = config.build.outDir),
    writeBundle() {
      const dir = join(outDir, 'assets');
      for (const file of readdirSync(dir).filter((f) => /\.(js|css|svg)$/.test(f))) {
        const body = readFileSync(join(dir, file));
        if (body.length < 1024) continue;
        writeFileSync(join(dir, `${file}.gz`), gzipSync(body, { level: 9 }));
        writeFileSync(
          join(dir, `${file}.br`),
          brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), precompress()],
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
