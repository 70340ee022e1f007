/**
 * /health (the process runs) and /ready (a real database round trip; 503 when the database is gone).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildApp } from '../../../src/app.js';
import { openDatabase } from '../../../src/db/index.js';
import { forEachDialect, freshDatabaseUrl, testConfig } from '../../helper.js';

forEachDialect('http: health and readiness', ({ env }) => {
  test('when the process runs, then /health answers 200 ok', async () => {
    const res = await env().app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('when the database answers, then /ready answers 200 ready', async () => {
    const res = await env().app.inject({ method: 'GET', url: '/ready' });
    assert.equal(res.statusCode, 200);
    // sessions: PostgreSQL's bus (LISTEN/NOTIFY) is up; SQLite without Redis is one process (local)
    const sessions = env().dialect === 'postgres' ? 'ok' : 'local';
    assert.deepEqual(res.json(), {
      status: 'ready',
      database: 'ok',
      rate_limit_store: 'off',
      sessions,
      usage_feed: 'off',
    });
  });
});

describe('http: readiness without a database', () => {
  test('when PostgreSQL is unreachable, then /ready answers 503 and /health still 200', async () => {
    // nothing listens on port 1: every connection attempt is refused
    const app = await buildApp(testConfig('postgres://postgres@127.0.0.1:1/kswifi'));
    try {
      await app.ready();
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json(), { status: 'unavailable', database: 'unreachable' });
      assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  test('when the SQLite handle was closed, then /ready answers 503 and /health still 200', async () => {
    const { url, drop } = await freshDatabaseUrl('sqlite');
    const database = openDatabase(url);
    const app = await buildApp(testConfig(url), { database });
    try {
      await app.ready();
      assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200, 'ready while open');
      await database.close();
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().database, 'unreachable');
      assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    } finally {
      await app.close();
      await drop();
    }
  });
});
