/** One scenario measured with wrk against a running server (or the bare-Fastify ceiling): probe, seed, warm up, measure, check. */
import { join } from 'node:path';
import type { Window } from './cpuprofile-top.js';
import {
  cpuSample,
  cpuShares,
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
import { firstRequestOf, scenarioByName, wrkRequestOf, type Scenario } from './scenarios.js';
import { api, describeAnswer } from './api.js';
import type { Seeder } from './seed.js';
import type { Row } from './report.js';
import { runWrk, type WrkResult } from './wrk.js';
import { ROOT, durationS, warmupS, connectionsOverride, log, r1, r2 } from './options.js';
import { ceilingScript } from './machine.js';

/** When the measured runs happened (the profile's clock): --profile reports only those samples. */
export const profileWindows: Window[] = [];

export function workerPids(server: Started, workers: number): number[] {
  return workers > 1 ? childrenOf(server.pid) : [server.pid];
}

/** Measures one wrk run against `server` with RSS sampling and, for a cluster, the CPU split. */
export async function measured(
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

export function okRow(
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

export async function runCeiling(sc: Scenario, workers: number, tmp: string): Promise<Row> {
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

export interface RunState {
  server: Started;
  workers: number;
  seeder: Seeder;
  tmp: string;
  runId: string;
  /** usage records the server said it accepted, as counted by the clients (probe, warm-up, runs) */
  usageAccepted: number;
  /** records that may have been accepted without the client seeing the answer: wrk drops the requests in
   * flight when it stops (connections × batch per wrk run) */
  usageSlack: number;
  bcryptBest?: number;
}

export async function runAppScenario(sc: Scenario, st: RunState, pass: number): Promise<Row> {
  const base: Row = { scenario: sc.name, workers: st.workers, pass, status: 'skipped', notes: [] };
  const bg = sc.during ? scenarioByName(sc.during.scenario) : undefined;
  try {
    for (const need of [...(sc.needs ?? []), ...(bg?.needs ?? [])]) await st.seeder.ensure(need);
  } catch (err) {
    return { ...base, reason: `seeding failed: ${(err as Error).message}` };
  }
  const seed = st.seeder.seed;
  const prefix = `${st.runId}-${sc.name}-p${pass}`;
  // usage happens now: after the fleet's packs were bought, so it debits them (records are rated by when
  // they happened; a moment before a pack existed would be overage)
  const occurredAt = new Date().toISOString();
  const req = wrkRequestOf(sc, seed, prefix, occurredAt);
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
  const cpu0 = cpuSample();
  const m = await measured(st.server, st.workers, async () => {
    if (bg && sc.during) {
      const bgReq = wrkRequestOf(bg, seed, `${prefix}-bg`, occurredAt);
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
  // where the two cores went meanwhile (the server's node process, with bcrypt on libuv's pool for the
  // logins; PostgreSQL's backends; wrk): a limit of the machine shows as a busy share near 100 %
  const cpu = cpuShares(cpu0, 4);
  const by = Object.entries(cpu.by_command_pct).map(([k, v]) => `${k} ${v}%`);
  row.notes.push(`machine ${cpu.busy_pct}% busy: ${by.join(', ')}`);
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
