/**
 * Stored bad data cannot take a route down: a row whose numbers cannot be represented
 * is left out of a list (and reported) rather than failing the list for everyone. Such a row can no longer
 * be written (CHECK constraints, migration 0006), so the test plants one on SQLite with the checks
 * switched off for its connection, as an old database could hold.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { unreadableColumn } from '../../src/db/readable.js';
import { adminSession, createEnv, type Session, type TestEnv } from '../helper.js';

test('a row is unreadable when an integer column holds text, a fraction or a non-finite number', () => {
  assert.equal(unreadableColumn({ id: 'a', data_bytes: 10, name: 'x', description: null }), undefined);
  assert.equal(unreadableColumn({ id: 'a', data_bytes: 'Infinity' }), 'data_bytes');
  assert.equal(unreadableColumn({ id: 'a', bytes: -Infinity }), 'bytes');
  assert.equal(unreadableColumn({ id: 'a', price_cents: 1.5 }), 'price_cents');
  assert.equal(unreadableColumn({ id: 'a', created_at: 2 ** 53 + 2 }), 'created_at');
});

let env: TestEnv;
let admin: Session;
before(async () => {
  env = await createEnv('sqlite');
  admin = await adminSession(env.app);
});
after(async () => env.close());

test('a plan row holding Infinity is left out of the lists, which still answer 200', async () => {
  const ids: string[] = [];
  for (const code of ['READ-OK', 'READ-BAD']) {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: admin.headers,
      payload: {
        code,
        name: code,
        data_bytes: 1000,
        validity_days: 1,
        price_cents: 1,
        currency: 'EUR',
        countries: ['FR'],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    ids.push(res.json<{ id: string }>().id);
  }
  await sql`pragma ignore_check_constraints = on`.execute(env.db);
  try {
    await sql`update plans set data_bytes = 'Infinity' where id = ${ids[1]}`.execute(env.db);
  } finally {
    await sql`pragma ignore_check_constraints = off`.execute(env.db);
  }
  for (const url of ['/api/v1/plans', '/api/v1/admin/plans']) {
    const res = await env.app.inject({ method: 'GET', url, headers: admin.headers });
    assert.equal(res.statusCode, 200, res.body);
    const codes = res.json<{ items: { code: string }[] }>().items.map((p) => p.code);
    assert.deepEqual(codes.sort(), ['READ-OK']);
  }
});
