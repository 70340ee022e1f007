/** What a run records about where it ran, the build it benches, and the two ceilings it compares against. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ROOT, SERVER_JS, durationS, selected, fail, log, r2, opt } from './options.js';

export function build(): void {
  if (opt['skip-build']) return;
  log('building (npm run build)...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 0) return;
  const out = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-15).join('\n');
  if (!existsSync(SERVER_JS)) fail(`npm run build failed and there is no dist/server.mjs:\n${out}`);
  log(
    `WARNING: npm run build failed (another module mid-edit?); benching the dist/ tsc still emitted:\n${out}`,
  );
}

export function machine() {
  const cpus = os.cpus();
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += '+dirty';
  } catch {
    // not a git checkout
  }
  let wrk = '';
  try {
    wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]!.trim();
  } catch {
    // reported when wrk runs
  }
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    cpu_mhz: cpus[0]?.speed ?? 0,
    total_mem_mb: Math.round(os.totalmem() / 1048576),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg_at_start: os.loadavg().map(r2),
    node: process.version,
    wrk,
    commit,
  };
}

export async function bcryptCeiling(): Promise<{ best_per_s: number; results: unknown[] } | undefined> {
  if (!selected.some((s) => s.name === 'login' || s.during?.scenario === 'login')) return undefined;
  const seconds = Math.max(2, Math.min(durationS, 5));
  log(`bcrypt ceiling: bcrypt.compare at cost 12, concurrency 2 and 4, ${seconds} s each...`);
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'bench/bcrypt-ceiling.ts'),
        '--cost',
        '12',
        '--seconds',
        String(seconds),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(text) : rej(new Error(`bcrypt-ceiling exited ${code}`))));
  });
  const line = out.split('\n').find((l) => l.startsWith('BCRYPT_RESULT '));
  if (!line) throw new Error(`bcrypt-ceiling printed no result: ${out}`);
  const r = JSON.parse(line.slice('BCRYPT_RESULT '.length)) as { best_per_s: number; results: unknown[] };
  log(`  ${JSON.stringify(r.results)}`);
  return r;
}

/**
 * bench/ceiling.ts as plain JavaScript next to dist/ (so it resolves fastify from node_modules): run under
 * tsx it would carry tsx's loader and its esbuild child process in its RSS and start time.
 */
export function ceilingScript(): string {
  const out = join(ROOT, 'dist/bench/ceiling.mjs');
  const source = readFileSync(join(ROOT, 'bench/ceiling.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, js);
  return out;
}
