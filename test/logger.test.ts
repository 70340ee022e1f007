/**
 * Logs: one JSON access line per request (request id, route, status, latency), and never a password,
 * token or key, whatever the route; with LOG_FILE the lines also go to a rotated file (pino-roll).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { forEachDialect, testConfig, uniqueEmail } from './helper.js';

interface Line {
  level: number;
  msg: string;
  request_id?: string;
  route?: string | null;
  status?: number;
  ms?: number;
  [key: string]: unknown;
}

function capture(): { stream: Writable; text: () => string; lines: () => Line[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  return { stream, text, lines };
}

forEachDialect('logging', ({ env }) => {
  const log = capture();
  let app: FastifyInstance;
  const secrets: string[] = [];
  before(async () => {
    const e = env();
    app = await buildApp(testConfig(e.url, { LOG_LEVEL: 'trace' }), {
      database: e.database,
      clock: e.clock,
      logStream: log.stream,
    });
    app.get('/test/echo-log', async (request) => {
      // what a careless handler might log: the redaction must still hold
      request.log.info(
        {
          req: { headers: request.headers },
          headers: request.headers,
          body: { password: 'careless-pass-1' },
        },
        'careless',
      );
      return { ok: true };
    });
    await app.ready();
  });
  after(async () => app?.close());

  test('when accounts are used end to end, then no password, token or key reaches the log', async () => {
    const email = uniqueEmail('logs');
    const password = 'first-secret-pass-1';
    const newPassword = 'second-secret-pass-2';
    const apiKey = 'kswifi-test-api-key-0123456789';
    secrets.push(password, newPassword, apiKey, 'careless-pass-1');

    const reg = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password },
    });
    assert.equal(reg.statusCode, 201);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    const { access_token, refresh_token } = login.json().tokens;
    const rotated = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token },
    });
    const next = rotated.json().tokens;
    secrets.push(
      access_token,
      refresh_token,
      next.access_token,
      next.refresh_token,
      reg.json().tokens.refresh_token,
    );
    await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token } }); // a reuse
    await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/password',
      headers: { authorization: `Bearer ${next.access_token}` },
      payload: { current_password: password, new_password: newPassword },
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'wrong-guess-3' },
    });
    secrets.push('wrong-guess-3');
    await app.inject({
      method: 'GET',
      url: `/api/v1/users/me?access_token=${next.access_token}`,
      headers: { authorization: `Bearer ${next.access_token}`, 'x-api-key': apiKey },
    });
    const echo = await app.inject({
      method: 'GET',
      url: '/test/echo-log',
      headers: {
        authorization: `Bearer ${next.access_token}`,
        'x-api-key': apiKey,
        cookie: `sid=${refresh_token}`,
      },
    });
    assert.equal(echo.statusCode, 200);

    const text = log.text();
    assert.ok(text.length > 0);
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `the log holds a secret: ${secret.slice(0, 12)}…`);
    const careless = log.lines().find((l) => l.msg === 'careless');
    assert.ok(careless, 'the careless line was written, redacted');
    assert.match(JSON.stringify(careless), /\[redacted\]/);
  });

  test('when requests are answered, then each has an access line with request id, route, status and ms', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me?x=1',
      headers: { 'x-request-id': 'trace-me-123' },
    });
    assert.equal(res.statusCode, 401);
    const line = log.lines().find((l) => l.msg === 'request' && l.request_id === 'trace-me-123');
    assert.ok(line, 'an access line for the request');
    assert.equal(line.route, '/api/v1/users/me');
    assert.equal(line.status, 401);
    assert.equal(typeof line.ms, 'number');
    assert.equal(line.url, '/api/v1/users/me', 'the query string is not logged');
    assert.equal(line.level, 30);
  });
});

test('when LOG_FILE is set, then JSON lines reach the rotated file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kswifi-logs-'));
  const logDir = join(dir, 'nested', 'logs'); // created by the logger, not by the test
  try {
    const app = await buildApp(
      testConfig('sqlite:///:memory:', { LOG_LEVEL: 'info', LOG_FILE: join(logDir, 'kswifi.log') }),
    );
    await app.ready();
    await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'to-the-file-1' } });
    await app.close();
    // pino-roll writes from a worker thread: poll briefly for the flush
    let content = '';
    for (let i = 0; i < 100 && !content.includes('to-the-file-1'); i++) {
      await sleep(50);
      content = readdirSync(logDir)
        .map((f) => readFileSync(join(logDir, f), 'utf8'))
        .join('');
    }
    const lines = content.split('\n').filter(Boolean);
    assert.ok(lines.length > 0, 'the file received lines');
    const parsed = lines.map((l) => JSON.parse(l) as Line);
    const access = parsed.find((l) => l.request_id === 'to-the-file-1');
    assert.equal(access?.route, '/health');
    assert.ok(
      readdirSync(logDir).every((f) => f.startsWith('kswifi.')),
      readdirSync(logDir).join(','),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
