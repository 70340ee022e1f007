/**
 * The real process (`node --import tsx src/server.ts`) on a free port with a fresh SQLite file: it migrates,
 * bootstraps the admin, serves, finishes in-flight requests on SIGTERM and exits 0; with WEB_CONCURRENCY=2
 * two workers serve and SIGTERM stops them all.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/index.js';
import { freshDatabaseUrl } from './helper.js';
import { freePort } from './fixtures/server-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = { email: 'boot.admin@kswifi.example', password: 'bootstrap pass 1' };

interface Server {
  child: ChildProcessWithoutNullStreams;
  port: number;
  lines: () => { pid?: number; msg?: string; [k: string]: unknown }[];
  exit: Promise<number | null>;
}

async function startServer(databaseUrl: string, extra: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'info',
    SWEEP_INTERVAL_S: '0',
    ...extra,
  };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { pid?: number; msg?: string });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${err}`);
    const status = await call(port, 'GET', '/health').then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { child, port, lines, exit };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /health in time: ${err}`);
    }
    await sleep(100);
  }
}

/** One HTTP exchange on a fresh connection (so cluster workers share the connections round-robin). */
function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('server process', () => {
  let url: string;
  let drop: () => Promise<void>;
  const started: Server[] = [];
  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('sqlite'));
  });
  after(async () => {
    for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await drop?.();
  });

  test('when started with ADMIN_EMAIL, then it serves, the admin logs in, and SIGTERM ends it cleanly', async () => {
    // cost 13 makes a registration take long enough to still be in flight when SIGTERM arrives
    const server = await startServer(url, {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_ROUNDS: '13',
    });
    started.push(server);
    assert.equal((await call(server.port, 'GET', '/ready')).status, 200);
    const login = await call(server.port, 'POST', '/api/v1/auth/login', ADMIN);
    assert.equal(login.status, 200);
    assert.equal((JSON.parse(login.body) as { user: { role: string } }).user.role, 'admin');

    const inFlight = call(server.port, 'POST', '/api/v1/auth/register', {
      email: 'late.user@kswifi.example',
      password: 'in flight pass 1',
    });
    await sleep(150);
    server.child.kill('SIGTERM');
    const answered = await inFlight;
    assert.equal(answered.status, 201, 'the in-flight request was finished');
    assert.equal(await server.exit, 0);
    await assert.rejects(call(server.port, 'GET', '/health'), 'nothing listens any more');
  });

  test('when started again with the same ADMIN_EMAIL, then there is still one admin', async () => {
    const server = await startServer(url, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
    started.push(server);
    server.child.kill('SIGTERM');
    assert.equal(await server.exit, 0);
    const database = openDatabase(url);
    try {
      const rows = await database.db
        .selectFrom('users')
        .select(['role'])
        .where('email', '=', ADMIN.email)
        .execute();
      assert.deepEqual(rows, [{ role: 'admin' }]);
    } finally {
      await database.close();
    }
  });

  test('when WEB_CONCURRENCY=2, then two workers serve and SIGTERM stops them all', async () => {
    const server = await startServer(url, { WEB_CONCURRENCY: '2' });
    started.push(server);
    for (let i = 0; i < 100 && server.lines().filter((l) => l.msg === 'ready').length < 2; i++)
      await sleep(100);
    const workers = [
      ...new Set(
        server
          .lines()
          .filter((l) => l.msg === 'ready')
          .map((l) => l.pid as number),
      ),
    ];
    assert.equal(workers.length, 2, 'two workers reported ready');
    assert.ok(!workers.includes(server.child.pid as number), 'workers are not the primary');

    for (let i = 0; i < 8; i++) assert.equal((await call(server.port, 'GET', '/health')).status, 200);
    await sleep(100);
    const servedBy = new Set(
      server
        .lines()
        .filter((l) => l.msg === 'request')
        .map((l) => l.pid),
    );
    assert.equal(servedBy.size, 2, `requests served by ${[...servedBy].join(', ')}`);

    server.child.kill('SIGTERM');
    assert.equal(await server.exit, 0);
    for (const pid of workers) assert.equal(alive(pid), false, `worker ${pid} stopped`);
  });
});
