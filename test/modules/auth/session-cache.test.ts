/**
 * Authentication through the session cache, in one process (both dialects): a warm cache answers without
 * loading anything; a logout, a refresh-token reuse or a password change refuses the revoked sessions'
 * access tokens at once (401 SESSION_REVOKED) while the caller's own session stays; an access token
 * without a session (`sid`) is refused (401 INVALID_TOKEN); the metrics show the cache.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, problemOf, registerUser } from '../../helper.js';

const ME = '/api/v1/users/me';

const me = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'GET', url: ME, headers: { authorization: `Bearer ${token}` } });

function assertRevoked(res: Awaited<ReturnType<typeof me>>): void {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(problemOf(res).code, 'SESSION_REVOKED');
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

forEachDialect('auth: the session cache', ({ env }) => {
  test('when the cache is warm, then /users/me is answered from it (no load) with the stored view', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assert.equal((await me(app, s.access)).statusCode, 200);
    const before = app.ctx.sessions.cache.stats();
    const res = await me(app, s.access);
    const after = app.ctx.sessions.cache.stats();
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, s.id);
    assert.equal(res.json().email, s.email);
    assert.equal(after.misses, before.misses, 'nothing was loaded');
    assert.equal(after.hits, before.hits + 2, 'the user and the session, both from the cache');
  });

  test('when a session logs out, then its access token is refused at once with 401 SESSION_REVOKED', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assert.equal((await me(app, s.access)).statusCode, 200);
    const out = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refresh_token: s.refresh },
    });
    assert.equal(out.statusCode, 204);
    assertRevoked(await me(app, s.access));
  });

  test('when a used refresh token is replayed, then the access token of its family is refused at once', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const rotated = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: s.refresh },
    });
    assert.equal(rotated.statusCode, 200);
    const access = rotated.json().tokens.access_token as string;
    assert.equal((await me(app, access)).statusCode, 200);
    const replay = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: s.refresh },
    });
    assert.equal(problemOf(replay).code, 'TOKEN_REUSED');
    assertRevoked(await me(app, access));
    assertRevoked(await me(app, s.access));
  });

  test('when the password changes, then the other sessions are refused at once and the caller stays', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: s.email, password: s.password },
    });
    const other = login.json().tokens.access_token as string;
    assert.equal((await me(app, other)).statusCode, 200);
    const changed = await app.inject({
      method: 'POST',
      url: '/api/v1/users/me/password',
      headers: s.headers,
      payload: { current_password: s.password, new_password: 'another horse 2' },
    });
    assert.equal(changed.statusCode, 204);
    assertRevoked(await me(app, other));
    assert.equal((await me(app, s.access)).statusCode, 200);
  });

  test('when a valid token names no session, then 401 INVALID_TOKEN', async () => {
    const { app, config } = env();
    const s = await registerUser(app);
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: s.id, exp: Math.floor(Date.now() / 1000) + 60 })}`;
    const sig = createHmac('sha256', config.JWT_SECRET ?? '')
      .update(unsigned)
      .digest('base64url');
    const res = await me(app, `${unsigned}.${sig}`);
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_TOKEN');
  });

  test('when the profile is edited, then /users/me shows the edit at once (the cached row was dropped)', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assert.equal((await me(app, s.access)).json().full_name, null);
    const patched = await app.inject({
      method: 'PATCH',
      url: ME,
      headers: s.headers,
      payload: { full_name: 'Ada Lovelace' },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal((await me(app, s.access)).json().full_name, 'Ada Lovelace');
  });

  test('when /metrics is read, then the session cache is trusted and counted', async () => {
    const { app } = env();
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(body, /^session_cache_trusted 1$/m);
    assert.match(body, /^session_cache_hits_total \d+$/m);
    assert.match(body, /^session_cache_misses_total \d+$/m);
    assert.match(body, /^session_cache_bypasses_total 0$/m);
    assert.match(body, /^session_cache_entries\{kind="users"\} \d+$/m);
    assert.match(body, /^session_bus_publish_failures_total 0$/m);
    assert.match(body, /^session_bus_reconnects_total 0$/m);
  });
});
