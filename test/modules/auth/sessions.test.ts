/**
 * Sessions: refresh-token rotation, reuse detection (a replayed token revokes its whole family), logout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, problemOf, registerUser } from '../../helper.js';

const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';

function refresh(app: FastifyInstance, token: string) {
  return app.inject({ method: 'POST', url: REFRESH, payload: { refresh_token: token } });
}

async function login(app: FastifyInstance, email: string, password: string) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  assert.equal(res.statusCode, 200);
  return res.json<{ tokens: { access_token: string; refresh_token: string } }>().tokens;
}

forEachDialect('auth: refresh and logout', ({ env }) => {
  test('when a refresh token is rotated, then new tokens answer and the new access token works', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await refresh(app, s.refresh);
    assert.equal(res.statusCode, 200);
    const { tokens } = res.json();
    assert.equal(tokens.token_type, 'bearer');
    assert.notEqual(tokens.refresh_token, s.refresh);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.json().id, s.id);
    assert.equal((await refresh(app, tokens.refresh_token)).statusCode, 200, 'the rotated token works once');
  });

  test('when a rotated token is presented again, then 401 TOKEN_REUSED and the newest token dies too', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const second = (await refresh(app, s.refresh)).json().tokens.refresh_token as string;
    const third = (await refresh(app, second)).json().tokens.refresh_token as string;

    const replay = await refresh(app, s.refresh);
    assert.equal(replay.statusCode, 401);
    assert.equal(replay.headers['www-authenticate'], 'Bearer');
    assert.equal(problemOf(replay).code, 'TOKEN_REUSED');

    const newest = await refresh(app, third);
    assert.equal(newest.statusCode, 401, 'the whole family is revoked');
    assert.equal(problemOf(newest).code, 'INVALID_TOKEN');
    const live = await app.ctx.db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('user_id', '=', s.id)
      .where('revoked_at', 'is', null)
      .execute();
    assert.equal(live.length, 0);
  });

  test('when one session replays a token, then the same user’s other session keeps working', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const other = await login(app, s.email, s.password);
    await refresh(app, s.refresh);
    assert.equal((await refresh(app, s.refresh)).statusCode, 401);
    assert.equal((await refresh(app, other.refresh_token)).statusCode, 200);
  });

  test('when the replay is recorded, then the activity log names the reused family', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await refresh(app, s.refresh);
    await refresh(app, s.refresh);
    const row = await app.ctx.db
      .selectFrom('activity')
      .select(['action', 'metadata'])
      .where('user_id', '=', s.id)
      .where('action', '=', 'auth.refresh_reused')
      .executeTakeFirst();
    assert.ok(row, 'auth.refresh_reused recorded');
    assert.ok(JSON.parse(row.metadata ?? '{}').family_id);
  });

  test('when an unknown refresh token is presented, then 401 INVALID_TOKEN', async () => {
    const res = await refresh(env().app, 'not-a-token-this-server-issued-0123456789abcdef');
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_TOKEN');
  });

  test('when the refresh token is past its lifetime, then 401 INVALID_TOKEN', async () => {
    const { app, clock, config } = env();
    const s = await registerUser(app);
    clock.advance(config.REFRESH_TOKEN_TTL * 1000 + 1);
    const res = await refresh(app, s.refresh);
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_TOKEN');
  });

  test('when the body has no refresh_token, then 400 names body.refresh_token', async () => {
    const res = await env().app.inject({ method: 'POST', url: REFRESH, payload: { token: 'x' } });
    assert.equal(res.statusCode, 400);
    const fields = (problemOf(res).errors ?? []).map((e) => e.field).sort();
    assert.deepEqual(fields, ['body.refresh_token', 'body.token']);
  });

  test('when the user is suspended, then refresh answers 403 ACCOUNT_SUSPENDED', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await app.ctx.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', s.id).execute();
    const res = await refresh(app, s.refresh);
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'ACCOUNT_SUSPENDED');
  });

  test('when the user is deleted, then refresh answers 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await app.ctx.db.updateTable('users').set({ status: 'deleted' }).where('id', '=', s.id).execute();
    const res = await refresh(app, s.refresh);
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_TOKEN');
  });

  test('when a session logs out, then 204 and its refresh token stops working', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({ method: 'POST', url: LOGOUT, payload: { refresh_token: s.refresh } });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const after = await refresh(app, s.refresh);
    assert.equal(after.statusCode, 401);
    assert.equal(problemOf(after).code, 'INVALID_TOKEN');
  });

  test('when a rotated session logs out with its latest token, then the earlier tokens are dead too', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const latest = (await refresh(app, s.refresh)).json().tokens.refresh_token as string;
    await app.inject({ method: 'POST', url: LOGOUT, payload: { refresh_token: latest } });
    assert.equal((await refresh(app, latest)).statusCode, 401);
    assert.equal((await refresh(app, s.refresh)).statusCode, 401);
  });

  test('when logout is repeated or the token is unknown, then it still answers 204', async () => {
    const { app } = env();
    const s = await registerUser(app);
    for (const token of [s.refresh, s.refresh, 'never-issued-token-0123456789abcdefghij']) {
      const res = await app.inject({ method: 'POST', url: LOGOUT, payload: { refresh_token: token } });
      assert.equal(res.statusCode, 204);
    }
    const logouts = await app.ctx.db
      .selectFrom('activity')
      .select('id')
      .where('user_id', '=', s.id)
      .where('action', '=', 'auth.logout')
      .execute();
    assert.equal(logouts.length, 1, 'only the real logout is recorded');
  });

  test('when logout is sent without a body, then 400 names body', async () => {
    const res = await env().app.inject({ method: 'POST', url: LOGOUT });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).code, 'VALIDATION_FAILED');
  });
});
