/**
 * Process handling for the bench: free ports, starting a server process and timing it to its first 200,
 * RSS and CPU time of a process tree from /proc (the cluster primary plus its workers), graceful stop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  /** spawn → first 200 on the ready path */
  readyMs: number;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startProcess(opts: {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  logFile: string;
  cwd?: string;
  timeoutMs?: number;
  /** its own process group (to signal the group like a terminal's Ctrl-C does) */
  detached?: boolean;
}): Promise<Started> {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const t0 = performance.now();
  const child = spawn(opts.command, opts.args, {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const deadline = t0 + (opts.timeoutMs ?? 30000);
  for (;;) {
    if (done)
      throw new Error(`${opts.command} ${opts.args.join(' ')} exited before ready:\n${tail(opts.logFile)}`);
    try {
      const res = await fetch(baseUrl + opts.readyPath, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`not ready within ${opts.timeoutMs ?? 30000} ms:\n${tail(opts.logFile)}`);
    }
    await sleep(5);
  }
  return { child, pid: child.pid!, baseUrl, readyMs: performance.now() - t0, logFile: opts.logFile, exited };
}

/** SIGTERM, then wait; SIGKILL (this pid only) after `timeoutMs`. */
export async function stopProcess(
  s: Started,
  timeoutMs = 15000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stopMs: number }> {
  const t0 = performance.now();
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), timeoutMs);
  const r = await s.exited;
  clearTimeout(timer);
  return { ...r, stopMs: performance.now() - t0 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

/** VmRSS in bytes, 0 when the process is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime in clock ticks (100 Hz on Linux). */
export function cpuTicksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the ")" of the command name; utime and stime are fields 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export interface TreeSample {
  totalBytes: number;
  byPid: Record<number, number>;
}

/** RSS of a server process and its direct children (cluster workers). */
export function treeRss(pid: number): TreeSample {
  const byPid: Record<number, number> = {};
  for (const p of [pid, ...childrenOf(pid)]) byPid[p] = rssOf(p);
  return { totalBytes: Object.values(byPid).reduce((a, b) => a + b, 0), byPid };
}

/** Samples a tree's RSS every `everyMs` until stopped; returns the peak. */
export function rssSampler(pid: number, everyMs = 500): { stop: () => number } {
  let peak = treeRss(pid).totalBytes;
  const t = setInterval(() => {
    peak = Math.max(peak, treeRss(pid).totalBytes);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(peak, treeRss(pid).totalBytes);
    },
  };
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** CPU ticks used so far by every live process, summed by command name (postgres, node, nats-server ...). */
export function cpuByCommand(): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // kernel workers rename themselves by task (kworker/u8:0-writeback ...): a name new since the first
      // sample would count its thread's whole life, so they are left out (the busy share still has them)
      if (name.startsWith('kworker')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The machine's busy and total CPU ticks so far (all cores, /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - v[3]! - (v[4] ?? 0), total };
}

/**
 * Where the CPU went between two samples: each command's share of the machine (all cores = 100 %), the
 * top `n` commands, and the machine's busy share.
 */
export function cpuShares(
  before: { byCommand: Map<string, number>; machine: { busy: number; total: number } },
  n = 5,
): { busy_pct: number; by_command_pct: Record<string, number> } {
  const now = cpuByCommand();
  const m = machineTicks();
  const total = m.total - before.machine.total;
  const pct = (ticks: number) => Math.round((ticks / total) * 1000) / 10;
  const deltas = [...now].map(([k, v]) => [k, v - (before.byCommand.get(k) ?? 0)] as const);
  deltas.sort((a, b) => b[1] - a[1]);
  return {
    busy_pct: pct(m.busy - before.machine.busy),
    by_command_pct: Object.fromEntries(deltas.slice(0, n).map(([k, v]) => [k, pct(v)])),
  };
}

export function cpuSample() {
  return { byCommand: cpuByCommand(), machine: machineTicks() };
}
