import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect, problemOf, registerUser } from '../../helper.js';

forEachDialect('auth smoke', ({ env }) => {
  test('when a user registers, then the access token reads /users/me', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().email, s.email);
    assert.equal(res.json().password_hash, undefined);
  });

  test('when no token is sent, then /users/me is a 401 problem with WWW-Authenticate', async () => {
    const res = await env().app.inject({ method: 'GET', url: '/api/v1/users/me' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.equal(problemOf(res).code, 'UNAUTHENTICATED');
  });
});
