/**
 * `npm run bench`: build, then for each worker count start the server (`node dist/server.mjs`) on a
 * fresh database, time it to its first 200 on /ready, seed, warm up and run each scenario with wrk, sample
 * the server's RSS, stop it with SIGTERM (it must exit 0), and print a table plus the speed targets.
 * Writes bench/results.<db>.json (sqlite or pg). Options: see `--help`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { report as profileReport, analyse as analyseProfile } from './cpuprofile-top.js';
import { sleep } from './proc.js';
import { scenarioByName } from './scenarios.js';
import { printHeader, printRow, targets, type Row, type ServerRun } from './report.js';
import {
  dbKind,
  durationS,
  warmupS,
  passes,
  fleetSize,
  connectionsOverride,
  workerCounts,
  selected,
  outFile,
  log,
  r2,
  opt,
} from './options.js';
import { build, machine, bcryptCeiling } from './machine.js';
import { profileWindows, runCeiling } from './scenario-run.js';
import { pendingDrops, runServer } from './server-run.js';

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
  // the bcrypt ceiling again, now that the login runs are over: the machine is shared, and a ceiling
  // measured once, minutes before, can be off by more than the 10 % the login target allows
  const bcryptAfter = bcrypt ? await bcryptCeiling() : undefined;
  // ratios to the ceiling of the same worker count, and the 2-worker scaling
  for (const row of rows) {
    if (row.status !== 'ok' || row.scenario === 'ceiling') continue;
    const c = rows.find((r) => r.scenario === 'ceiling' && r.workers === row.workers && r.status === 'ok');
    if (c?.rps && row.rps !== undefined) row.vs_ceiling = r2(row.rps / c.rps);
  }
  const tg = targets(rows, servers, { dbKind, workerCounts }, bcrypt?.best_per_s, bcryptAfter?.best_per_s);

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
    bcrypt_ceiling_after: bcryptAfter,
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
