/**
 * Times GET /api/v1/admin/stats on an existing (seeded) database: a warm-up call, then the median, min and
 * max of --runs calls through the full HTTP stack (app.inject: routing, auth, validation, serialisation).
 * With --explain it also prints the query plan of every statement the endpoint runs.
 *
 *   DATABASE_URL=sqlite:///data/bench-large.db npx tsx bench/stats-time.ts --runs 7 --explain
 *
 * It adds one admin account (bench-admin@kswifi.example) to the database to call the endpoint with.
 */
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { dialectOf, openDatabase, sqlitePathOf } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/types.js';
import { systemClock } from '../src/lib/clock.js';
import { randomToken } from '../src/lib/secrets.js';
import { StatsService } from '../src/modules/system/stats.service.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    explain: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: DATABASE_URL=<url> npx tsx bench/stats-time.ts [--runs N] [--explain]');
  process.exit(0);
}
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const RUNS = Math.max(1, Number(args.runs));

async function timeEndpoint(): Promise<void> {
  const config = loadConfig(
    {
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      BCRYPT_ROUNDS: '4',
      RATE_LIMIT_MAX: '1000000',
      AUTH_RATE_LIMIT_MAX: '1000000',
      SWEEP_INTERVAL_S: '0',
      NODE_ENV: 'development',
    },
    false,
  );
  const database = openDatabase(url!, { poolMax: config.DB_POOL_MAX, statementTimeoutMs: 600_000 });
  await migrateToLatest(database.db);
  const app = await buildApp(config, { database });
  try {
    await app.ready();
    const email = 'bench-admin@kswifi.example';
    const password = randomToken(18);
    await app.services.users.ensureAdmin(email, password, true);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    const token = login.json<{ tokens: { access_token: string } }>().tokens.access_token;
    const call = async () => {
      const t0 = performance.now();
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/stats',
        headers: { authorization: `Bearer ${token}` },
      });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`stats answered ${res.statusCode}: ${res.body}`);
      return { ms, body: res.json<{ users: { total: number }; usage_per_day: unknown[] }>() };
    };
    const warm = await call();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push((await call()).ms);
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const counts = await database.db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('users')
          .select((e) => e.fn.countAll().as('n'))
          .as('users'),
        eb
          .selectFrom('usage_records')
          .select((e) => e.fn.countAll().as('n'))
          .as('usage'),
        eb
          .selectFrom('packs')
          .select((e) => e.fn.countAll().as('n'))
          .as('packs'),
      ])
      .executeTakeFirstOrThrow();
    console.log(
      `${database.dialect}: ${String(counts.users)} users, ${String(counts.packs)} packs, ` +
        `${String(counts.usage)} usage records`,
    );
    console.log(
      `GET /admin/stats: warm-up ${warm.ms.toFixed(1)} ms; median ${median.toFixed(1)} ms, ` +
        `min ${times[0]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms over ${RUNS} runs`,
    );
  } finally {
    await app.close();
    await database.close();
  }
}

/** Runs the stats queries once on a logging connection, then prints each statement's plan. */
async function explain(): Promise<void> {
  const captured: CompiledQuery[] = [];
  const log = (e: LogEvent) => {
    if (e.level === 'query') captured.push(e.query);
  };
  const sqlite = dialectOf(url!) === 'sqlite';
  const db = sqlite
    ? new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(sqlitePathOf(url!)) }), log })
    : new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
        log,
      });
  try {
    await new StatsService(db, systemClock).snapshot();
    const statements = [...captured];
    for (const q of statements) {
      const prefix = sqlite ? 'explain query plan ' : 'explain (analyze, buffers) ';
      const plan = await db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(prefix + q.sql, [...q.parameters]),
      );
      console.log(`\n-- ${q.sql}`);
      for (const row of plan.rows)
        console.log(sqlite ? `   ${String(row.detail)}` : `   ${String(row['QUERY PLAN'])}`);
    }
  } finally {
    await db.destroy();
  }
}

timeEndpoint()
  .then(() => (args.explain ? explain() : undefined))
  .catch((err: unknown) => {
    console.error((err as Error).stack ?? err);
    process.exit(1);
  });
