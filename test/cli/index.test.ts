/**
 * The admin command line, run as a real child process: `create-admin` reads the password from stdin and
 * makes an admin who can log in; `--help` and bad usage answer with the right exit codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../src/app.js';
import { seedEsim } from '../fixtures/usage.js';
import { freshDatabaseUrl, testConfig } from '../helper.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], databaseUrl: string, stdin = ''): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'silent',
  };
  delete env.NODE_TEST_CONTEXT;
  delete env.ADMIN_EMAIL;
  delete env.ADMIN_PASSWORD;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} timed out: ${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('cli', () => {
  let url: string;
  let drop: () => Promise<void>;
  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('sqlite'));
  });
  after(async () => drop?.());

  test('when create-admin gets a password on stdin, then the admin exists and can log in', async () => {
    const run = await cli(['create-admin', '--email', 'Root@KSWiFi.example'], url, 'cli admin pass 1\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /created admin root@kswifi\.example/);
    assert.ok(!run.stdout.includes('cli admin pass 1') && !run.stderr.includes('cli admin pass 1'));

    const app = await buildApp(testConfig(url));
    try {
      await app.ready();
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'root@kswifi.example', password: 'cli admin pass 1' },
      });
      assert.equal(login.statusCode, 200, login.body);
      assert.equal(login.json().user.role, 'admin');
      const rows = await app.ctx.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'root@kswifi.example')
        .execute();
      assert.equal(rows.length, 1);
    } finally {
      await app.close();
    }
  });

  test('when create-admin runs again for the same email, then it updates the one admin', async () => {
    const run = await cli(['create-admin', '--email', 'root@kswifi.example'], url, 'cli admin pass 2\n');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /updated admin root@kswifi\.example/);
  });

  test('when --help is asked, then it exits 0 listing the commands', async () => {
    const top = await cli(['--help'], url);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /create-admin/);
    assert.match(top.stdout, /migrate/);
    const sub = await cli(['create-admin', '--help'], url);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--email/);
  });

  test('when create-admin has no email or a short password, then it exits 2 saying why', async () => {
    const noEmail = await cli(['create-admin'], url, 'cli admin pass 1\n');
    assert.equal(noEmail.code, 2);
    assert.match(noEmail.stderr, /--email/);
    const short = await cli(['create-admin', '--email', 'other@kswifi.example'], url, 'short\n');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /8 to 128/);
  });

  test('when rebuild-rollups runs, then the lost hourly rollups come back from the records', async () => {
    const app = await buildApp(testConfig(url));
    const at = Date.UTC(2026, 0, 5, 10, 30);
    try {
      await app.ready();
      const db = app.ctx.db;
      const user = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      const esim = await seedEsim(db, user.id);
      const row = { esim_id: esim.id, user_id: user.id, iccid: esim.iccid, overage_bytes: 0 };
      await db
        .insertInto('usage_records')
        .values([
          { ...row, id: 'r1', event_id: 'cli-1', bytes: 700, occurred_at: at, received_at: at },
          { ...row, id: 'r2', event_id: 'cli-2', bytes: 300, occurred_at: at + 1000, received_at: at },
        ])
        .execute();
    } finally {
      await app.close();
    }
    const run = await cli(['rebuild-rollups'], url);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /rollups rebuilt: 1 user hours, 0 pack hours/);
    const again = await buildApp(testConfig(url));
    try {
      await again.ready();
      const hours = await again.ctx.db.selectFrom('usage_user_hourly').selectAll().execute();
      assert.deepEqual(
        hours.map((h) => [Number(h.hour), Number(h.bytes), Number(h.records)]),
        [[Date.UTC(2026, 0, 5, 10), 1000, 2]],
      );
    } finally {
      await again.close();
    }
  });

  test('when the command is unknown, then it exits 2', async () => {
    const run = await cli(['make-coffee'], url);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command: make-coffee/);
  });
});
