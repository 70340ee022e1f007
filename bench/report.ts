/** The bench's result rows, the printed table and the speed targets judged on them. */
import type { BenchDb } from './db.js';
import type { WrkResult } from './wrk.js';

const log = (line: string) => console.log(line);
const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

export interface Row {
  scenario: string;
  workers: number;
  pass: number;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  connections?: number;
  duration_s?: number;
  requests?: number;
  rps?: number;
  p50_ms?: number;
  p90_ms?: number;
  p99_ms?: number;
  max_ms?: number;
  errors?: WrkResult['errors'];
  statuses?: Record<string, number>;
  rss_mb?: number;
  rss_peak_mb?: number;
  /** per-worker share of the CPU time spent during the run (cluster only) */
  cpu_split?: number[];
  records_per_s?: number;
  /** ratio to the ceiling scenario's req/s with the same worker count */
  vs_ceiling?: number;
  notes: string[];
}

export interface ServerRun {
  workers: number;
  ready_ms: number;
  restart_ready_ms?: number;
  rss_after_pass_mb: number[];
  sigterm: { code: number | null; signal: string | null; stop_ms: number };
  log_warnings: number;
  log_sample?: string;
  seeding: string[];
  profiles?: string[];
}

const COLS = [
  ['scenario', 16],
  ['w', 2],
  ['req/s', 9],
  ['p50 ms', 8],
  ['p99 ms', 8],
  ['errors', 7],
  ['RSS MB', 7],
] as const;

export function printHeader(): void {
  log(COLS.map(([h, w]) => h.padStart(w)).join(' ') + '  notes');
}

/** One table line; `numbered` adds the pass number to the scenario (runs with --passes > 1). */
export function printRow(row: Row, numbered: boolean): void {
  if (row.status !== 'ok') {
    const label = numbered ? `${row.scenario}#${row.pass}` : row.scenario;
    log(`${label.padStart(16)} ${String(row.workers).padStart(2)}  ${row.status}: ${row.reason ?? ''}`);
    return;
  }
  const cells = [
    numbered ? `${row.scenario}#${row.pass}` : row.scenario,
    String(row.workers),
    String(row.rps),
    String(row.p50_ms),
    String(row.p99_ms),
    String(row.errors?.total ?? 0),
    String(row.rss_mb),
  ];
  log(cells.map((c, i) => c.padStart(COLS[i]![1])).join(' ') + '  ' + row.notes.join('; '));
}

export interface Target {
  target: string;
  value: string;
  met: boolean | null;
}

/** The speed targets, judged on one run's rows (see docs/benchmarks.md for how each is computed). */
export function targets(
  rows: Row[],
  servers: ServerRun[],
  run: { dbKind: BenchDb; workerCounts: number[] },
  bcryptBest?: number,
  /** The same ceiling measured again after the server runs (the login target uses the mean of both). */
  bcryptAfter?: number,
): Target[] {
  const { dbKind, workerCounts } = run;
  const out: Target[] = [];
  const find = (name: string, w: number) =>
    rows.filter((r) => r.scenario === name && r.workers === w && r.status === 'ok').at(-1);
  const ceil1 = find('ceiling', 1);
  for (const name of ['me', 'packs']) {
    const r = find(name, 1);
    if (r && ceil1)
      out.push({
        target: `${name}: >= 40% of ceiling req/s (1 worker)`,
        value: `${r.rps} / ${ceil1.rps} = ${Math.round((r.rps! / ceil1.rps!) * 100)}%`,
        met: r.rps! / ceil1.rps! >= 0.4,
      });
    for (const w of workerCounts) {
      const rw = find(name, w);
      if (rw)
        out.push({
          target: `${name}: p99 < 25 ms at ${rw.connections} connections (${w} worker${w > 1 ? 's' : ''})`,
          value: `${rw.p99_ms} ms`,
          met: rw.p99_ms! < 25 && rw.connections === 32 ? true : rw.p99_ms! < 25 ? null : false,
        });
    }
    const r2w = find(name, 2);
    if (r && r2w)
      out.push({
        target: `${name}: 2 workers >= 1.6x 1 worker (on PostgreSQL)`,
        value: `${r2w.rps} / ${r.rps} = ${r2(r2w.rps! / r.rps!)}x (${dbKind})`,
        met: dbKind === 'pg' ? r2w.rps! / r.rps! >= 1.6 : null,
      });
  }
  for (const w of workerCounts) {
    const login = find('login', w);
    if (login && bcryptBest) {
      const pct = (c: number) => `${Math.round((login.rps! / c) * 100)}%`;
      const ceiling = bcryptAfter ? (bcryptBest + bcryptAfter) / 2 : bcryptBest;
      const both = bcryptAfter
        ? `${login.rps} / ${r2(ceiling)} (mean of ${bcryptBest} before and ${bcryptAfter} after) = ${pct(ceiling)}` +
          ` (${pct(bcryptBest)} of the one before, ${pct(bcryptAfter)} of the one after)`
        : `${login.rps} / ${bcryptBest} = ${pct(bcryptBest)}`;
      out.push({
        target: `login: >= 90% of the bcrypt ceiling (${w} worker${w > 1 ? 's' : ''})`,
        value: both,
        met: login.rps! / ceiling >= 0.9,
      });
    }
    const storm = find('login-storm-lag', w);
    if (storm)
      out.push({
        target: `/health p99 < 20 ms during the login storm (${w} worker${w > 1 ? 's' : ''})`,
        value: `${storm.p99_ms} ms`,
        met: storm.p99_ms! < 20,
      });
  }
  // start-up and memory are judged on the single-process server (a cluster adds a primary per machine)
  const s1 = servers.find((s) => s.workers === 1);
  if (s1) {
    out.push({
      target: `start to ready < 1 s (${dbKind}, fresh database incl. migrations + admin bcrypt; restart)`,
      value: `${s1.ready_ms} ms; restart ${s1.restart_ready_ms ?? '?'} ms`,
      met: dbKind === 'sqlite' ? s1.ready_ms < 1000 : null,
    });
    const last = s1.rss_after_pass_mb.at(-1);
    if (last !== undefined)
      out.push({
        target: `RSS < 150 MB after the whole bench (${s1.workers} worker)`,
        value: `${last} MB`,
        met: last < 150,
      });
    if (s1.rss_after_pass_mb.length >= 2) {
      const growth = r1(s1.rss_after_pass_mb.at(-1)! - s1.rss_after_pass_mb[0]!);
      out.push({
        target: 'no RSS growth across two runs (<= 5 MB between the passes)',
        value: `${s1.rss_after_pass_mb.join(' → ')} MB (${growth >= 0 ? '+' : ''}${growth})`,
        met: growth <= 5,
      });
    } else out.push({ target: 'no RSS growth across two runs', value: 'run with --passes 2', met: null });
  }
  for (const s of servers)
    out.push({
      target: `SIGTERM exits 0 (${s.workers} worker${s.workers > 1 ? 's' : ''})`,
      value: `exit ${s.sigterm.code ?? s.sigterm.signal} in ${s.sigterm.stop_ms} ms`,
      met: s.sigterm.code === 0,
    });
  return out;
}
