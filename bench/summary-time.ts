/**
 * Times one user's GET /api/v1/usage/summary (daily buckets over 25 days, the app's usage screen) as that
 * user's history grows: 1,000, 10,000, 100,000 and 1,000,000 records spread over 90 days, on a fresh
 * database of each kind. Records are written straight into the tables (the rollups rebuilt from them, as
 * the engine would have kept them); the reads go through the full HTTP stack (app.inject). Median of --runs.
 *
 *   npx tsx bench/summary-time.ts [--db sqlite|pg|both] [--runs 15] [--max 1000000]
 */
import { sql, type Insertable } from 'kysely';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, transaction, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database } from '../src/db/types.js';
import { DAY_MS } from '../src/lib/clock.js';
import { rollupsRepo } from '../src/modules/usage/rollups.repository.js';
import { freshDatabase, type BenchDb } from './db.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '15' },
    max: { type: 'string', default: '1000000' },
  },
});
const RUNS = Math.max(1, Number(args.runs));
const SIZES = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n <= Number(args.max));
const KINDS: BenchDb[] = args.db === 'both' ? ['sqlite', 'pg'] : [args.db as BenchDb];

async function addRecords(
  db: Db,
  who: { user: string; esim: string; iccid: string },
  from: number,
  to: number,
) {
  const now = Date.now();
  const rows: Insertable<Database['usage_records']>[] = [];
  const flush = async () => {
    const part = rows.splice(0);
    await transaction(db, async (tx) => {
      for (let i = 0; i < part.length; i += 500)
        await tx
          .insertInto('usage_records')
          .values(part.slice(i, i + 500))
          .execute();
    });
  };
  for (let i = from; i < to; i++) {
    // any prefix of the sequence is spread evenly over the last 90 days (golden-ratio stride)
    const at = now - 1000 - Math.floor(((i * 0.6180339887498949) % 1) * 90 * DAY_MS);
    rows.push({
      id: `r${i.toString().padStart(8, '0')}`,
      event_id: `summary-${i}`,
      esim_id: who.esim,
      user_id: who.user,
      iccid: who.iccid,
      bytes: 1000 + (i % 50_000),
      overage_bytes: 0,
      occurred_at: at,
      received_at: at,
    });
    if (rows.length >= 5000) await flush();
  }
  await flush();
}

async function run(kind: BenchDb): Promise<void> {
  const fresh = await freshDatabase(kind);
  const config = loadConfig(
    {
      DATABASE_URL: fresh.url,
      LOG_LEVEL: 'silent',
      BCRYPT_ROUNDS: '4',
      RATE_LIMIT_MAX: '1000000',
      SWEEP_INTERVAL_S: '0',
      NODE_ENV: 'development',
    },
    false,
  );
  const database = openDatabase(fresh.url, { poolMax: config.DB_POOL_MAX, statementTimeoutMs: 600_000 });
  await migrateToLatest(database.db);
  const app = await buildApp(config, { database });
  try {
    await app.ready();
    const reg = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: `summary-${Date.now()}@bench.example`, password: 'summary bench password' },
    });
    const token = reg.json<{ tokens: { access_token: string } }>().tokens.access_token;
    const headers = { authorization: `Bearer ${token}` };
    const esim = await app.inject({ method: 'POST', url: '/api/v1/esims', headers, payload: {} });
    if (esim.statusCode !== 201) throw new Error(`eSIM: ${esim.statusCode} ${esim.body}`);
    const e = esim.json<{ id: string; iccid: string; user_id?: string }>();
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers });
    const who = { user: me.json<{ id: string }>().id, esim: e.id, iccid: e.iccid };
    const to = new Date(Date.now() - DAY_MS / 3).toISOString(); // ragged edges: partial hours at both ends
    const from = new Date(Date.now() - 25 * DAY_MS - DAY_MS / 3).toISOString();
    const url = `/api/v1/usage/summary?granularity=day&from=${from}&to=${to}`;
    let have = 0;
    for (const size of SIZES) {
      await addRecords(database.db, who, have, size);
      have = size;
      await transaction(database.db, (tx) => rollupsRepo.rebuild(tx, database.dialect));
      await sql`analyze`.execute(database.db);
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i <= RUNS; i++) {
        const t0 = performance.now();
        const res = await app.inject({ method: 'GET', url, headers });
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) throw new Error(`summary: ${res.statusCode} ${res.body}`);
        total = res.json<{ total_bytes: number }>().total_bytes;
        if (i > 0) times.push(ms); // the first is the warm-up
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(
        `${kind.padEnd(6)} ${String(size).padStart(9)} records: summary median ${median.toFixed(2)} ms ` +
          `(min ${times[0]!.toFixed(2)}, max ${times.at(-1)!.toFixed(2)}; total_bytes ${total})`,
      );
    }
  } finally {
    await app.close();
    await database.close().catch(() => undefined);
    await fresh.drop();
  }
}

for (const kind of KINDS) await run(kind);
