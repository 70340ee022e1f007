/**
 * `npm run bench`: build, then for each worker count start the server (`node dist/server.mjs`) on a
 * fresh database, time it to its first 200 on /ready, seed, warm up and run each scenario with wrk, sample
 * the server's RSS, stop it with SIGTERM (it must exit 0), and print a table plus the speed targets.
 * Writes bench/results.<db>.json (sqlite or pg). Options: see `--help`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { report as profileReport, analyse as analyseProfile, type Window } from './cpuprofile-top.js';
import { freshDatabase, type BenchDb } from './db.js';
import { BENCH_ADMIN, serverEnv } from './env.js';
import {
  cpuTicksOf,
  childrenOf,
  freePort,
  mb,
  rssSampler,
  sleep,
  startProcess,
  stopProcess,
  treeRss,
  type Started,
} from './proc.js';
import { firstRequestOf, scenarioByName, scenarios, wrkRequestOf, type Scenario } from './scenarios.js';
import { api, describeAnswer } from './api.js';
import { Seeder } from './seed.js';
import { printHeader, printRow, targets, type Row, type ServerRun } from './report.js';
import { runWrk, type WrkResult } from './wrk.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_JS = join(ROOT, 'dist/server.mjs');
const HELP = `npm run bench -- [options]
  --db sqlite|pg          database (default sqlite; pg: a fresh database on BENCH_PG_URL or
                          postgres://postgres@127.0.0.1:5432/postgres, dropped after)
  --scenario NAME         repeatable or comma separated (default: all); --list shows them
  --duration S            seconds per measured run (default 10)
  --warmup S              seconds of warm-up before each run (default 2)
  --connections N         override every scenario's connections (login-storm-lag keeps 2 + 16)
  --workers 1,2           WEB_CONCURRENCY values (default 1,2)
  --passes N              run the scenario list N times on the same server (RSS growth check; default 1)
  --esims N               eSIMs of the fleet user for usage / qr (default 1000, at most 1000)
  --profile               start the server with --cpu-prof and print the top self-time functions
  --skip-build            use dist/ as it is
  --out FILE              results file (default bench/results.sqlite.json or bench/results.pg.json by --db;
                          bench/results.profile.json with --profile)`;

const { values: opt } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    scenario: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string' },
    workers: { type: 'string', default: '1,2' },
    passes: { type: 'string', default: '1' },
    esims: { type: 'string', default: '1000' },
    profile: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    out: { type: 'string' },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
if (opt.list) {
  for (const s of scenarios) console.log(`${s.name.padEnd(16)} ${s.summary}`);
  process.exit(0);
}

const dbKind: BenchDb = opt.db === 'pg' || opt.db === 'postgres' ? 'pg' : 'sqlite';
if (!['sqlite', 'pg', 'postgres'].includes(opt.db)) fail(`--db must be sqlite or pg, not ${opt.db}`);
const durationS = positive('duration', opt.duration);
const warmupS = Number(opt.warmup);
const passes = positive('passes', opt.passes);
const fleetSize = Math.min(1000, positive('esims', opt.esims));
const connectionsOverride =
  opt.connections === undefined ? undefined : positive('connections', opt.connections);
const workerCounts = opt.workers.split(',').map((w) => positive('workers', w));
const names = (opt.scenario ?? [])
  .flatMap((s) => s.split(','))
  .map((s) => s.trim())
  .filter(Boolean);
for (const n of names) if (!scenarioByName(n)) fail(`unknown scenario ${n} (--list shows them)`);
const selected = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
const outFile = resolve(
  opt.out ?? join(ROOT, opt.profile ? 'bench/results.profile.json' : `bench/results.${dbKind}.json`),
);

function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not ${v}`);
  return n;
}

const log = (line: string) => console.log(line);
const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

function build(): void {
  if (opt['skip-build']) return;
  log('building (npm run build)...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0) return;
  const out = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-15).join('\n');
  if (!existsSync(SERVER_JS)) fail(`npm run build failed and there is no dist/server.mjs:\n${out}`);
  log(
    `WARNING: npm run build failed (another module mid-edit?); benching the dist/ tsc still emitted:\n${out}`,
  );
}

function machine() {
  const cpus = os.cpus();
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += '+dirty';
  } catch {
    // not a git checkout
  }
  let wrk = '';
  try {
    wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
  } catch {
    // reported when wrk runs
  }
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpu_mhz: cpus[0]?.speed ?? 0,
    total_mem_mb: Math.round(os.totalmem() / 1048576),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg_at_start: os.loadavg().map(r2),
    node: process.version,
    wrk,
    commit,
  };
}

async function bcryptCeiling(): Promise<{ best_per_s: number; results: unknown[] } | undefined> {
  if (!selected.some((s) => s.name === 'login' || s.during?.scenario === 'login')) return undefined;
  const seconds = Math.max(2, Math.min(durationS, 5));
  log(`bcrypt ceiling: bcrypt.compare at cost 12, concurrency 2 and 4, ${seconds} s each...`);
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'bench/bcrypt-ceiling.ts'),
        '--cost',
        '12',
        '--seconds',
        String(seconds),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(text) : rej(new Error(`bcrypt-ceiling exited ${code}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith('BCRYPT_RESULT '));
  if (!line) throw new Error(`bcrypt-ceiling printed no result: ${out}`);
  const r = JSON.parse(line.slice('BCRYPT_RESULT '.length)) as { best_per_s: number; results: unknown[] };
  log(`  ${JSON.stringify(r.results)}`);
  return r;
}

/** Databases made by this run and not dropped yet (dropped on Ctrl-C too). */
const pendingDrops = new Set<() => Promise<void>>();

/** When the measured runs happened (the profile's clock): --profile reports only those samples. */
const profileWindows: Window[] = [];

function workerPids(server: Started, workers: number): number[] {
  return workers > 1 ? childrenOf(server.pid) : [server.pid];
}

/** Measures one wrk run against `server` with RSS sampling and, for a cluster, the CPU split. */
async function measured(
  server: Started,
  workers: number,
  run: () => Promise<WrkResult>,
): Promise<{ res: WrkResult; rss: number; peak: number; split?: number[] }> {
  const pids = workerPids(server, workers);
  const before = pids.map(cpuTicksOf);
  const sampler = rssSampler(server.pid);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const res = await run();
  profileWindows.push({ fromUs, toUs: Number(process.hrtime.bigint() / 1000n) });
  const peak = sampler.stop();
  const rss = treeRss(server.pid).totalBytes;
  let split: number[] | undefined;
  if (workers > 1) {
    const used = pids.map((p, i) => cpuTicksOf(p) - before[i]!);
    const sum = used.reduce((a, b) => a + b, 0) || 1;
    split = used.map((u) => r2(u / sum));
  }
  return { res, rss, peak, split };
}

function okRow(
  sc: Scenario,
  workers: number,
  pass: number,
  connections: number,
  m: Awaited<ReturnType<typeof measured>>,
): Row {
  const { res } = m;
  const row: Row = {
    scenario: sc.name,
    workers,
    pass,
    status: 'ok',
    connections,
    duration_s: r2(res.durationS),
    requests: res.requests,
    rps: r1(res.rps),
    p50_ms: r2(res.p50Ms),
    p90_ms: r2(res.p90Ms),
    p99_ms: r2(res.p99Ms),
    max_ms: r2(res.maxMs),
    errors: res.errors,
    rss_mb: mb(m.rss),
    rss_peak_mb: mb(m.peak),
    notes: [],
  };
  if (Object.keys(res.statuses).length) row.statuses = res.statuses;
  if (m.split) {
    row.cpu_split = m.split;
    row.notes.push(`CPU split ${m.split.map((s) => `${Math.round(s * 100)}%`).join('/')}`);
  }
  if (res.errors.total) {
    const e = res.errors;
    const parts = Object.entries(e)
      .filter(([k, v]) => k !== 'total' && v)
      .map(([k, v]) => `${k} ${v}`);
    row.notes.push(`errors: ${parts.join(', ')}`);
  }
  return row;
}

/**
 * bench/ceiling.ts as plain JavaScript next to dist/ (so it resolves fastify from node_modules): run under
 * tsx it would carry tsx's loader and its esbuild child process in its RSS and start time.
 */
function ceilingScript(): string {
  const out = join(ROOT, 'dist/bench/ceiling.mjs');
  const source = readFileSync(join(ROOT, 'bench/ceiling.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, js);
  return out;
}

async function runCeiling(sc: Scenario, workers: number, tmp: string): Promise<Row> {
  const port = await freePort();
  const connections = connectionsOverride ?? sc.connections;
  const server = await startProcess({
    command: process.execPath,
    args: [ceilingScript()],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(workers),
      NODE_ENV: 'production',
    },
    port,
    readyPath: '/',
    logFile: join(tmp, `ceiling-w${workers}.log`),
    cwd: ROOT,
  });
  try {
    const request = { method: 'GET', path: '/' };
    if (warmupS > 0)
      await runWrk({ baseUrl: server.baseUrl, request, connections, durationS: warmupS, tmpDir: tmp });
    const m = await measured(server, workers, () =>
      runWrk({ baseUrl: server.baseUrl, request, connections, durationS, tmpDir: tmp }),
    );
    return okRow(sc, workers, 1, connections, m);
  } finally {
    const st = await stopProcess(server);
    if (st.code !== 0) log(`  ceiling server exited ${st.code ?? st.signal}`);
  }
}

interface RunState {
  server: Started;
  workers: number;
  seeder: Seeder;
  tmp: string;
  runId: string;
  occurredAt: string;
  /** usage records the server said it accepted, as counted by the clients (probe, warm-up, runs) */
  usageAccepted: number;
  /** records that may have been accepted without the client seeing the answer: wrk drops the requests in
   * flight when it stops (connections × batch per wrk run) */
  usageSlack: number;
  bcryptBest?: number;
}

async function runAppScenario(sc: Scenario, st: RunState, pass: number): Promise<Row> {
  const base: Row = { scenario: sc.name, workers: st.workers, pass, status: 'skipped', notes: [] };
  const bg = sc.during ? scenarioByName(sc.during.scenario) : undefined;
  try {
    for (const need of [...(sc.needs ?? []), ...(bg?.needs ?? [])]) await st.seeder.ensure(need);
  } catch (err) {
    return { ...base, reason: `seeding failed: ${(err as Error).message}` };
  }
  const seed = st.seeder.seed;
  const prefix = `${st.runId}-${sc.name}-p${pass}`;
  const req = wrkRequestOf(sc, seed, prefix, st.occurredAt);
  if (sc.items && !req.items?.length) return { ...base, reason: 'seeding made no items to rotate through' };
  if (sc.usage && !req.usage?.iccids.length) return { ...base, reason: 'no eSIMs seeded' };

  // the route probe: the first request, once
  const first = firstRequestOf(req, `${prefix}-probe`);
  const probe = await api(st.server.baseUrl, first.method, first.path, {
    body: first.body,
    headers: first.headers,
  });
  if (probe.routeMissing)
    return {
      ...base,
      reason: `route not available (${first.method} ${first.path.split('?')[0]} → ${probe.status})`,
    };
  if (probe.status >= 400)
    return { ...base, reason: `probe ${first.method} ${first.path} answered ${describeAnswer(probe)}` };
  if (sc.usage) st.usageAccepted += Number((probe.json as { accepted?: number }).accepted ?? 0);

  const connections = sc.fixedConnections ? sc.connections : (connectionsOverride ?? sc.connections);
  const baseUrl = st.server.baseUrl;
  const runS = Math.max(durationS, sc.minDurationS ?? 0);
  const wrk = (request: typeof req, c: number, d: number) => {
    if (request.usage) st.usageSlack += c * request.usage.batch;
    return runWrk({ baseUrl, request, connections: c, durationS: d, tmpDir: st.tmp });
  };

  let bgResult: Promise<WrkResult> | undefined;
  if (warmupS > 0) {
    const w = await wrk(
      { ...req, usage: req.usage && { ...req.usage, prefix: `${prefix}-w` } },
      connections,
      warmupS,
    );
    st.usageAccepted += w.accepted;
    // wrk abandons the requests in flight when it stops; the server still works them off. Let it, or the
    // measured run starts behind a queue (seconds for logins): wait about one slowest warm-up request.
    await sleep(Math.min(10000, w.requests ? w.maxMs : 5000));
  }
  const m = await measured(st.server, st.workers, async () => {
    if (bg && sc.during) {
      const bgReq = wrkRequestOf(bg, seed, `${prefix}-bg`, st.occurredAt);
      bgResult = wrk(bgReq, sc.during.connections, runS + 1);
      await sleep(500); // let the storm build before the probe starts measuring
    }
    return wrk(req, connections, runS);
  });
  const row = okRow(sc, st.workers, pass, connections, m);

  if (bgResult) {
    const b = await bgResult;
    const pct = st.bcryptBest ? ` = ${Math.round((b.rps / st.bcryptBest) * 100)}% of the bcrypt ceiling` : '';
    row.notes.push(
      `during ${sc.during!.scenario} at c=${sc.during!.connections}: ${r1(b.rps)} req/s${pct}, ${b.errors.total} errors`,
    );
  }
  if (sc.name === 'login' && st.bcryptBest) {
    row.notes.push(
      `${Math.round((m.res.rps / st.bcryptBest) * 100)}% of the bcrypt ceiling (${st.bcryptBest}/s)`,
    );
  }
  if (sc.usage) {
    st.usageAccepted += m.res.accepted;
    row.records_per_s = r1(m.res.accepted / m.res.durationS || 0);
    row.notes.push(`${row.records_per_s} records/s accepted`);
    if (m.res.duplicates || m.res.rejected)
      row.notes.push(`${m.res.duplicates} duplicates, ${m.res.rejected} rejected (expected 0)`);
    try {
      // requests cut off when wrk stopped still finish on the server: wait for the totals to settle
      const t = await st.seeder.settledUsageTotals();
      const debited = t.packsUsed + t.overage;
      const exact = debited === t.bytes && t.bytes === t.records * sc.usage.bytes;
      const unseen = t.records - st.usageAccepted;
      row.notes.push(
        `exactness ${exact ? 'OK' : 'MISMATCH'}: packs.used_bytes ${t.packsUsed} + overage ${t.overage} = ${debited}` +
          ` vs ${t.bytes} bytes of ${t.records} records`,
      );
      row.notes.push(
        unseen >= 0 && unseen <= st.usageSlack
          ? `clients saw ${st.usageAccepted} accepted; ${unseen} more were in flight when wrk stopped (<= ${st.usageSlack})`
          : `MISMATCH: clients saw ${st.usageAccepted} accepted, the DB holds ${t.records} (at most ${st.usageSlack} in flight)`,
      );
    } catch (err) {
      row.notes.push(`exactness check failed: ${(err as Error).message}`);
    }
  }
  return row;
}

function countWarnings(file: string): { count: number; sample?: string } {
  let count = 0;
  let sample: string | undefined;
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level === undefined || Number(level) >= 40) {
        count++;
        sample ??= line.slice(0, 300);
      }
    }
  } catch {
    // no log
  }
  return { count, sample };
}

async function runServer(
  workers: number,
  appScenarios: Scenario[],
  tmp: string,
  bcryptBest: number | undefined,
  rows: Row[],
): Promise<ServerRun> {
  const fresh = await freshDatabase(dbKind);
  pendingDrops.add(fresh.drop);
  const jwtSecret = randomBytes(32).toString('hex');
  const port = await freePort();
  const env = serverEnv({ dbUrl: fresh.url, port, workers, jwtSecret });
  const logFile = join(tmp, `server-w${workers}.log`);
  const profDir = join(tmp, `prof-w${workers}`);
  const nodeArgs = opt.profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  try {
    const server = await startProcess({
      command: process.execPath,
      args: [...nodeArgs, SERVER_JS],
      env,
      port,
      readyPath: '/ready',
      logFile,
      cwd: ROOT,
    });
    log(
      `server: ${workers} worker(s), ${dbKind}, ready in ${Math.round(server.readyMs)} ms (pid ${server.pid})`,
    );
    const seeder = new Seeder({
      baseUrl: server.baseUrl,
      dbUrl: fresh.url,
      jwtSecret,
      adminEmail: BENCH_ADMIN.email,
      adminPassword: BENCH_ADMIN.password,
      fleetSize,
      esimUsers: Math.max(10, Math.ceil(((durationS + warmupS + 1) * passes * 3000) / 900)),
      log,
    });
    const st: RunState = {
      server,
      workers,
      seeder,
      tmp,
      runId: randomBytes(3).toString('hex'),
      occurredAt: new Date(Date.now() - 60000).toISOString(),
      usageAccepted: 0,
      usageSlack: 0,
      bcryptBest,
    };
    const rssAfterPass: number[] = [];
    let stop: Awaited<ReturnType<typeof stopProcess>>;
    try {
      for (let pass = 1; pass <= passes; pass++) {
        for (const sc of appScenarios) {
          let row: Row;
          try {
            row = await runAppScenario(sc, st, pass);
          } catch (err) {
            row = {
              scenario: sc.name,
              workers,
              pass,
              status: 'failed',
              reason: (err as Error).message,
              notes: [],
            };
          }
          rows.push(row);
          printRow(row, passes > 1);
        }
        await sleep(1000);
        rssAfterPass.push(mb(treeRss(server.pid).totalBytes));
        log(`  RSS after pass ${pass}: ${rssAfterPass.at(-1)} MB`);
      }
    } finally {
      await seeder.close();
      stop = await stopProcess(server);
    }
    log(`  SIGTERM: exit ${stop.code ?? stop.signal} in ${Math.round(stop.stopMs)} ms`);
    const run: ServerRun = {
      workers,
      ready_ms: Math.round(server.readyMs),
      rss_after_pass_mb: rssAfterPass,
      sigterm: { code: stop.code, signal: stop.signal, stop_ms: Math.round(stop.stopMs) },
      log_warnings: 0,
      seeding: seeder.notes,
    };
    // a restart on the now populated database: migrations and the admin are already there
    const again = await startProcess({
      command: process.execPath,
      args: [SERVER_JS],
      env,
      port,
      readyPath: '/ready',
      logFile,
      cwd: ROOT,
    });
    run.restart_ready_ms = Math.round(again.readyMs);
    const stop2 = await stopProcess(again);
    log(
      `  restart on the same database: ready in ${run.restart_ready_ms} ms, SIGTERM exit ${stop2.code ?? stop2.signal}`,
    );
    const w = countWarnings(logFile);
    run.log_warnings = w.count;
    if (w.sample) run.log_sample = w.sample;
    if (w.count) log(`  server log: ${w.count} warning/error lines, first: ${w.sample}`);
    if (opt.profile && existsSync(profDir)) {
      run.profiles = readdirSync(profDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(profDir, f));
    }
    return run;
  } finally {
    pendingDrops.delete(fresh.drop);
    await fresh
      .drop()
      .catch((err: unknown) => log(`  could not drop the database: ${(err as Error).message}`));
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  build();
  const tmp = mkdtempSync(join(os.tmpdir(), 'kswifi-bench-'));
  const info = machine();
  log(
    `machine: ${info.cpus} x ${info.cpu_model}, ${info.total_mem_mb} MB, node ${info.node}, load ${info.loadavg_at_start.join(' ')}`,
  );
  log(
    `db ${dbKind}, workers ${workerCounts.join(',')}, ${durationS} s runs after ${warmupS} s warm-up, passes ${passes}`,
  );
  const bcrypt = await bcryptCeiling();
  const rows: Row[] = [];
  const servers: ServerRun[] = [];
  const ceiling = selected.find((s) => s.kind === 'ceiling');
  const appScenarios = selected.filter((s) => s.kind !== 'ceiling');
  printHeader();
  for (const workers of workerCounts) {
    if (ceiling) {
      let row: Row;
      try {
        row = await runCeiling(ceiling, workers, tmp);
      } catch (err) {
        row = {
          scenario: 'ceiling',
          workers,
          pass: 1,
          status: 'failed',
          reason: (err as Error).message,
          notes: [],
        };
      }
      rows.push(row);
      printRow(row, passes > 1);
    }
    if (appScenarios.length)
      servers.push(await runServer(workers, appScenarios, tmp, bcrypt?.best_per_s, rows));
  }
  // ratios to the ceiling of the same worker count, and the 2-worker scaling
  for (const row of rows) {
    if (row.status !== 'ok' || row.scenario === 'ceiling') continue;
    const c = rows.find((r) => r.scenario === 'ceiling' && r.workers === row.workers && r.status === 'ok');
    if (c?.rps && row.rps !== undefined) row.vs_ceiling = r2(row.rps / c.rps);
  }
  const tg = targets(rows, servers, { dbKind, workerCounts }, bcrypt?.best_per_s);

  log('\nsummary');
  printHeader();
  for (const row of rows) {
    if (row.vs_ceiling !== undefined && scenarioByName(row.scenario)?.vsCeiling)
      row.notes.unshift(`${Math.round(row.vs_ceiling * 100)}% of ceiling`);
    printRow(row, passes > 1);
  }
  log('\ntargets');
  for (const t of tg) log(`  ${t.met === null ? '-' : t.met ? '✓' : '✗'} ${t.target}: ${t.value}`);
  for (const s of servers) {
    for (const n of s.seeding) log(`  note (${s.workers}w): ${n}`);
    if (s.profiles?.length) {
      for (const p of s.profiles) log('\n' + profileReport(p, 25, profileWindows));
    }
  }

  const result = {
    schema: 1,
    date: new Date().toISOString(),
    machine: info,
    db: dbKind,
    options: {
      duration_s: durationS,
      warmup_s: warmupS,
      connections: connectionsOverride ?? 'per scenario',
      workers: workerCounts,
      passes,
      fleet_esims: fleetSize,
      scenarios: selected.map((s) => s.name),
      profile: opt.profile,
    },
    ...(opt.profile ? { profile_windows_us: profileWindows } : {}),
    bcrypt_ceiling: bcrypt,
    servers: servers.map((s) => ({
      ...s,
      profiles: s.profiles?.map((p) => ({
        file: p,
        top: analyseProfile(p, profileWindows).functions.slice(0, 15),
      })),
    })),
    rows,
    targets: tg,
    wall_s: Math.round((performance.now() - t0) / 1000),
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
  log(`\nwrote ${outFile} (${result.wall_s} s)`);
  if (opt.profile) log(`profiles kept in ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}

// Ctrl-C: the servers (same process group) stop on their own; drop the databases made for this run
process.once('SIGINT', () => {
  console.error('\ninterrupted: dropping the bench databases');
  void Promise.allSettled([...pendingDrops].map((drop) => sleep(1000).then(drop))).then(() =>
    process.exit(130),
  );
});

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
