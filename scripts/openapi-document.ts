/**
 * The service's OpenAPI document as /openapi.json serves it, without a server or a database of its own:
 * an in-memory SQLite is enough to build the app. Shared by scripts/openapi.ts and scripts/gen-api.ts.
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export async function readOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig(
    { NODE_ENV: 'test', DATABASE_URL: 'sqlite:///:memory:', LOG_LEVEL: 'silent', SWEEP_INTERVAL_S: '0' },
    false,
  );
  const app = await buildApp(config);
  try {
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
    return JSON.parse(res.body) as Record<string, unknown>;
  } finally {
    await app.close();
  }
}
