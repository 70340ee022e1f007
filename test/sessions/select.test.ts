/**
 * createSessionBus picks the bus: PostgreSQL → LISTEN/NOTIFY (even with REDIS_URL), SQLite with REDIS_URL
 * → Redis pub/sub, SQLite alone in one process → local. (The cluster worker's choice is checked in
 * cluster-fixture.ts, where a real worker runs it.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../src/db/index.js';
import { createSessionBus, redisChannelFor } from '../../src/sessions/index.js';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function pgUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return CI; // under CI the test runs and fails loudly
  } finally {
    await c.end().catch(() => undefined);
  }
}

test('SQLite in one process: the local bus, always healthy', async () => {
  const bus = await createSessionBus({
    dialect: 'sqlite',
    database: { db: null as never },
    config: { DATABASE_URL: 'sqlite:///:memory:', WEB_CONCURRENCY: 1 },
    log: quiet,
  });
  assert.equal(bus.kind, 'local');
  assert.equal(bus.healthy(), true);
  await bus.close();
});

test('SQLite with REDIS_URL: the Redis bus on a channel scoped to the database', async () => {
  const bus = await createSessionBus({
    dialect: 'sqlite',
    database: { db: null as never },
    config: { DATABASE_URL: 'sqlite:///data/x.db', REDIS_URL, WEB_CONCURRENCY: 4 },
    log: quiet,
  });
  try {
    assert.equal(bus.kind, 'redis');
    if (CI) assert.equal(bus.healthy(), true);
  } finally {
    await bus.close();
  }
  assert.notEqual(redisChannelFor('sqlite:///a.db'), redisChannelFor('sqlite:///b.db'));
});

test('PostgreSQL: LISTEN/NOTIFY, even when REDIS_URL is set', async (t) => {
  if (!(await pgUp())) return t.skip('PostgreSQL unreachable');
  const database = openDatabase(PG_URL, { poolMax: 1 });
  const bus = await createSessionBus({
    dialect: 'postgres',
    database,
    config: { DATABASE_URL: PG_URL, REDIS_URL, WEB_CONCURRENCY: 2 },
    log: quiet,
    startTimeoutMs: 3000,
  });
  try {
    assert.equal(bus.kind, 'postgres');
    assert.equal(bus.healthy(), true);
  } finally {
    await bus.close();
    await database.close();
  }
});
