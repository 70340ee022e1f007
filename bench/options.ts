/** The command line of `npm run bench`: its options, checked, and the values every part of the run reads. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchDb } from './db.js';
import { scenarioByName, scenarios } from './scenarios.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_JS = join(ROOT, 'dist/server.mjs');
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

export const { values: opt } = parseArgs({
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

export const dbKind: BenchDb = opt.db === 'pg' || opt.db === 'postgres' ? 'pg' : 'sqlite';
if (!['sqlite', 'pg', 'postgres'].includes(opt.db)) fail(`--db must be sqlite or pg, not ${opt.db}`);
export const durationS = positive('duration', opt.duration);
export const warmupS = Number(opt.warmup);
export const passes = positive('passes', opt.passes);
export const fleetSize = Math.min(1000, positive('esims', opt.esims));
export const connectionsOverride =
  opt.connections === undefined ? undefined : positive('connections', opt.connections);
export const workerCounts = opt.workers.split(',').map((w) => positive('workers', w));
const names = (opt.scenario ?? [])
  .flatMap((s) => s.split(','))
  .map((s) => s.trim())
  .filter(Boolean);
for (const n of names) if (!scenarioByName(n)) fail(`unknown scenario ${n} (--list shows them)`);
export const selected = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
export const outFile = resolve(
  opt.out ?? join(ROOT, opt.profile ? 'bench/results.profile.json' : `bench/results.${dbKind}.json`),
);

export function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
export function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, not ${v}`);
  return n;
}

export const log = (line: string) => console.log(line);
export const r1 = (n: number) => Math.round(n * 10) / 10;
export const r2 = (n: number) => Math.round(n * 100) / 100;
