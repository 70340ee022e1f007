/**
 * Writes the service's OpenAPI document (as /openapi.json serves it) to a file, without a server or a
 * database of its own: an in-memory SQLite is enough to build the app. Used by `npm run lint:openapi`
 * (redocly lint) and `npm run gen:api` (the web app's typed client).
 *   tsx scripts/openapi.ts <out.json>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/openapi.ts <out.json>');
  process.exit(2);
}
const config = loadConfig(
  { NODE_ENV: 'test', DATABASE_URL: 'sqlite:///:memory:', LOG_LEVEL: 'silent', SWEEP_INTERVAL_S: '0' },
  false,
);
const app = await buildApp(config);
await app.ready();
const res = await app.inject({ method: 'GET', url: '/openapi.json' });
await app.close();
if (res.statusCode !== 200) {
  console.error(`/openapi.json answered ${res.statusCode}`);
  process.exit(1);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(JSON.parse(res.body), null, 2) + '\n');
