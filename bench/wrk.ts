/**
 * Runs wrk with bench/wrk/scenario.lua and returns what its done() printed. The request is described by a
 * WrkRequest; the runner writes it to a key=value file that the Lua script reads (BENCH_WRK_CONF).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LUA = fileURLToPath(new URL('./wrk/scenario.lua', import.meta.url));

export interface WrkRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** values for `{item}` in path, body or header values, rotated per request */
  items?: string[];
  /** POST /usage/records bodies generated in Lua */
  usage?: { batch: number; prefix: string; bytes: number; occurredAt: string; iccids: string[] };
  /** ms between a connection's requests */
  delayMs?: number;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number; total: number };
  accepted: number;
  duplicates: number;
  rejected: number;
  statuses: Record<string, number>;
  raw: string;
}

interface LuaResult {
  requests: number;
  duration_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number };
  accepted: number;
  duplicates: number;
  rejected: number;
  statuses: Record<string, number>[];
}

let confSeq = 0;

function writeConf(dir: string, req: WrkRequest): string {
  const id = `${process.pid}-${confSeq++}`;
  const lines = [`method=${req.method}`, `path=${req.path}`];
  if (req.body !== undefined) lines.push(`body=${req.body}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`header.${k}=${v}`);
  if (req.items?.length) {
    const file = join(dir, `items-${id}.txt`);
    writeFileSync(file, req.items.join('\n') + '\n');
    lines.push(`items=${file}`);
  }
  if (req.usage) {
    const file = join(dir, `iccids-${id}.txt`);
    writeFileSync(file, req.usage.iccids.join('\n') + '\n');
    lines.push(
      `usage_batch=${req.usage.batch}`,
      `usage_prefix=${req.usage.prefix}`,
      `usage_bytes=${req.usage.bytes}`,
      `usage_occurred_at=${req.usage.occurredAt}`,
      `iccids=${file}`,
    );
  }
  if (req.delayMs !== undefined) lines.push(`delay_ms=${req.delayMs}`);
  for (const l of lines) if (l.includes('\n')) throw new Error(`wrk config line has a newline: ${l}`);
  const file = join(dir, `wrk-${id}.conf`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export async function runWrk(opts: {
  baseUrl: string;
  request: WrkRequest;
  connections: number;
  durationS: number;
  tmpDir: string;
  threads?: number;
}): Promise<WrkResult> {
  const conf = writeConf(opts.tmpDir, opts.request);
  const threads = opts.threads ?? Math.min(2, opts.connections);
  const args = [
    `-t${threads}`,
    `-c${opts.connections}`,
    `-d${opts.durationS}s`,
    '--timeout',
    '10s',
    '--latency',
    '-s',
    LUA,
    opts.baseUrl,
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, {
      env: { ...process.env, BENCH_WRK_CONF: conf },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', (err) =>
      reject(new Error(`cannot run wrk (apt-get install wrk): ${err.message}`, { cause: err })),
    );
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    );
  });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`wrk printed no BENCH_RESULT line:\n${out}`);
  const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as LuaResult;
  const durationS = r.duration_us / 1e6;
  const statuses: Record<string, number> = {};
  for (const s of r.statuses) for (const [k, v] of Object.entries(s)) statuses[k] = (statuses[k] ?? 0) + v;
  const e = r.errors;
  return {
    requests: r.requests,
    durationS,
    rps: durationS > 0 ? r.requests / durationS : 0,
    p50Ms: r.latency_us.p50 / 1000,
    p90Ms: r.latency_us.p90 / 1000,
    p99Ms: r.latency_us.p99 / 1000,
    maxMs: r.latency_us.max / 1000,
    errors: { ...e, total: e.connect + e.read + e.write + e.status + e.timeout },
    accepted: r.accepted,
    duplicates: r.duplicates,
    rejected: r.rejected,
    statuses,
    raw: out.replace(/^BENCH_RESULT .*\n?/m, ''),
  };
}
