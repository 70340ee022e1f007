// Bundles the server into one ES module (dist/server.mjs) for `npm start` and the bench. Node 20's module
// loader spends ~1 s resolving and compiling the ~1,500 files of the dependency tree at every start; one
// file starts about 35 % faster and takes ~15 MB less memory (docs/benchmarks.md). Code reached only
// through `await import()` (Stripe, the ES2+ client, nodemailer, the webhook sender's HTTP client, the docs
// UI ...) goes into its own file under dist/chunks/, read the first time it is needed, so a start
// parses only what every server runs. Left external: native
// addons, pino and its transports (loaded by name in worker threads), and packages that read their own
// files at run time (swagger-ui's static assets) or are loaded only when configured (ioredis).
import { build } from 'esbuild';

await build({
  entryPoints: { server: 'src/server.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  external: [
    'better-sqlite3',
    'bcrypt',
    'pg-native',
    'pino',
    'pino-roll',
    'thread-stream',
    '@fastify/swagger-ui',
    'ioredis',
  ],
  // some bundled CommonJS packages call require() for Node built-ins
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
