/**
 * Checks the worker model of src/server.ts (a serving process uses all cores):
 *  1. WEB_CONCURRENCY=2 spreads load: requests on fresh connections are served by both worker pids (from
 *     the access log), and under wrk both workers burn CPU (from /proc).
 *  2. SIGTERM to the primary drains: logins in flight (bcrypt cost 12, ~300 ms each) all answer 200, new
 *     connections are refused, the process exits 0.
 *  3. SIGINT to the whole process group (Ctrl-C in a terminal: primary and workers get it at once) drains
 *     the same way and exits 0.
 * Builds first unless --skip-build. Exits 1 when a check fails.
 *   npx tsx bench/cluster-check.ts [--skip-build] [--workers 2]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freshDatabase } from './db.js';
import { serverEnv } from './env.js';
import { childrenOf, cpuTicksOf, freePort, sleep, startProcess, type Started } from './proc.js';
import { api } from './api.js';
import { runWrk } from './wrk.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: { 'skip-build': { type: 'boolean', default: false }, workers: { type: 'string', default: '2' } },
});
const workers = Number(opt.workers);
const tmp = mkdtempSync(join(os.tmpdir(), 'kswifi-cluster-check-'));
let failed = 0;

function check(ok: boolean, what: string): void {
  if (!ok) failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
}

/** One request on its own connection (no keep-alive), so the cluster's round robin sees each. */
function freshConnectionGet(baseUrl: string, path: string): Promise<number> {
  return new Promise((res, rej) => {
    const req = httpRequest(baseUrl + path, { agent: false, headers: { connection: 'close' } }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', rej);
    req.end();
  });
}

function pidsInLog(file: string, since: number): Map<number, number> {
  const counts = new Map<number, number>();
  const lines = readFileSync(file, 'utf8').split('\n').slice(since);
  for (const line of lines) {
    if (!line.includes('"msg":"request"')) continue;
    const pid = Number(/"pid":(\d+)/.exec(line)?.[1]);
    if (pid) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

function readyPids(file: string): number {
  const pids = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n'))
    if (line.includes('"msg":"ready"')) pids.add(/"pid":(\d+)/.exec(line)?.[1] ?? '');
  return pids.size;
}

async function start(
  dbUrl: string,
  logLevel: string,
  detached = false,
): Promise<Started & { logLines: () => number }> {
  const port = await freePort();
  const logFile = join(tmp, `server-${port}.log`);
  const s = await startProcess({
    command: process.execPath,
    args: [join(ROOT, 'dist/server.mjs')],
    env: serverEnv({ dbUrl, port, workers, jwtSecret: randomBytes(32).toString('hex'), logLevel }),
    port,
    readyPath: '/ready',
    logFile,
    cwd: ROOT,
    detached,
  });
  return { ...s, logLines: () => readFileSync(logFile, 'utf8').split('\n').length - 1 };
}

/** A request on a given agent (keep-alive sockets opened beforehand, so no connect races the signal). */
function send(agent: Agent, url: string, method: string, body?: unknown): Promise<number> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      url,
      { agent, method, headers: data ? { 'content-type': 'application/json' } : {} },
      (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode ?? 0));
      },
    );
    req.on('error', rej);
    req.end(data);
  });
}

/**
 * Eight logins in flight on already open keep-alive connections, then the signal (`kill`): all must answer
 * 200, a new connection must be refused, and the process must exit 0 soon after the last answer.
 */
async function drain(label: string, dbUrl: string, detached: boolean, kill: (s: Started) => void) {
  const s = await start(dbUrl, 'warn', detached);
  const email = `drain-${randomBytes(3).toString('hex')}@bench.example`;
  const password = 'bench-password-123';
  const reg = await api(s.baseUrl, 'POST', '/api/v1/auth/register', { body: { email, password } });
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  await Promise.all(Array.from({ length: 8 }, () => send(agent, `${s.baseUrl}/health`, 'GET')));
  const inFlight = Array.from({ length: 8 }, () =>
    send(agent, `${s.baseUrl}/api/v1/auth/login`, 'POST', { email, password }).catch(
      (err: unknown) => `error: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    ),
  );
  await sleep(200);
  const t0 = performance.now();
  kill(s);
  await sleep(100);
  const late = await freshConnectionGet(s.baseUrl, '/health').then(
    (status) => `answered ${status}`,
    (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err),
  );
  const statuses = await Promise.all(inFlight);
  const answeredMs = Math.round(performance.now() - t0);
  const exit = await s.exited;
  const ms = Math.round(performance.now() - t0);
  agent.destroy();
  check(
    statuses.every((x) => x === 200),
    `${label}: 8 logins in flight all answered 200 (${statuses.join(', ')}) within ${answeredMs} ms`,
  );
  check(late !== 'answered 200', `${label}: a new connection 100 ms after the signal is refused (${late})`);
  check(
    exit.code === 0 && ms - answeredMs < 2000,
    `${label}: exit code ${exit.code ?? exit.signal} ${ms} ms after the signal (${ms - answeredMs} ms after the last answer; keep-alive sockets still open)`,
  );
}

async function main(): Promise<void> {
  if (!opt['skip-build']) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) console.log(`WARNING: npm run build failed; checking the dist/ tsc emitted`);
  }
  const fresh = await freshDatabase('sqlite');
  try {
    // 1. spreading
    const s = await start(fresh.url, 'info');
    // /ready answers as soon as one worker listens; wait for every worker's "ready" line
    for (let i = 0; i < 300 && readyPids(s.logFile) < workers; i++) await sleep(100);
    const kids = childrenOf(s.pid);
    check(
      kids.length === workers,
      `WEB_CONCURRENCY=${workers}: ${kids.length} worker processes (${kids.join(', ')})`,
    );
    const from = s.logLines();
    for (let i = 0; i < 200; i += 8) {
      await Promise.all(Array.from({ length: 8 }, () => freshConnectionGet(s.baseUrl, '/health')));
    }
    await sleep(300);
    const byPid = pidsInLog(s.logFile, from);
    const shares = [...byPid.entries()].map(([pid, n]) => `${pid}: ${n}`).join(', ');
    check(
      byPid.size === workers && [...byPid.values()].every((n) => n >= 200 / workers / 2),
      `200 requests on fresh connections served by ${byPid.size} pids (${shares})`,
    );
    const before = kids.map(cpuTicksOf);
    await runWrk({
      baseUrl: s.baseUrl,
      request: { method: 'GET', path: '/health' },
      connections: 16,
      durationS: 2,
      tmpDir: tmp,
    });
    const used = kids.map((p, i) => cpuTicksOf(p) - before[i]!);
    const total = used.reduce((a, b) => a + b, 0) || 1;
    check(
      used.every((u) => u / total >= 0.25),
      `wrk c=16 on /health: worker CPU split ${used.map((u) => `${Math.round((u / total) * 100)}%`).join(' / ')}`,
    );
    s.child.kill('SIGTERM');
    await s.exited;

    // 2. SIGTERM to the primary only (what a supervisor sends)
    await drain('SIGTERM to the primary', fresh.url, false, (p) => p.child.kill('SIGTERM'));
    // 3. SIGINT to the process group (Ctrl-C)
    await drain('SIGINT to the process group', fresh.url, true, (p) => process.kill(-p.pid, 'SIGINT'));
  } finally {
    await fresh.drop();
  }
  console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
