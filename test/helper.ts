/**
 * The test harness: every suite that touches the database runs once per dialect, each on a fresh database
 * (a temp SQLite file, or a new PostgreSQL database created for the suite and dropped after it).
 * PostgreSQL: TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the maintenance
 * connection. With CI=true the PostgreSQL leg is mandatory; otherwise it is skipped, with a message, when
 * no server answers.
 */
import { after, before, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { buildApp, type AppDeps } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type DatabaseHandle, type Db, type Dialect } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ManualClock } from '../src/lib/clock.js';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CI = process.env.CI === 'true' || process.env.CI === '1';
// outside CI a server that does not answer soon is taken as absent (its leg is skipped); under CI it must
// answer, and on a loaded machine (two test files at once, each starting servers) connecting can take seconds
const PROBE_TIMEOUT_MS = CI ? 15_000 : 2000;

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    if (CI)
      throw new Error(`CI=true but PostgreSQL is unreachable at ${PG_ADMIN_URL}: ${(err as Error).message}`, {
        cause: err,
      });
    console.warn(
      `# PostgreSQL unreachable at ${PG_ADMIN_URL}: the PostgreSQL leg is SKIPPED (set CI=true to require it)`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const pgAvailable = await probePostgres();

export function pgUrlFor(database: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database of the dialect; `drop()` removes it. */
export async function freshDatabaseUrl(
  dialect: Dialect,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kswifi-test-'));
    return {
      url: `sqlite:///${join(dir, 'test.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `kswifi_t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: pgUrlFor(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Test configuration: cheap bcrypt, quiet logs, generous limits unless a test overrides them. */
export function testConfig(url: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      DATABASE_URL: url,
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: '100000',
      AUTH_RATE_LIMIT_MAX: '100000',
      SWEEP_INTERVAL_S: '0',
      JWT_SECRET: 'test-secret-test-secret-test-secret-0123',
      ...overrides,
    },
    false,
  );
}

export interface TestEnv {
  dialect: Dialect;
  url: string;
  app: FastifyInstance;
  db: Db;
  database: DatabaseHandle;
  clock: ManualClock;
  config: Config;
  /** Another app instance on the same database (e.g. a second server in a multi-instance test). */
  newApp(overrides?: Record<string, string>, deps?: AppDeps): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/** Builds a migrated database and an app on it. Apps built here are closed by `close()`. */
export async function createEnv(
  dialect: Dialect,
  overrides: Record<string, string> = {},
  deps: AppDeps = {},
): Promise<TestEnv> {
  const { url, drop } = await freshDatabaseUrl(dialect);
  const config = testConfig(url, overrides);
  const database = openDatabase(url, {
    poolMax: config.DB_POOL_MAX,
    preparedStatements: config.DB_PREPARED_STATEMENTS,
    pipeline: config.DB_PIPELINE,
  });
  await migrateToLatest(database.db);
  const clock = deps.clock instanceof ManualClock ? deps.clock : new ManualClock(Date.now());
  const apps: FastifyInstance[] = [];
  const newApp = async (more: Record<string, string> = {}, moreDeps: AppDeps = {}) => {
    const app = await buildApp(testConfig(url, { ...overrides, ...more }), {
      clock,
      database,
      ...deps,
      ...moreDeps,
    });
    await app.ready();
    apps.push(app);
    return app;
  };
  const app = await newApp();
  return {
    dialect,
    url,
    app,
    db: database.db,
    database,
    clock,
    config,
    newApp,
    async close() {
      for (const a of apps) await a.close();
      await database.close();
      await drop();
    },
  };
}

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/** A suite's `skip` for one dialect: the PostgreSQL leg is skipped when no server is reachable outside CI. */
export function dialectSkip(dialect: Dialect): string | false {
  return dialect === 'postgres' && !pgAvailable ? 'PostgreSQL not reachable (outside CI)' : false;
}

/**
 * `describe` once per dialect with a fresh environment shared by the suite's tests (tests use unique
 * emails, so they do not interfere). The PostgreSQL leg is skipped when no server is reachable outside CI.
 */
export function forEachDialect(
  name: string,
  body: (ctx: { env: () => TestEnv; dialect: Dialect }) => void,
  overrides: Record<string, string> = {},
): void {
  for (const dialect of DIALECTS) {
    describe(`${name} [${dialect}]`, { skip: dialectSkip(dialect) }, () => {
      let env: TestEnv | undefined;
      before(async () => {
        env = await createEnv(dialect, overrides);
      });
      after(async () => {
        await env?.close();
      });
      body({
        dialect,
        env: () => {
          if (!env) throw new Error('environment not ready');
          return env;
        },
      });
    });
  }
}

let seq = 0;
export function uniqueEmail(tag = 'user'): string {
  seq += 1;
  return `${tag}.${process.pid}.${Date.now().toString(36)}.${seq}@example.test`;
}

export interface Session {
  id: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
  headers: Record<string, string>;
}

export async function registerUser(
  app: FastifyInstance,
  email = uniqueEmail(),
  password = 'correct horse 1',
  fullName?: string,
): Promise<Session> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, ...(fullName ? { full_name: fullName } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: { id: string }; tokens: { access_token: string; refresh_token: string } }>();
  return {
    id: body.user.id,
    email,
    password,
    access: body.tokens.access_token,
    refresh: body.tokens.refresh_token,
    headers: { authorization: `Bearer ${body.tokens.access_token}` },
  };
}

/** An active admin, created through the same service the bootstrap and the CLI use, logged in. */
export async function adminSession(app: FastifyInstance, email = uniqueEmail('admin')): Promise<Session> {
  const password = 'admin password 1';
  await app.services.users.ensureAdmin(email, password, true);
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`admin login failed: ${res.statusCode} ${res.body}`);
  const body = res.json<{ user: { id: string }; tokens: { access_token: string; refresh_token: string } }>();
  return {
    id: body.user.id,
    email,
    password,
    access: body.tokens.access_token,
    refresh: body.tokens.refresh_token,
    headers: { authorization: `Bearer ${body.tokens.access_token}` },
  };
}

/** Asserts the RFC 9457 shape and returns the parsed problem. */
export function problemOf(res: LightMyRequestResponse): {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
  request_id: string;
} {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${String(res.headers['content-type'])}: ${res.body}`);
  }
  return res.json();
}

export type { InjectOptions };
