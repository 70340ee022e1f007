/**
 * Webhook processing rate: how many signed Stripe `payment_intent.succeeded` events per second the service
 * verifies and applies (order paid, pack made, activity logged, event id stored), on SQLite and PostgreSQL.
 *
 *   node --import tsx bench/payments-webhook.ts [--db sqlite|pg|both] [--events 3000] [--concurrency 32]
 *     [--statements]   on PostgreSQL, also count the statements per event, by SQL text, and the writes to
 *                       the database's sockets (statements sent together are one write: one round trip)
 *     [--cpu-profile F] write a V8 CPU profile of the first delivery only to F.<db>.cpuprofile
 *                       (read it with: npx tsx bench/cpuprofile-top.ts F.<db>.cpuprofile)
 *
 * Each database is fresh; N users each get one order `pending_payment` (written through the packs
 * module's checkout code, no provider call), then N events, pre-signed with the SDK's test-header helper,
 * are delivered through the app's HTTP layer (inject: routing, raw-body parser, rate limit, signature
 * check, one transaction per event) with C in flight. A second pass delivers them all again (redelivery:
 * stored ids answer `duplicate`). Exactness is checked: N packs, N paid orders, N stored events.
 * The environment's settings apply (DB_POOL_MAX, DB_PIPELINE, DB_PREPARED_STATEMENTS ...).
 *
 * The load generator runs in the app's own thread here, so its CPU counts against the app: for the rate
 * the running server reaches over real HTTP, see bench/payments-webhook-http.ts.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Socket } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { freshDatabase, type BenchDb } from './db.js';
import { STRIPE_BENCH_ENV, postgresCpu, seedPaidEvents } from './webhook-events.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    events: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '32' },
    statements: { type: 'boolean', default: false },
    'cpu-profile': { type: 'string' },
  },
});
const N = Number(values.events);
const C = Number(values.concurrency);

/** Round trips to PostgreSQL by SQL text (BEGIN and COMMIT included), counted while `counting`. */
const statements = new Map<string, number>();
let counting = false;
if (values.statements) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first.text ?? '?');
    if (counting) statements.set(text, (statements.get(text) ?? 0) + 1);
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

/** Writes to PostgreSQL's sockets while `counting`: what is sent together (pipeline.ts) is one write. */
let socketWrites = 0;
if (values.statements) {
  for (const method of ['_write', '_writev'] as const) {
    const original = Socket.prototype[method] as (...args: unknown[]) => unknown;
    Socket.prototype[method] = function (this: Socket, ...args: unknown[]) {
      if (counting && this.remotePort === 5432) socketWrites++;
      return original.apply(this, args);
    } as never;
  }
}

function statementReport(events: number): {
  per_event: number;
  writes_per_event: number;
  by_sql: Record<string, number>;
} {
  const total = [...statements.values()].reduce((a, b) => a + b, 0);
  const writes = socketWrites;
  socketWrites = 0;
  const bySql = [...statements.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([text, n]) => [text.replace(/\s+/g, ' ').slice(0, 110), Math.round((n / events) * 100) / 100]);
  statements.clear();
  return {
    per_event: Math.round((total / events) * 100) / 100,
    writes_per_event: Math.round((writes / events) * 100) / 100,
    by_sql: Object.fromEntries(bySql),
  };
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function run(kind: BenchDb) {
  const fresh = await freshDatabase(kind);
  const config = loadConfig(
    {
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01',
      DATABASE_URL: fresh.url,
      LOG_LEVEL: 'silent',
      SWEEP_INTERVAL_S: '0',
      ...STRIPE_BENCH_ENV,
    },
    false,
  );
  const database = openDatabase(fresh.url, {
    poolMax: config.DB_POOL_MAX,
    preparedStatements: config.DB_PREPARED_STATEMENTS,
    pipeline: config.DB_PIPELINE,
  });
  const dbName = new URL(fresh.url).pathname.slice(1);
  try {
    await migrateToLatest(database.db);
    const app = await buildApp(config, { database });
    await app.ready();
    const payloads = await seedPaidEvents(database.db, N, `bench_${kind}`);
    const outcomes = new Map<string, number>();
    const deliverAll = async () => {
      const cpu0 = process.cpuUsage();
      const pgCpu0 = kind === 'pg' ? postgresCpu(dbName) : 0;
      const t0 = process.hrtime.bigint();
      await pool(payloads, C, async (p) => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/payments/stripe/webhook',
          headers: { 'content-type': 'application/json', 'stripe-signature': p.header },
          payload: p.body,
        });
        const outcome =
          res.statusCode === 200 ? res.json<{ outcome: string }>().outcome : `http_${res.statusCode}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      });
      const cpu = process.cpuUsage(cpu0);
      return {
        wall: Number(process.hrtime.bigint() - t0) / 1e9,
        cpu: (cpu.user + cpu.system) / 1e6,
        pgCpu: kind === 'pg' ? postgresCpu(dbName) - pgCpu0 : 0,
      };
    };
    counting = true;
    const profiler = values['cpu-profile'] ? new Session() : undefined;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const first = await deliverAll();
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(`${values['cpu-profile']}.${kind}.cpuprofile`, JSON.stringify(profile));
      profiler.disconnect();
    }
    const firstStatements = values.statements ? statementReport(N) : undefined;
    const again = await deliverAll();
    const againStatements = values.statements ? statementReport(N) : undefined;
    counting = false;
    const packs = await database.db
      .selectFrom('packs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const paid = await database.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'paid')
      .executeTakeFirstOrThrow();
    const result = {
      db: kind,
      events: N,
      concurrency: C,
      first_delivery_events_per_s: Math.round(N / first.wall),
      redelivery_events_per_s: Math.round(N / again.wall),
      // this process's CPU per event (the database server's is not counted): the rate one free core gives
      first_delivery_events_per_cpu_s: Math.round(N / first.cpu),
      redelivery_events_per_cpu_s: Math.round(N / again.cpu),
      // the local PostgreSQL server's CPU per event (its processes', from /proc), in ms
      ...(kind === 'pg'
        ? {
            first_delivery_pg_cpu_ms_per_event: Math.round((first.pgCpu / N) * 1e5) / 100,
            redelivery_pg_cpu_ms_per_event: Math.round((again.pgCpu / N) * 1e5) / 100,
          }
        : {}),
      load_average_1m: Number(loadavg()[0]?.toFixed(1)),
      outcomes: Object.fromEntries(outcomes),
      exact:
        Number(packs.n) === N &&
        Number(paid.n) === N &&
        outcomes.get('paid') === N &&
        outcomes.get('duplicate') === N,
    };
    console.log(JSON.stringify(result));
    if (firstStatements) console.log(JSON.stringify({ first_delivery: firstStatements }, null, 1));
    if (againStatements) console.log(JSON.stringify({ redelivery: againStatements }, null, 1));
    await app.close();
    return result;
  } finally {
    await database.close();
    await fresh.drop();
  }
}

const kinds: BenchDb[] = values.db === 'both' ? ['sqlite', 'pg'] : [values.db as BenchDb];
for (const kind of kinds) await run(kind);
