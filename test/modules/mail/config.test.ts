/** The e-mail settings: off by default, SMTP only when fully configured, refusals in one line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, mailRetryScheduleOf, publicAppUrlOf } from '../../../src/config.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function refusal(source: Record<string, string>): string {
  try {
    loadConfig(source, false);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(source)}`);
}

describe('e-mail configuration', () => {
  test('when nothing is set, then mail goes to the log, links point at localhost and buying needs no verification', () => {
    const c = loadConfig({ PORT: '8123' }, false);
    assert.equal(c.SMTP_URL, undefined);
    assert.equal(c.REQUIRE_VERIFIED_EMAIL_TO_BUY, false);
    assert.equal(publicAppUrlOf(c), 'http://localhost:8123');
    assert.deepEqual(
      mailRetryScheduleOf(c),
      [30, 120, 600, 1800, 7200, 21600].map((s) => s * 1000),
    );
  });

  test('when SMTP_URL is set without MAIL_FROM, then it refuses naming MAIL_FROM', () => {
    assert.equal(
      refusal({ SMTP_URL: 'smtp://127.0.0.1:1025' }),
      'Invalid configuration: MAIL_FROM is required when SMTP_URL is set',
    );
  });

  test('when a value is malformed, then it refuses naming the variable', () => {
    assert.match(refusal({ SMTP_URL: 'http://mail.example' }), /^Invalid configuration: SMTP_URL /);
    assert.match(
      refusal({ SMTP_URL: 'smtp://h', MAIL_FROM: 'no address here' }),
      /^Invalid configuration: MAIL_FROM /,
    );
    assert.match(refusal({ MAIL_FROM: 'a@b.c\r\nBcc: x@y.z' }), /^Invalid configuration: MAIL_FROM /);
    assert.match(
      refusal({ MAIL_RETRY_SCHEDULE_S: '1,,2' }),
      /^Invalid configuration: MAIL_RETRY_SCHEDULE_S /,
    );
    assert.match(refusal({ PUBLIC_APP_URL: 'ftp://x' }), /^Invalid configuration: PUBLIC_APP_URL /);
    assert.match(
      refusal({ REQUIRE_VERIFIED_EMAIL_TO_BUY: 'perhaps' }),
      /^Invalid configuration: REQUIRE_VERIFIED_EMAIL_TO_BUY /,
    );
  });

  test('when fully set, then the values are kept (a trailing slash of PUBLIC_APP_URL is dropped)', () => {
    const c = loadConfig(
      {
        SMTP_URL: 'smtps://user:pass@smtp.example.com:465',
        MAIL_FROM: 'KSWiFi <hello@kswifi.example>',
        MAIL_RETRY_SCHEDULE_S: '1,1,1',
        PUBLIC_APP_URL: 'https://app.kswifi.example/',
        REQUIRE_VERIFIED_EMAIL_TO_BUY: 'true',
      },
      false,
    );
    assert.equal(publicAppUrlOf(c), 'https://app.kswifi.example');
    assert.deepEqual(mailRetryScheduleOf(c), [1000, 1000, 1000]);
    assert.equal(c.REQUIRE_VERIFIED_EMAIL_TO_BUY, true);
  });

  test('when the server starts with SMTP_URL but no MAIL_FROM, then it exits printing one line', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SMTP_URL: 'smtp://127.0.0.1:1025',
      DATABASE_URL: 'sqlite:///:memory:',
    };
    delete env.MAIL_FROM;
    delete env.NODE_TEST_CONTEXT;
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(child.status, 0);
    const lines = child.stderr.trim().split('\n');
    assert.equal(lines.length, 1, child.stderr);
    assert.equal(lines[0], 'Invalid configuration: MAIL_FROM is required when SMTP_URL is set');
  });
});
