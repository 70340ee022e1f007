import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import { GB, insertPlan, insertUser } from '../../fixtures/admin.js';

forEachDialect('admin grants', ({ env }) => {
  test('when an admin grants a plan’s pack, then the user owns it at price 0 with the admin and reason recorded', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const plan = await insertPlan(db, { price_cents: 1499, currency: 'EUR', data_bytes: 5 * GB });

    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/packs`,
      headers: admin.headers,
      payload: { plan_id: plan, reason: 'network outage 2026-03-01' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const pack = res.json();
    assert.equal(pack.user_id, user.id);
    assert.equal(pack.plan_id, plan);
    assert.equal(pack.total_bytes, 5 * GB);
    assert.equal(pack.price_cents, 0);
    assert.equal(pack.currency, 'EUR');
    assert.equal(pack.status, 'pending');

    const order = await db
      .selectFrom('orders')
      .selectAll()
      .where('pack_id', '=', pack.id)
      .executeTakeFirstOrThrow();
    assert.equal(order.granted_by, admin.id);
    assert.equal(order.reason, 'network outage 2026-03-01');
    assert.equal(order.amount_cents, 0);

    const mine = await app.inject({ method: 'GET', url: '/api/v1/packs', headers: user.headers });
    assert.deepEqual(
      mine.json().items.map((p: { id: string }) => p.id),
      [pack.id],
    );
    const log = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/activity?actor_id=${admin.id}&action=admin.pack_granted`,
      headers: admin.headers,
    });
    const [entry] = log.json().items;
    assert.equal(entry.user_id, user.id);
    assert.equal(entry.target_type, 'pack');
    assert.equal(entry.target_id, pack.id);
    assert.equal(entry.metadata.reason, 'network outage 2026-03-01');
  });

  test('when an admin grants custom terms, then the pack has exactly those terms', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/packs`,
      headers: admin.headers,
      payload: { name: 'Goodwill 2 GB', data_bytes: 2 * GB, validity_days: 7, reason: 'ticket #4411' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const pack = res.json();
    assert.equal(pack.name, 'Goodwill 2 GB');
    assert.equal(pack.total_bytes, 2 * GB);
    assert.equal(pack.validity_days, 7);
    assert.equal(pack.plan_id, null);
    assert.equal(pack.price_cents, 0);

    const listed = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/packs?user_id=${user.id}`,
      headers: admin.headers,
    });
    assert.deepEqual(
      listed.json().items.map((p: { id: string }) => p.id),
      [pack.id],
    );
  });

  test('when the reason is missing or blank, or both forms are mixed, then 400 and no pack', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const plan = await insertPlan(db);
    const url = `/api/v1/admin/users/${user.id}/packs`;
    for (const payload of [
      { plan_id: plan },
      { plan_id: plan, reason: '' },
      { plan_id: plan, reason: '   ' },
      { plan_id: plan, reason: 'x'.repeat(501) },
      { name: 'X', data_bytes: GB, validity_days: 7 },
      { plan_id: plan, name: 'X', data_bytes: GB, validity_days: 7, reason: 'both' },
      { name: 'X', data_bytes: 0, validity_days: 7, reason: 'zero bytes' },
      { plan_id: plan, reason: 'price', price_cents: 100 },
    ]) {
      const res = await app.inject({ method: 'POST', url, headers: admin.headers, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(problemOf(res).status, 400);
    }
    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', user.id).execute();
    assert.equal(packs.length, 0);
  });

  test('when the user or the plan does not exist, or the user is deleted, then 404', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await insertPlan(db);
    const deleted = await insertUser(db, { status: 'deleted' });
    const user = await registerUser(app);
    const cases = [
      { userId: '01900000-0000-7000-8000-000000000000', planId: plan },
      { userId: deleted, planId: plan },
      { userId: user.id, planId: '01900000-0000-7000-8000-000000000001' },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/admin/users/${c.userId}/packs`,
        headers: admin.headers,
        payload: { plan_id: c.planId, reason: 'test' },
      });
      assert.equal(res.statusCode, 404, JSON.stringify(c));
      assert.equal(problemOf(res).code, 'NOT_FOUND');
    }
  });
});
