/**
 * Configuration refusals: every bad value stops the start with one line naming the variable, both from
 * loadConfig and from the real process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET_32 = 'x'.repeat(32);

function refusal(source: Record<string, string>): ConfigError {
  try {
    loadConfig(source, false);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(source)}`);
}

describe('config', () => {
  test('when nothing is set, then the documented defaults apply', () => {
    const c = loadConfig({}, false);
    assert.equal(c.PORT, 8000);
    assert.equal(c.HOST, '127.0.0.1');
    assert.equal(c.DATABASE_URL, 'sqlite:///data/kswifi.db');
    assert.equal(c.BCRYPT_ROUNDS, 12);
    assert.equal(c.ACCESS_TOKEN_TTL, 900);
    assert.equal(c.RATE_LIMIT_MAX, 300);
    assert.equal(c.RATE_LIMIT_WINDOW_S, 60);
    assert.equal(c.AUTH_RATE_LIMIT_MAX, 10);
    assert.equal(c.BODY_LIMIT, 1024 * 1024);
  });

  test('when values are given as strings, then they are coerced to their types', () => {
    const c = loadConfig({ PORT: '9001', TRUST_PROXY: 'true', DATABASE_URL: 'postgresql://u@h/db' }, false);
    assert.equal(c.PORT, 9001);
    assert.equal(c.TRUST_PROXY, true);
  });

  for (const [name, source, variable] of [
    ['PORT is not a number', { PORT: 'abc' }, 'PORT'],
    ['PORT is out of range', { PORT: '70000' }, 'PORT'],
    ['LOG_LEVEL is unknown', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['DATABASE_URL is another database', { DATABASE_URL: 'mysql://root@localhost/kswifi' }, 'DATABASE_URL'],
    ['DATABASE_URL is a bare path', { DATABASE_URL: 'data/kswifi.db' }, 'DATABASE_URL'],
    ['BCRYPT_ROUNDS is too low', { BCRYPT_ROUNDS: '3' }, 'BCRYPT_ROUNDS'],
    ['REDIS_URL is not redis', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    ['NODE_ENV is unknown', { NODE_ENV: 'staging' }, 'NODE_ENV'],
  ] as const) {
    test(`when ${name}, then a one-line ConfigError names ${variable}`, () => {
      assert.match(refusal(source).message, new RegExp(`\\b${variable}\\b`));
    });
  }

  test('when NODE_ENV=production has no JWT_SECRET, then it refuses naming JWT_SECRET', () => {
    assert.match(refusal({ NODE_ENV: 'production' }).message, /JWT_SECRET is required/);
  });

  test('when NODE_ENV=production has a JWT_SECRET under 32 bytes, then it refuses naming JWT_SECRET', () => {
    assert.match(
      refusal({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }).message,
      /JWT_SECRET.*32 bytes/,
    );
  });

  test('when NODE_ENV=production has a 32-byte JWT_SECRET, then it starts', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET_32 }, false).JWT_SECRET, SECRET_32);
  });

  test('when ADMIN_EMAIL is set without ADMIN_PASSWORD (or the reverse), then it refuses naming both', () => {
    assert.match(refusal({ ADMIN_EMAIL: 'root@kswifi.example' }).message, /ADMIN_EMAIL and ADMIN_PASSWORD/);
    assert.match(refusal({ ADMIN_PASSWORD: 'long enough 1' }).message, /ADMIN_EMAIL and ADMIN_PASSWORD/);
  });

  test('when ADMIN_PASSWORD is too short, then it refuses naming ADMIN_PASSWORD', () => {
    assert.match(
      refusal({ ADMIN_EMAIL: 'root@kswifi.example', ADMIN_PASSWORD: 'short' }).message,
      /ADMIN_PASSWORD/,
    );
  });

  test('when the server starts with PORT=abc, then it exits non-zero printing one line naming PORT', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'abc', DATABASE_URL: 'sqlite:///:memory:' };
    delete env.NODE_TEST_CONTEXT;
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(child.status, 0);
    assert.equal(child.stdout, '', 'nothing served, nothing logged');
    const lines = child.stderr.trim().split('\n');
    assert.equal(lines.length, 1, child.stderr);
    assert.match(lines[0]!, /^Invalid configuration: PORT /);
  });
});
