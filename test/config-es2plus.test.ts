/** SMDP_MODE=es2plus: a half-configured mode refuses to start with one line naming what is missing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, configWarnings, loadConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'kswifi-cfg-'));
const file = (n: string) => {
  const p = join(dir, n);
  writeFileSync(p, 'pem');
  return p;
};
const FULL = {
  SMDP_MODE: 'es2plus',
  SMDP_ES2_URL: 'https://smdp.example.com:8443',
  SMDP_REQUESTER_ID: 'kswifi',
  SMDP_PROFILE_TYPE: 'KSWIFI_STD',
  SMDP_CLIENT_CERT: file('c.pem'),
  SMDP_CLIENT_KEY: file('c.key'),
  SMDP_CA: file('ca.pem'),
  ES2_PORT: '8010',
};

function refusal(source: Record<string, string>): string {
  try {
    loadConfig(source, false);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(!err.message.includes('\n'));
    return err.message;
  }
  return assert.fail('accepted');
}

describe('config: SMDP_MODE', () => {
  test('when nothing is set, then the mode is local with the documented ES2+ defaults', () => {
    const c = loadConfig({}, false);
    assert.equal(c.SMDP_MODE, 'local');
    assert.equal(c.ES2_PORT, undefined);
    assert.deepEqual([c.ES2_POINT_ENABLED, c.ES2_POINT_DISABLED, c.ES2_POINT_DELETED], [101, 102, 5]);
    assert.deepEqual(configWarnings(c), []);
  });

  test('when es2plus is fully configured, then it starts (warning about a plain callback listener)', () => {
    const c = loadConfig(FULL, false);
    assert.equal(c.SMDP_MODE, 'es2plus');
    assert.equal(c.ES2_PORT, 8010);
    assert.match(configWarnings(c).join(' '), /TLS proxy/);
  });

  test('when es2plus misses settings, then one line names every missing one', () => {
    assert.match(
      refusal({ SMDP_MODE: 'es2plus' }),
      /SMDP_MODE=es2plus needs SMDP_ES2_URL, SMDP_REQUESTER_ID, SMDP_PROFILE_TYPE, ES2_PORT, SMDP_CLIENT_CERT, SMDP_CLIENT_KEY, SMDP_CA$/,
    );
    const { SMDP_CA: _ca, ...noCa } = FULL;
    assert.match(refusal(noCa), /needs SMDP_CA$/);
    assert.match(refusal({ ...FULL, ES2_TLS_CERT: FULL.SMDP_CA }), /needs ES2_TLS_KEY$/);
  });

  test('when a certificate file cannot be read, then it names the variable', () => {
    assert.match(
      refusal({ ...FULL, SMDP_CLIENT_KEY: join(dir, 'missing.key') }),
      /cannot read SMDP_CLIENT_KEY/,
    );
  });

  test('when the URL is plain http, then it needs no client certificate and warns, but production refuses it', () => {
    const plain = {
      SMDP_MODE: 'es2plus',
      SMDP_ES2_URL: 'http://127.0.0.1:8443',
      SMDP_REQUESTER_ID: 'k',
      SMDP_PROFILE_TYPE: 'T',
      ES2_PORT: '0',
    };
    assert.match(configWarnings(loadConfig(plain, false)).join(' '), /plain http/);
    assert.match(
      refusal({ ...plain, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }),
      /refuses a plain http/,
    );
  });

  test('when SMDP_MODE is unknown, then it names SMDP_MODE', () => {
    assert.match(refusal({ SMDP_MODE: 'remote' }), /SMDP_MODE/);
  });

  test('when the real process starts half-configured, then it exits with one line naming what is missing', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SMDP_MODE: 'es2plus',
        SMDP_ES2_URL: 'https://smdp.example.com',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(child.status, 0);
    assert.equal(child.stdout, '');
    const lines = child.stderr.trim().split('\n');
    assert.equal(lines.length, 1, child.stderr);
    assert.match(
      lines[0] ?? '',
      /^Invalid configuration: SMDP_MODE=es2plus needs SMDP_REQUESTER_ID, SMDP_PROFILE_TYPE, ES2_PORT, SMDP_CLIENT_CERT/,
    );
  });
});
