/**
 * Component tests of the web app (`npm run test:web`): Vitest with happy-dom, the same React plugin as the
 * build. Only the network is stood in for (fetch, and Stripe.js, which comes from Stripe's own address).
 */
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  test: {
    include: ['test/**/*.test.tsx'],
    setupFiles: ['test/setup.ts'],
    environment: 'happy-dom',
    environmentOptions: {
      happyDOM: {
        url: 'http://localhost:8000/',
        // no script is fetched from the internet: a <script src> fails to load, as offline
        settings: { disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: false },
      },
    },
  },
});
