/**
 * The production layout as bench/cluster.sh starts it: HAProxy in front of three instances on one
 * PostgreSQL with Redis. Through the balancer: a suspension made on one instance is refused on every
 * instance, and the per-user rate limit holds across instances (one shared Redis count, not one per
 * instance). Needs haproxy (Debian package); with CI=true it is mandatory, as PostgreSQL and Redis are.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { REDIS_URL, redisAvailable } from '../fixtures/redis.js';
import { freePort, ROOT } from '../fixtures/server-process.js';
import { freshDatabaseUrl, pgAvailable, uniqueEmail } from '../helper.js';

const run = promisify(execFile);
const CI = process.env.CI === 'true' || process.env.CI === '1';

async function haproxyInstalled(): Promise<boolean> {
  try {
    await run('haproxy', ['-v']);
    return true;
  } catch {
    if (CI) throw new Error('CI=true but haproxy is not installed (apt-get install -y haproxy)');
    console.warn('# haproxy not installed: the cluster tests are SKIPPED');
    return false;
  }
}

const skip = !pgAvailable
  ? 'no PostgreSQL'
  : !redisAvailable
    ? 'no Redis'
    : !(await haproxyInstalled())
      ? 'no haproxy'
      : false;
const LIMIT = 40;
const ADMIN = { email: uniqueEmail('cluster-admin'), password: 'cluster admin password 1' };

describe('cluster: HAProxy in front of three instances [postgres]', { skip }, () => {
  let env: NodeJS.ProcessEnv;
  let lb: string;
  let instances: string[];
  let drop: () => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'kswifi-cluster-'));

  const json = async (base: string, path: string, init: RequestInit & { token?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = await fetch(`${base}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const login = async (email: string, password: string) => {
    const r = await json(lb, '/api/v1/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email, password }),
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { user: { id: string }; tokens: { access_token: string } };
  };
  const register = async () => {
    const email = uniqueEmail('cluster');
    const r = await json(lb, '/api/v1/auth/register', {
      method: 'POST',
      body: JSON.stringify({ email, password: 'correct horse 1' }),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as { user: { id: string }; tokens: { access_token: string } };
  };

  before(async () => {
    const db = await freshDatabaseUrl('postgres');
    drop = db.drop;
    const ports = [await freePort(), await freePort(), await freePort()];
    const lbPort = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLUSTER_DIR: dir,
      INSTANCES: '3',
      INSTANCE_PORTS: ports.join(' '),
      LB_PORT: String(lbPort),
      DATABASE_URL: db.url,
      REDIS_URL,
      USAGE_FEED_NATS_URL: '',
      SERVER_CMD: `${process.execPath} --import tsx src/server.ts`,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      BCRYPT_ROUNDS: '4',
      SWEEP_INTERVAL_S: '0',
      RATE_LIMIT_MAX: String(LIMIT),
      RATE_LIMIT_WINDOW_S: '600',
      AUTH_RATE_LIMIT_MAX: '100000',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    };
    await run('bench/cluster.sh', ['start'], { cwd: ROOT, env, timeout: 180_000 });
    lb = `http://127.0.0.1:${lbPort}`;
    instances = ports.map((p) => `http://127.0.0.1:${p}`);
  });
  after(async () => {
    if (env)
      await run('bench/cluster.sh', ['stop'], { cwd: ROOT, env, timeout: 60_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await drop?.();
  });

  test('a suspension made on one instance is refused on every instance and through the balancer', async () => {
    const admin = await login(ADMIN.email, ADMIN.password);
    const user = await register();
    const token = user.tokens.access_token;
    for (const base of [lb, ...instances]) {
      assert.equal((await json(base, '/api/v1/users/me', { token })).status, 200, base);
    }
    const suspended = await json(instances[0]!, `/api/v1/admin/users/${user.user.id}`, {
      method: 'PATCH',
      token: admin.tokens.access_token,
      body: JSON.stringify({ status: 'suspended' }),
    });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    const t0 = Date.now();
    for (const base of [...instances.slice(1), lb]) {
      for (;;) {
        const r = await json(base, '/api/v1/users/me', { token });
        if (r.status === 403) {
          assert.equal(r.body.code, 'ACCOUNT_SUSPENDED');
          break;
        }
        assert.equal(r.status, 200);
        assert.ok(Date.now() - t0 < 2000, `${base} still served the suspended user after 2 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    // on a busy test machine the bound is looser than the 100 ms of the two-process test
    assert.ok(Date.now() - t0 < 2000);
  });

  test('the per-user rate limit holds across instances: exactly the limit passes, the rest is 429', async () => {
    const user = await register();
    const token = user.tokens.access_token;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 15; i++) {
      // round the instances directly and through the balancer: one count for the user everywhere
      const base = [lb, ...instances][i % 4]!;
      statuses.push((await json(base, '/api/v1/users/me', { token })).status);
    }
    assert.equal(statuses.filter((s) => s === 200).length, LIMIT);
    assert.equal(statuses.filter((s) => s === 429).length, 15);
    assert.deepEqual(statuses.slice(0, LIMIT), Array(LIMIT).fill(200));
  });

  test('the balancer only sends traffic to ready instances: one stopped, the others still answer', async () => {
    const pid = Number((await run('cat', [join(dir, 'instance-2.pid')])).stdout.trim());
    // as a fresh user: anonymous requests would count against 127.0.0.1 in the shared Redis, a count other
    // runs and suites on this machine add to for the whole 600 s window
    const { tokens } = await register();
    process.kill(pid, 'SIGTERM');
    let ok = 0;
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${lb}/api/v1/plans`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      if (r.status === 200) ok++;
      await r.arrayBuffer();
    }
    assert.equal(ok, 30, 'every request through the balancer answered while an instance stopped');
  });
});
