/**
 * Start to ready, several times: `npx tsx bench/start-time.ts --db sqlite|pg --runs 5 [--skip-build]`.
 * Each run makes a fresh database, starts `node dist/server.mjs` with the bench configuration (1 worker),
 * times spawn → first 200 on /ready and reads the RSS, stops it, then starts it again on the now
 * populated database (restart: migrations and the admin already there). Prints each run (with the CPU
 * time the server used until ready) and the medians,
 * with the load average at start and end (the machine is shared: compare medians taken in one sitting).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freshDatabase, type BenchDb } from './db.js';
import { serverEnv } from './env.js';
import { cpuTicksOf, freePort, mb, rssOf, sleep, startProcess, stopProcess } from './proc.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '5' },
    'skip-build': { type: 'boolean', default: false },
    // another build to compare with (e.g. an older commit's checkout): its dist/server.mjs, run from there
    server: { type: 'string' },
  },
  strict: false,
});
// not from options.ts: that one parses the bench's own command line
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_JS = typeof values.server === 'string' ? resolve(values.server) : join(ROOT, 'dist/server.mjs');
const SERVER_ROOT = resolve(dirname(SERVER_JS), '..');
const kind: BenchDb = values.db === 'pg' ? 'pg' : 'sqlite';
const runs = Number(values.runs);

interface Start {
  readyMs: number;
  /** CPU time the server used until ready (user + system): steadier than the wall time on a busy machine */
  cpuMs: number;
  rssMb: number;
}

async function startOnce(dbUrl: string, tmp: string, label: string): Promise<Start> {
  const port = await freePort();
  const env = serverEnv({ dbUrl, port, workers: 1, jwtSecret: randomBytes(32).toString('hex') });
  const s = await startProcess({
    command: process.execPath,
    args: [SERVER_JS],
    env,
    port,
    readyPath: '/ready',
    logFile: join(tmp, `${label}.log`),
    cwd: SERVER_ROOT,
  });
  const cpuMs = cpuTicksOf(s.pid) * 10;
  await sleep(200); // let the first request's allocations settle, as the bench reads RSS after start
  const rssMb = mb(rssOf(s.pid));
  const stop = await stopProcess(s);
  if (stop.code !== 0) throw new Error(`${label}: exit ${stop.code ?? stop.signal}`);
  return { readyMs: Math.round(s.readyMs), cpuMs, rssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

if (!values['skip-build'] && values.server === undefined)
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const tmp = mkdtempSync(join(tmpdir(), 'kswifi-start-'));
console.log(`${SERVER_JS}, db ${kind}, ${runs} runs, load at start ${load()}`);
const fresh: Start[] = [];
const again: Start[] = [];
for (let i = 0; i < runs; i++) {
  const db = await freshDatabase(kind);
  try {
    fresh.push(await startOnce(db.url, tmp, `fresh-${i}`));
    again.push(await startOnce(db.url, tmp, `restart-${i}`));
  } finally {
    await db.drop();
  }
  const [f, r] = [fresh[i]!, again[i]!];
  const show = (x: Start) => `${x.readyMs} ms (CPU ${x.cpuMs} ms) ${x.rssMb} MB`;
  console.log(`run ${i + 1}: fresh ${show(f)} · restart ${show(r)}`);
}
const m = (xs: Start[], k: keyof Start) => median(xs.map((x) => x[k]));
const showMedian = (xs: Start[]) =>
  `${m(xs, 'readyMs')} ms (CPU ${m(xs, 'cpuMs')} ms), RSS ${m(xs, 'rssMb')} MB`;
console.log(`median: fresh ${showMedian(fresh)} · restart ${showMedian(again)} · load at end ${load()}`);
