/**
 * Every error is RFC 9457 problem+json: malformed JSON, bodies over the limit, wrong content types,
 * validation (every invalid field), unknown routes, and unexpected failures (500 without internals).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { forEachDialect, problemOf, testConfig } from '../helper.js';

const LOGIN = '/api/v1/auth/login';
const MiB = 1024 * 1024;

/** A JSON login body of exactly `size` bytes. */
function loginBodyOfSize(size: number): string {
  const skeleton = JSON.stringify({ email: 'a@b.example', password: '' });
  return JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(size - skeleton.length) });
}

forEachDialect('http: problem answers', ({ env }) => {
  test('when the JSON body is malformed, then 400 MALFORMED_JSON as problem+json', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@b.example", "password": ',
    });
    assert.equal(res.statusCode, 400);
    const problem = problemOf(res);
    assert.equal(problem.code, 'MALFORMED_JSON');
    assert.equal(problem.status, 400);
    assert.equal(problem.request_id, res.headers['x-request-id']);
  });

  test('when a JSON request has an empty body, then 400 MALFORMED_JSON', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).code, 'MALFORMED_JSON');
  });

  test('when the body is just over 1 MiB, then 413 BODY_TOO_LARGE; just under is read', async () => {
    const { app } = env();
    const over = await app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: loginBodyOfSize(MiB + 1),
    });
    assert.equal(over.statusCode, 413);
    assert.equal(problemOf(over).code, 'BODY_TOO_LARGE');
    const under = await app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: loginBodyOfSize(MiB - 1),
    });
    assert.equal(under.statusCode, 400, 'read and validated (the password is too long), not refused');
    assert.equal(problemOf(under).code, 'VALIDATION_FAILED');
  });

  test('when the body is over a lowered BODY_LIMIT, then 413', async () => {
    const app = await env().newApp({ BODY_LIMIT: '1024' });
    const res = await app.inject({
      method: 'POST',
      url: LOGIN,
      headers: { 'content-type': 'application/json' },
      payload: loginBodyOfSize(1025),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(problemOf(res).code, 'BODY_TOO_LARGE');
    assert.equal(res.json().title, 'Content Too Large');
  });

  for (const contentType of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
    test(`when a JSON route receives ${contentType.split(';')[0]}, then 415 UNSUPPORTED_MEDIA_TYPE`, async () => {
      const res = await env().app.inject({
        method: 'POST',
        url: LOGIN,
        headers: { 'content-type': contentType },
        payload: 'email=a@b.example',
      });
      assert.equal(res.statusCode, 415);
      assert.equal(problemOf(res).code, 'UNSUPPORTED_MEDIA_TYPE');
    });
  }

  test('when several fields are invalid, then each one is listed with its location', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 42, password: 'short', nickname: 'x' },
    });
    assert.equal(res.statusCode, 400);
    const problem = problemOf(res);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.equal(res.json().title, 'Bad Request');
    assert.equal(problem.detail, 'The request is invalid');
    const fields = new Set((problem.errors ?? []).map((e) => e.field));
    assert.deepEqual([...fields].sort(), ['body.email', 'body.nickname', 'body.password']);
    for (const e of problem.errors ?? []) assert.ok(e.message.length > 0);
  });

  test('when the route does not exist, then 404 NOT_FOUND as problem+json', async () => {
    const res = await env().app.inject({ method: 'GET', url: '/api/v1/no-such-thing?x=1' });
    assert.equal(res.statusCode, 404);
    const problem = problemOf(res);
    assert.equal(problem.code, 'NOT_FOUND');
    assert.equal(problem.detail, 'No route for GET /api/v1/no-such-thing');
  });

  test('when a known path is called with an unknown method, then 404 as problem+json', async () => {
    const res = await env().app.inject({ method: 'DELETE', url: '/api/v1/auth/login' });
    assert.equal(res.statusCode, 404);
    assert.equal(problemOf(res).code, 'NOT_FOUND');
  });
});

forEachDialect('http: unexpected failures', ({ env }) => {
  let app: FastifyInstance;
  before(async () => {
    const e = env();
    app = await buildApp(testConfig(e.url), { database: e.database, clock: e.clock });
    app.get('/test/throws', async () => {
      throw new Error('boom: secret internals at /srv/app/db.ts:42');
    });
    app.get('/test/bad-sql', async () => {
      await sql`select password_hash from no_such_table where email = ${'x@y.example'}`.execute(app.ctx.db);
      return { ok: true };
    });
    await app.ready();
  });
  after(async () => app?.close());

  for (const url of ['/test/throws', '/test/bad-sql']) {
    test(`when ${url} fails unexpectedly, then 500 INTERNAL without stack, SQL or message`, async () => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 500);
      const problem = problemOf(res);
      assert.equal(problem.code, 'INTERNAL');
      assert.equal(problem.detail, 'An unexpected error occurred');
      assert.deepEqual(Object.keys(problem).sort(), [
        'code',
        'detail',
        'request_id',
        'status',
        'title',
        'type',
      ]);
      for (const leak of ['boom', 'internals', '.ts', 'select', 'no_such_table', 'password_hash', ' at ']) {
        assert.ok(!res.body.includes(leak), `the body leaks ${leak}: ${res.body}`);
      }
    });
  }
});
