/**
 * Top self-time functions of a V8 .cpuprofile (written by `node --cpu-prof`), and the same time grouped by
 * where the code lives (a node_modules package, the app's own dist/src files, Node internals).
 *   node --import tsx bench/cpuprofile-top.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface TopEntry {
  fn: string;
  where: string;
  selfMs: number;
  pct: number;
  /** the calling chains (up to 3 frames) that spent the most of this self time */
  callers?: { chain: string; ms: number }[];
}

/** The module a script URL belongs to: `kysely`, `app: db/index.js`, `node:internal`... */
export function ownerOf(url: string): string {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return `app: ${url.slice(src + '/dist/src/'.length)}`;
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const src = url.indexOf('/dist/src/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

/** Sample windows in the profile's clock (µs of CLOCK_MONOTONIC: `process.hrtime.bigint() / 1000n`). */
export interface Window {
  fromUs: number;
  toUs: number;
}

export function analyse(
  file: string,
  windows: Window[] = [],
): {
  totalMs: number;
  functions: TopEntry[];
  owners: { owner: string; selfMs: number; pct: number }[];
} {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const frame = (id: number) => {
    const cf = byId.get(id)!.callFrame;
    return `${cf.functionName || '(anonymous)'}${cf.url ? ` (${ownerOf(cf.url)})` : ''}`;
  };
  const chainOf = (id: number) => {
    const out: string[] = [];
    for (let p = parentOf.get(id); p !== undefined && out.length < 3; p = parentOf.get(p)) {
      if (byId.get(p)!.callFrame.functionName === '(root)') break;
      out.push(frame(p));
    }
    return out.join(' < ');
  };
  const callersOf = new Map<string, Map<string, number>>();
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (windows.length && !windows.some((w) => t >= w.fromUs && t <= w.toUs)) continue;
    // idle is not CPU time: left out so the percentages are shares of the work done
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map<string, TopEntry>();
  const owners = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)!.callFrame;
    const fn = cf.functionName || '(anonymous)';
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const e = fns.get(key) ?? { fn, where, selfMs: 0, pct: 0 };
    e.selfMs += us / 1000;
    fns.set(key, e);
    const callers = callersOf.get(key) ?? new Map<string, number>();
    const chain = chainOf(id);
    callers.set(chain, (callers.get(chain) ?? 0) + us / 1000);
    callersOf.set(key, callers);
    const owner = ownerOf(cf.url);
    owners.set(owner, (owners.get(owner) ?? 0) + us / 1000);
  }
  const totalMs = totalUs / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    totalMs: round(totalMs),
    functions: [...fns.entries()]
      .map(([key, e]) => ({
        ...e,
        selfMs: round(e.selfMs),
        pct: round((e.selfMs / totalMs) * 100),
        callers: [...(callersOf.get(key) ?? new Map<string, number>()).entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 2)
          .map(([chain, ms]) => ({ chain, ms: round(ms) })),
      }))
      .sort((a, b) => b.selfMs - a.selfMs),
    owners: [...owners.entries()]
      .map(([owner, ms]) => ({ owner, selfMs: round(ms), pct: round((ms / totalMs) * 100) }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function report(file: string, top = 25, windows: Window[] = [], callers = 10): string {
  const a = analyse(file, windows);
  const scope = windows.length ? 'during the measured runs' : 'over the whole process life';
  const lines = [`${file}: ${a.totalMs} ms of CPU sampled ${scope}`, '', 'top self time (functions):'];
  a.functions.slice(0, top).forEach((e, i) => {
    lines.push(
      `${String(i + 1).padStart(3)}. ${e.pct.toFixed(1).padStart(5)} %  ${e.selfMs.toFixed(1).padStart(8)} ms  ${e.fn}  ${e.where}`,
    );
  });
  if (callers > 0) {
    lines.push('', `who calls the top ${callers}:`);
    a.functions.slice(0, callers).forEach((e, i) => {
      for (const c of e.callers ?? [])
        lines.push(`${String(i + 1).padStart(3)}. ${e.fn} < ${c.chain || '(top)'}  [${c.ms} ms]`);
    });
  }
  lines.push('', 'self time by owner:');
  for (const o of a.owners.slice(0, 15)) {
    lines.push(`  ${o.pct.toFixed(1).padStart(5)} %  ${o.selfMs.toFixed(1).padStart(8)} ms  ${o.owner}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  });
  if (!positionals.length) {
    console.error('usage: cpuprofile-top.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  for (const f of positionals) console.log(report(f, Number(values.top)) + '\n');
}
