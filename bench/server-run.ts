/** One server per worker count: a fresh database, start to ready, the scenarios, stop, restart to ready, drop. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase } from './db.js';
import { BENCH_ADMIN, serverEnv } from './env.js';
import { freePort, mb, sleep, startProcess, stopProcess, treeRss } from './proc.js';
import type { Scenario } from './scenarios.js';
import { Seeder } from './seed.js';
import { printRow, type Row, type ServerRun } from './report.js';
import { ROOT, SERVER_JS, dbKind, durationS, warmupS, passes, fleetSize, log, opt } from './options.js';
import { runAppScenario, type RunState } from './scenario-run.js';

/** Databases made by this run and not dropped yet (dropped on Ctrl-C too). */
export const pendingDrops = new Set<() => Promise<void>>();

export function countWarnings(file: string): { count: number; sample?: string } {
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

export async function runServer(
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
