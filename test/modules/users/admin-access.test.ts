import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';

/** Every route of the admin slice, with a request that an admin could make successfully. */
function adminRoutes(targetId: string): { name: string; req: InjectOptions; ok: number }[] {
  return [
    { name: 'GET /admin/users', req: { method: 'GET', url: '/api/v1/admin/users' }, ok: 200 },
    {
      name: 'GET /admin/users/{id}',
      req: { method: 'GET', url: `/api/v1/admin/users/${targetId}` },
      ok: 200,
    },
    {
      name: 'PATCH /admin/users/{id}',
      req: { method: 'PATCH', url: `/api/v1/admin/users/${targetId}`, payload: { status: 'suspended' } },
      ok: 200,
    },
    {
      name: 'POST /admin/users/{id}/packs',
      req: {
        method: 'POST',
        url: `/api/v1/admin/users/${targetId}/packs`,
        payload: { name: 'Goodwill 1 GB', data_bytes: 1_000_000_000, validity_days: 7, reason: 'outage' },
      },
      ok: 201,
    },
    { name: 'GET /admin/packs', req: { method: 'GET', url: '/api/v1/admin/packs' }, ok: 200 },
    { name: 'GET /admin/esims', req: { method: 'GET', url: '/api/v1/admin/esims' }, ok: 200 },
    { name: 'GET /admin/activity', req: { method: 'GET', url: '/api/v1/admin/activity' }, ok: 200 },
    { name: 'GET /admin/stats', req: { method: 'GET', url: '/api/v1/admin/stats' }, ok: 200 },
    { name: 'GET /admin/system', req: { method: 'GET', url: '/api/v1/admin/system' }, ok: 200 },
    {
      name: 'DELETE /admin/users/{id}',
      req: { method: 'DELETE', url: `/api/v1/admin/users/${targetId}?reason=test` },
      ok: 200,
    },
  ];
}

forEachDialect('admin access', ({ env }) => {
  test('when no token is sent, then every admin route answers 401 with WWW-Authenticate', async () => {
    const { app } = env();
    const target = await registerUser(app);
    for (const { name, req } of adminRoutes(target.id)) {
      const res = await app.inject(req);
      assert.equal(res.statusCode, 401, name);
      assert.equal(res.headers['www-authenticate'], 'Bearer', name);
      assert.equal(problemOf(res).code, 'UNAUTHENTICATED', name);
    }
  });

  test('when a user calls an admin route, then it is 403 FORBIDDEN and nothing changes', async () => {
    const { app, db } = env();
    const user = await registerUser(app);
    const target = await registerUser(app);
    for (const { name, req } of adminRoutes(target.id)) {
      const res = await app.inject({ ...req, headers: user.headers });
      assert.equal(res.statusCode, 403, name);
      assert.equal(problemOf(res).code, 'FORBIDDEN', name);
    }
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', target.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'active');
    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', target.id).execute();
    assert.equal(packs.length, 0);
  });

  test('when an admin calls each admin route, then it succeeds', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const target = await registerUser(app);
    for (const { name, req, ok } of adminRoutes(target.id)) {
      const res = await app.inject({ ...req, headers: admin.headers });
      assert.equal(res.statusCode, ok, `${name}: ${res.body}`);
    }
  });

  test('when a suspended admin calls an admin route, then it is 403 ACCOUNT_SUSPENDED', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const other = await adminSession(app);
    const suspend = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${other.id}`,
      headers: admin.headers,
      payload: { status: 'suspended' },
    });
    assert.equal(suspend.statusCode, 200);
    const res = await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: other.headers });
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'ACCOUNT_SUSPENDED');
  });
});
