/**
 * The ceiling a webhook's round trips put on PostgreSQL: transactions of S trivial statements (`select $1`,
 * no table touched) through the app's own database layer (Kysely over a pg pool of DB_POOL_MAX, default
 * 10), C in flight. A paid webhook event is one transaction of 10 statements plus the HTTP layer and real
 * writes, so it cannot go faster than this on the same machine at the same load.
 *
 *   node --import tsx bench/pg-roundtrips.ts [--statements 10] [--transactions 3000] [--concurrency 32]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase, transaction } from '../src/db/index.js';
import { freshDatabase } from './db.js';

const { values } = parseArgs({
  options: {
    statements: { type: 'string', default: '10' },
    transactions: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const S = Number(values.statements);
const N = Number(values.transactions);
const C = Number(values.concurrency);

const fresh = await freshDatabase('pg');
const database = openDatabase(fresh.url, { poolMax: Number(process.env.DB_POOL_MAX ?? 10) });
try {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next++ < N) {
        await transaction(database.db, async (tx) => {
          // begin and commit are two of the S round trips
          for (let i = 0; i < S - 2; i++) await sql`select ${i}::int as n`.execute(tx);
        });
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      statements_per_transaction: S,
      transactions: N,
      concurrency: C,
      transactions_per_s: Math.round(N / wall),
      transactions_per_cpu_s: Math.round(N / ((cpu.user + cpu.system) / 1e6)),
      load_average_1m: Number(loadavg()[0]?.toFixed(1)),
    }),
  );
} finally {
  await database.close();
  await fresh.drop();
}
