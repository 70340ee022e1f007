/**
 * /api/v1/auth/browser: sessions for a web page. The refresh token lives in an HttpOnly, Secure,
 * SameSite=Strict cookie scoped to /api/v1/auth/browser; every route wants the X-CSRF header; rotation,
 * reuse detection and logout work as in the JSON routes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { adminSession, forEachDialect, problemOf, uniqueEmail } from '../../helper.js';

const BASE = '/api/v1/auth/browser';
const CSRF = { 'x-csrf': '1' };

interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

function refreshCookie(res: LightMyRequestResponse): SetCookie {
  const raw = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('kswifi_refresh='));
  assert.ok(raw, `a session cookie is set: ${JSON.stringify(res.headers['set-cookie'])}`);
  const [pair, ...attributes] = raw.split(';').map((p) => p.trim());
  const [name, value] = pair!.split('=') as [string, string];
  return { name, value, attributes: attributes.map((a) => a.toLowerCase()) };
}

const cookieHeader = (c: SetCookie) => ({ cookie: `${c.name}=${c.value}` });

forEachDialect('auth: browser sessions (cookie mode)', ({ env }) => {
  const signUp = async (email = uniqueEmail('web')) => {
    const res = await env().app.inject({
      method: 'POST',
      url: `${BASE}/register`,
      headers: CSRF,
      payload: { email, password: 'correct horse 1', full_name: 'Web User' },
    });
    assert.equal(res.statusCode, 201, res.body);
    return { res, email, cookie: refreshCookie(res) };
  };

  test('when a page signs up, then the refresh token is a strict HttpOnly cookie and never in the body', async () => {
    const { res, cookie } = await signUp();
    const body = res.json();
    assert.equal(body.tokens.token_type, 'bearer');
    assert.ok(body.tokens.access_token);
    assert.equal(body.tokens.refresh_token, undefined);
    assert.ok(!res.body.includes(cookie.value), 'the refresh token is not in the body');
    for (const a of ['httponly', 'secure', 'samesite=strict', `path=${BASE}`])
      assert.ok(cookie.attributes.includes(a), a);
    assert.ok(cookie.attributes.some((a) => a.startsWith('max-age=')));
    const hint = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('kswifi_signed_in='));
    assert.match(
      hint ?? '',
      /^kswifi_signed_in=1; Max-Age=\d+; Path=\/; Secure; SameSite=Strict$/i,
      'the hint holds no secret',
    );
    const me = await env().app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${body.tokens.access_token}` },
    });
    assert.equal(me.statusCode, 200);
  });

  test('when the X-CSRF header is missing, then every cookie route refuses with 403 and changes nothing', async () => {
    const { cookie, email } = await signUp();
    for (const path of ['register', 'login', 'refresh', 'logout']) {
      const res = await env().app.inject({
        method: 'POST',
        url: `${BASE}/${path}`,
        headers: cookieHeader(cookie),
        payload: { email, password: 'correct horse 1' },
      });
      assert.equal(res.statusCode, 403, path);
      assert.equal(problemOf(res).code, 'CSRF_HEADER_MISSING');
    }
    const still = await env().app.inject({
      method: 'POST',
      url: `${BASE}/refresh`,
      headers: { ...CSRF, ...cookieHeader(cookie) },
    });
    assert.equal(still.statusCode, 200, 'the refused logout did not end the session');
  });

  test('when the request comes from a page on another origin, then it is refused', async () => {
    const { cookie } = await signUp();
    const res = await env().app.inject({
      method: 'POST',
      url: `${BASE}/refresh`,
      headers: { ...CSRF, ...cookieHeader(cookie), origin: 'https://evil.example', host: 'kswifi.example' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'CSRF_ORIGIN');
    const same = await env().app.inject({
      method: 'POST',
      url: `${BASE}/refresh`,
      headers: { ...CSRF, ...cookieHeader(cookie), origin: 'https://kswifi.example', host: 'kswifi.example' },
    });
    assert.equal(same.statusCode, 200, same.body);
  });

  test('when the cookie is refreshed, then it rotates; the old one again revokes the whole session', async () => {
    const { cookie: first } = await signUp();
    const refresh = (c: SetCookie) =>
      env().app.inject({ method: 'POST', url: `${BASE}/refresh`, headers: { ...CSRF, ...cookieHeader(c) } });
    const r1 = await refresh(first);
    assert.equal(r1.statusCode, 200, r1.body);
    const second = refreshCookie(r1);
    assert.notEqual(second.value, first.value);
    const access = r1.json().tokens.access_token as string;

    const reused = await refresh(first);
    assert.equal(reused.statusCode, 401);
    assert.equal(problemOf(reused).code, 'TOKEN_REUSED');
    assert.equal(refreshCookie(reused).value, '', 'a refused cookie is cleared');

    const afterReuse = await refresh(second);
    assert.equal(afterReuse.statusCode, 401, 'the family is revoked');
    const me = await env().app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${access}` },
    });
    assert.equal(me.statusCode, 401, 'the access token of the revoked session stops too');
  });

  test('when there is no cookie, then refresh says the page is not signed in', async () => {
    const res = await env().app.inject({ method: 'POST', url: `${BASE}/refresh`, headers: CSRF });
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'NO_SESSION');
  });

  test('when a page logs in and out, then the cookie is cleared and the session ends', async () => {
    const { email } = await signUp();
    const login = await env().app.inject({
      method: 'POST',
      url: `${BASE}/login`,
      headers: CSRF,
      payload: { email, password: 'correct horse 1' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const cookie = refreshCookie(login);
    const out = await env().app.inject({
      method: 'POST',
      url: `${BASE}/logout`,
      headers: { ...CSRF, ...cookieHeader(cookie) },
    });
    assert.equal(out.statusCode, 204);
    const cleared = refreshCookie(out);
    assert.equal(cleared.value, '');
    assert.ok(cleared.attributes.includes(`path=${BASE}`));
    const again = await env().app.inject({
      method: 'POST',
      url: `${BASE}/refresh`,
      headers: { ...CSRF, ...cookieHeader(cookie) },
    });
    assert.equal(again.statusCode, 401);
    const wrong = await env().app.inject({
      method: 'POST',
      url: `${BASE}/login`,
      headers: CSRF,
      payload: { email, password: 'wrong password 1' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['set-cookie'], undefined, 'no cookie for a failed login');
  });

  test('when an admin suspends the user, then the cookie no longer refreshes', async () => {
    const { res: signed, cookie } = await signUp();
    const admin = await adminSession(env().app);
    const suspend = await env().app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${signed.json().user.id}`,
      headers: admin.headers,
      payload: { status: 'suspended', reason: 'test' },
    });
    assert.equal(suspend.statusCode, 200, suspend.body);
    const res = await env().app.inject({
      method: 'POST',
      url: `${BASE}/refresh`,
      headers: { ...CSRF, ...cookieHeader(cookie) },
    });
    // suspension ends every session of the user: the cookie's token is revoked, and cleared
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_TOKEN');
    assert.equal(refreshCookie(res).value, '');
  });
});
