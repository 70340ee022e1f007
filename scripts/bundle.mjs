// Bundles the server into one ES module (dist/server.mjs) for `npm start` and the bench. Node 20's module
// loader spends ~1 s resolving and compiling the ~1,500 files of the dependency tree at every start; one
// file starts about 35 % faster and takes ~15 MB less memory (docs/benchmarks.md). Code reached only
// through `await import()` (Stripe, the ES2+ client, nodemailer, the webhook sender's HTTP client, the docs
// UI ...) goes into its own file under dist/chunks/, read the first time it is needed, so a start
// parses only what every server runs. Left external: native
// addons, pino and its transports (loaded by name in worker threads), and packages that read their own
// files at run time (swagger-ui's static assets) or are loaded only when configured (ioredis).
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const result = await build({
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
  // strings, templates, regular expressions and names are written with escapes: only comments keep
  // characters outside ASCII (below)
  charset: 'ascii',
  metafile: true,
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

// A module source with a single character outside ASCII is decoded and parsed by V8 as two-byte text: on
// the 3.8 MB server file, ~30 ms more CPU at every start (docs/benchmarks.md, session 7). What esbuild leaves
// outside ASCII is in comments only (charset above), so each such UTF-16 unit becomes '?': same length,
// so the source maps' columns still hold.
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.mjs'))) {
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[\u0080-\uffff]/g, '?');
  if (ascii !== text) writeFileSync(file, ascii);
}
