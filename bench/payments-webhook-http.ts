/**
 * Webhook processing rate of the running server, over real HTTP: how many signed Stripe
 * `payment_intent.succeeded` events per second `node dist/server.mjs` verifies and applies (order paid,
 * pack made, activity logged, events and e-mail queued, event id stored), on SQLite and PostgreSQL.
 *
 *   npm run build && node --import tsx bench/payments-webhook-http.ts [--db sqlite|pg|both]
 *     [--events 4000] [--connections 32] [--workers 1] [--runs 1] [--warmup 500]
 *
 * Each run: a fresh database with N orders `pending_payment` and N pre-signed events (webhook-events.ts),
 * the server started on it in stripe mode (WEB_CONCURRENCY = --workers, every other setting from the
 * environment, e.g. DB_POOL_MAX), then wrk (bench/wrk/webhooks.lua, 2 threads, C connections) delivers
 * 500 other events first (warm-up, not counted), then each event once; a second pass delivers them all again (stored ids answer `duplicate`). The rate is N
 * over the time from starting wrk to the last answer. Exactness is checked in the database: N paid orders, N packs, N stored events,
 * every answer 200. The load generator is wrk (C), outside the server, as Stripe is; each row also says
 * how busy the machine was and who used the CPU (the server, PostgreSQL, wrk).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { freshDatabase, type BenchDb } from './db.js';
import { serverEnv } from './env.js';
import { childrenOf, cpuShares, cpuSample, cpuTicksOf, freePort, startProcess, stopProcess } from './proc.js';
import { STRIPE_BENCH_ENV, postgresCpu, seedPaidEvents } from './webhook-events.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    events: { type: 'string', default: '4000' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '500' },
  },
});
const N = Number(values.events);
const C = Number(values.connections);
const WORKERS = Number(values.workers);
const WARMUP = Number(values.warmup);
const THREADS = 2;
const LUA = fileURLToPath(new URL('./wrk/webhooks.lua', import.meta.url));
// not from options.ts, which reads the other benches' command line
const SERVER_JS = fileURLToPath(new URL('../dist/server.mjs', import.meta.url));

interface WrkOut {
  answered: number;
  failed: number;
  outcomes: Record<string, number>;
  latency_us: { p50: number; p99: number; max: number };
}

/** Delivers every event of `file` once; `seconds` runs from starting wrk to the last event answered. */
function wrk(baseUrl: string, file: string): Promise<WrkOut & { seconds: number }> {
  const args = [`-t${THREADS}`, `-c${C}`, '-d600s', '--timeout', '30s', '-s', LUA, baseUrl];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let seconds = 0;
    const child = spawn('wrk', args, {
      env: { ...process.env, WH_FILE: file, WH_THREADS: String(THREADS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (!seconds && text.split('WEBHOOKS_THREAD_DONE').length - 1 === THREADS) {
        seconds = (performance.now() - t0) / 1000;
        child.kill('SIGINT'); // wrk then ends its threads and prints its summary
      }
    });
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', (err) => reject(new Error(`cannot run wrk (apt-get install wrk): ${err.message}`)));
    child.on('exit', () => {
      const line = text.split('\n').find((l) => l.startsWith('BENCH_WEBHOOKS '));
      if (line && seconds)
        resolve({ ...(JSON.parse(line.slice('BENCH_WEBHOOKS '.length)) as WrkOut), seconds });
      else reject(new Error(`wrk did not deliver every event:\n${text}`));
    });
  });
}

/** CPU seconds of the server process and its workers so far. */
const serverCpu = (pid: number) => [pid, ...childrenOf(pid)].reduce((sum, p) => sum + cpuTicksOf(p), 0) / 100;

async function count(db: Db, table: 'packs' | 'payment_events' | 'orders'): Promise<number> {
  let q = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (table === 'orders') q = q.where('status', '=', 'paid');
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function run(kind: BenchDb, tmp: string) {
  const fresh = await freshDatabase(kind);
  const database = openDatabase(fresh.url, { poolMax: 2 });
  try {
    await migrateToLatest(database.db);
    const events = await seedPaidEvents(database.db, WARMUP + N, `http_${kind}`);
    const write = (name: string, list: typeof events) => {
      const file = join(tmp, `${name}-${kind}.txt`);
      writeFileSync(file, list.map((e) => `${e.header}\t${e.body}`).join('\n') + '\n');
      return file;
    };
    const warmup = write('warmup', events.slice(0, WARMUP));
    const file = write('events', events.slice(WARMUP));
    const port = await freePort();
    const env = {
      ...serverEnv({
        dbUrl: fresh.url,
        port,
        workers: WORKERS,
        jwtSecret: 'bench-secret-bench-secret-bench-secret-01',
      }),
      ...STRIPE_BENCH_ENV,
    };
    const server = await startProcess({
      command: process.execPath,
      args: [SERVER_JS],
      env,
      port,
      readyPath: '/ready',
      logFile: join(tmp, `server-${kind}.log`),
    });
    const dbName = new URL(fresh.url).pathname.slice(1);
    const deliver = async () => {
      const machine = cpuSample();
      const app0 = serverCpu(server.pid);
      const pg0 = kind === 'pg' ? postgresCpu(dbName) : 0;
      const out = await wrk(server.baseUrl, file);
      const perEventMs = (s: number) => Math.round((s / N) * 1e5) / 100;
      return {
        events_per_s: Math.round(N / out.seconds),
        answered: out.answered,
        outcomes: out.outcomes,
        latency_ms: { p50: out.latency_us.p50 / 1000, p99: out.latency_us.p99 / 1000 },
        server_cpu_ms_per_event: perEventMs(serverCpu(server.pid) - app0),
        ...(kind === 'pg' ? { pg_cpu_ms_per_event: perEventMs(postgresCpu(dbName) - pg0) } : {}),
        machine: cpuShares(machine, 4),
      };
    };
    try {
      await wrk(server.baseUrl, warmup);
      const first = await deliver();
      const again = await deliver();
      const exact =
        first.outcomes.paid === N &&
        again.outcomes.duplicate === N &&
        (await count(database.db, 'orders')) === WARMUP + N &&
        (await count(database.db, 'packs')) === WARMUP + N &&
        (await count(database.db, 'payment_events')) === WARMUP + N;
      const result = {
        db: kind,
        events: N,
        connections: C,
        workers: WORKERS,
        first,
        redelivery: again,
        exact,
      };
      console.log(JSON.stringify(result));
      return result;
    } finally {
      await stopProcess(server);
    }
  } finally {
    await database.close();
    await fresh.drop();
  }
}

if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run npm run build first`);
const tmp = mkdtempSync(join(tmpdir(), 'kswifi-webhooks-'));
try {
  const kinds: BenchDb[] = values.db === 'both' ? ['sqlite', 'pg'] : [values.db as BenchDb];
  for (let r = 0; r < Number(values.runs); r++) for (const kind of kinds) await run(kind, tmp);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
