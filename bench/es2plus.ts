/**
 * eSIM creations per second in SMDP_MODE=es2plus against the SM-DP+ simulator on loopback: the service
 * (src/server.ts) and the simulator run as their own processes, ES2+ over mutual TLS with kept-alive
 * connections; each creation is two ES2+ round trips (DownloadOrder, ConfirmOrder) plus the database
 * writes. --concurrency clients POST /api/v1/esims over kept-alive HTTP connections; the rate is
 * creations / wall time, with p50 / p99 latency. Then the callback rate: the simulator's phone downloads
 * and installs every profile (--concurrency at once), each firing two HandleDownloadProgressInfo
 * callbacks over mutual TLS to the service's listener; the rate is callbacks answered 204 per second,
 * checked against the final states in the database.
 *   npx tsx bench/es2plus.ts [--creates 3000] [--concurrency 16] [--db sqlite|postgres] [--profile DIR]
 *   [--creates-only]
 * --profile DIR runs the service and the simulator under `node --cpu-prof` (profiles written to DIR at
 * their exit; read them with bench/cpuprofile-top.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Pool } from 'undici';
import { openDatabase } from '../src/db/index.js';
import { freePort, startServer, stopServer } from '../test/fixtures/server-process.js';
import { startSimulatorProcess } from '../test/fixtures/smdp-sim.js';

const { values: opt } = parseArgs({
  options: {
    creates: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    db: { type: 'string', default: 'sqlite' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
    profile: { type: 'string' },
    'creates-only': { type: 'boolean', default: false },
  },
});
const CREATES = Number(opt.creates);
const CONCURRENCY = Number(opt.concurrency);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

const dbName = `kswifi_es2bench_${process.pid}`;

async function database(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (opt.db === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kswifi-es2bench-'));
    return {
      url: `sqlite:///${join(dir, 'bench.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = dbName;
  const admin = new pg.Client({ connectionString: `${opt.pg}/postgres` });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: `${opt.pg}/${name}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: `${opt.pg}/postgres` });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * CPU time (ms, user + system) used so far by the processes that do the work: the service, the simulator
 * and the PostgreSQL backends serving the bench database (Linux /proc; 0 elsewhere). Less sensitive to a
 * busy shared machine than the rate: compare CPU ms per creation between two builds.
 */
function cpuNow(pids: number[]): Record<string, number> {
  const ticks = (pid: number) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, 100 ticks/s
    } catch {
      return 0;
    }
  };
  const backends = readdirSync('/proc').filter((d) => {
    if (!/^[0-9]+$/.test(d)) return false;
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(` ${dbName} `);
    } catch {
      return false;
    }
  });
  const [service = 0, simulator = 0] = pids.map(ticks);
  return { service, simulator, postgres: backends.reduce((n, d) => n + ticks(Number(d)), 0) };
}

function cpuPer(before: Record<string, number>, after: Record<string, number>, n: number): string {
  return Object.keys(after)
    .map((k) => `${k} ${round(((after[k] ?? 0) - (before[k] ?? 0)) / Math.max(1, n), 2)}`)
    .join(', ');
}

/** Runs `total` jobs, `concurrency` at a time; each job's latency in ms. */
async function drive(total: number, concurrency: number, job: (i: number) => Promise<void>) {
  const lat: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await job(i);
        lat.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  lat.sort((a, b) => a - b);
  return { seconds, rate: total / seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
}

const profiling = opt.profile ? ['--cpu-prof', '--cpu-prof-dir', opt.profile] : [];
const sim = await startSimulatorProcess(
  ['--pool-size', String(CREATES + 100), '--profile-types', 'BENCH'],
  profiling,
);
const db = await database();
const es2Port = await freePort();
const server = await startServer(db.url, {
  env: {
    SMDP_MODE: 'es2plus',
    SMDP_ES2_URL: sim.es2Url,
    SMDP_REQUESTER_ID: 'kswifi-bench',
    SMDP_PROFILE_TYPE: 'BENCH',
    SMDP_CLIENT_CERT: sim.files.clientCert,
    SMDP_CLIENT_KEY: sim.files.clientKey,
    SMDP_CA: sim.files.ca,
    ES2_PORT: String(es2Port),
    ES2_TLS_CERT: sim.files.serverCert,
    ES2_TLS_KEY: sim.files.serverKey,
    ESIM_LIMIT_PER_USER: String(Math.min(1000, Math.ceil(CREATES / CONCURRENCY) + 1)),
    DB_POOL_MAX: '20',
  },
  nodeArgs: profiling,
});
try {
  await sim.control('POST', '/sim/config', { callbackUrl: `https://localhost:${es2Port}` });
  const api = new Pool(server.base, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  const users: string[] = [];
  for (let u = 0; u < CONCURRENCY; u++) {
    const res = await api.request({
      method: 'POST',
      path: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench${u}.${Date.now()}@example.test`, password: 'bench password 1' }),
    });
    users.push(((await res.body.json()) as { tokens: { access_token: string } }).tokens.access_token);
  }
  const codes: string[] = [];
  let failures = 0;
  const pids = [server.process.pid ?? 0, sim.process.pid ?? 0];
  const cpu0 = cpuNow(pids);
  const create = await drive(CREATES, CONCURRENCY, async (i) => {
    const res = await api.request({
      method: 'POST',
      path: '/api/v1/esims',
      headers: { authorization: `Bearer ${users[i % CONCURRENCY]}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await res.body.json()) as { activation_code?: string };
    if (res.statusCode === 201 && body.activation_code) codes.push(body.activation_code);
    else failures += 1;
  });
  console.log(
    `creations: ${codes.length} in ${round(create.seconds, 2)} s = ${round(create.rate)}/s ` +
      `(concurrency ${CONCURRENCY}, p50 ${round(create.p50)} ms, p99 ${round(create.p99)} ms, failures ${failures})`,
  );
  const cpu1 = cpuNow(pids);
  console.log(`  CPU ms per creation: ${cpuPer(cpu0, cpu1, CREATES)}`);

  if (opt['creates-only']) codes.length = 0;
  let answered = 0;
  const control = new Pool(sim.controlUrl, { connections: CONCURRENCY });
  const cb = await drive(codes.length, CONCURRENCY, async (i) => {
    const res = await control.request({
      method: 'POST',
      path: '/sim/download',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationCode: codes[i], install: true }),
    });
    const r = (await res.body.json()) as { deliveries?: { status: number }[] };
    answered += (r.deliveries ?? []).filter((d) => d.status === 204).length;
  });
  const cpu2 = cpuNow(pids);
  const check = openDatabase(db.url, { poolMax: 1 });
  const installed = await check.db
    .selectFrom('esims')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'installed')
    .executeTakeFirstOrThrow();
  await check.close();
  console.log(
    `callbacks: ${answered} answered 204 in ${round(cb.seconds, 2)} s = ${round(answered / cb.seconds)}/s ` +
      `(2 per profile, p99 per download+install ${round(cb.p99)} ms); installed in the database: ${Number(installed.n)}`,
  );
  if (answered > 0) console.log(`  CPU ms per callback: ${cpuPer(cpu1, cpu2, answered)}`);
  await api.close();
  await control.close();
} finally {
  await stopServer(server, 'SIGTERM');
  await sim.stop();
  await db.drop();
}
