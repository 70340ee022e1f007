/**
 * Under WEB_CONCURRENCY the primary replaces a worker that died: the real process
 * (`node --import tsx src/server.ts`) with two workers on a fresh SQLite file; one worker is SIGKILLed
 * (as the OOM killer or an unexpected error would end it) and a new one takes its place.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freshDatabaseUrl } from './helper.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface Child {
  process: ChildProcess;
  base: string;
  stdout: () => string;
  stderr: () => string;
  alive: () => boolean;
}

async function startServer(databaseUrl: string): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JWT_SECRET: 'workers-test-secret-workers-test-secret-0',
      SWEEP_INTERVAL_S: '0',
      BCRYPT_ROUNDS: '4',
      WEB_CONCURRENCY: '2',
    },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive()) throw new Error(`server exited with ${child.exitCode ?? child.signalCode}: ${err}`);
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${err}`);
    }
    await sleep(100);
  }
  return { process: child, base, stdout: () => out, stderr: () => err, alive };
}

describe('cluster workers', () => {
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let child: Child | undefined;
  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('sqlite'));
  });
  after(async () => {
    if (child?.alive()) {
      const exited = once(child.process, 'exit');
      child.process.kill('SIGTERM'); // the primary stops its workers
      await exited;
    }
    await drop?.();
  });

  test('when a worker dies, then the primary replaces it and the service keeps answering', async () => {
    child = await startServer(url!);
    const pids = () =>
      new Set(
        child!
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{') && l.includes('"msg":"ready"'))
          .map((l) => (JSON.parse(l) as { pid: number }).pid),
      );
    const deadline = Date.now() + 30_000;
    while (pids().size < 2 && Date.now() < deadline) await sleep(50);
    const [victim] = [...pids()];
    assert.ok(victim, 'two workers started');
    process.kill(victim, 'SIGKILL');
    while (pids().size < 3 && Date.now() < deadline) await sleep(50);
    assert.equal(pids().size, 3, `a third worker started: ${child.stderr()}`);
    assert.match(child.stderr(), new RegExp(`worker ${victim} exited with SIGKILL; restarting`));
    assert.ok(child.alive(), 'the primary lives');
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${child.base}/health`)).status, 200);
  });
});
