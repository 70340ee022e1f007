/**
 * Response headers every answer carries: X-Request-Id (echoed when well formed), helmet's security
 * headers, and CORS from CORS_ORIGINS. HTTP-layer only, so one (SQLite) environment is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEnv, problemOf, type TestEnv } from '../helper.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALLOWED = 'https://portal.kswifi.example';

describe('http: response headers', () => {
  let env: TestEnv;
  before(async () => {
    env = await createEnv('sqlite', { CORS_ORIGINS: `${ALLOWED}, https://admin.kswifi.example` });
  });
  after(async () => env?.close());

  test('when a well-formed X-Request-Id is sent, then it is echoed on the answer and in problems', async () => {
    const id = 'client-req.42:abc_DEF';
    const ok = await env.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    assert.equal(ok.headers['x-request-id'], id);
    const problem = await env.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { 'x-request-id': id },
    });
    assert.equal(problem.headers['x-request-id'], id);
    assert.equal(problemOf(problem).request_id, id);
  });

  test('when no or a malformed X-Request-Id is sent, then a fresh UUID is generated', async () => {
    const seen = new Set<string>();
    for (const given of [undefined, 'has spaces in it', 'x'.repeat(129), '<script>', '']) {
      const res = await env.app.inject({
        method: 'GET',
        url: '/health',
        headers: given === undefined ? {} : { 'x-request-id': given },
      });
      const id = String(res.headers['x-request-id']);
      assert.match(id, UUID, `for ${String(given)}`);
      seen.add(id);
    }
    assert.equal(seen.size, 5, 'each request gets its own id');
  });

  test('when any answer is sent, then helmet security headers are present', async () => {
    for (const url of ['/health', '/api/v1/users/me']) {
      const res = await env.app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', url);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/, url);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, url);
      assert.equal(res.headers['x-powered-by'], undefined, url);
    }
  });

  test('when an allowed origin sends a preflight, then it is echoed with the allowed method', async () => {
    const res = await env.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/auth/login',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
  });

  test('when an allowed origin calls, then the answer allows it and exposes the request id', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    assert.equal(res.headers['access-control-allow-origin'], ALLOWED);
    assert.match(String(res.headers['access-control-expose-headers']), /x-request-id/);
  });

  test('when another origin calls, then no CORS allowance is given', async () => {
    for (const method of ['GET', 'OPTIONS'] as const) {
      const res = await env.app.inject({
        method,
        url: '/health',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      assert.equal(res.headers['access-control-allow-origin'], undefined, method);
    }
  });

  test('when CORS_ORIGINS is empty, then even a lookalike origin gets no allowance', async () => {
    const app = await env.newApp({ CORS_ORIGINS: '' });
    const res = await app.inject({ method: 'GET', url: '/health', headers: { origin: ALLOWED } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});
