import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS } from '../../../src/lib/clock.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import { GB, buy, buyRequest, createPlan, insertEsim, type PackJson } from '../../fixtures/packs.js';

forEachDialect('packs: purchase, reads, binding, grants', ({ env }) => {
  test('when a user buys a plan, then a pending pack copies its terms and a paid order records it', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin, { data_bytes: 3 * GB, price_cents: 1250, currency: 'GBP' });
    const user = await registerUser(app);
    const res = await buyRequest(app, user, { plan_id: plan.id });
    assert.equal(res.statusCode, 201);
    const pack = res.json<PackJson>();
    assert.equal(pack.user_id, user.id);
    assert.equal(pack.plan_id, plan.id);
    assert.equal(pack.esim_id, null);
    assert.equal(pack.name, plan.name);
    assert.equal(pack.total_bytes, 3 * GB);
    assert.equal(pack.used_bytes, 0);
    assert.equal(pack.remaining_bytes, 3 * GB);
    assert.equal(pack.status, 'pending');
    assert.equal(pack.activated_at, null);
    assert.equal(pack.expires_at, null);
    assert.equal(pack.price_cents, 1250);
    assert.equal(pack.currency, 'GBP');
    assert.equal(res.headers['idempotent-replayed'], undefined);

    const orders = await db.selectFrom('orders').selectAll().where('user_id', '=', user.id).execute();
    assert.equal(orders.length, 1);
    assert.equal(orders[0]?.status, 'paid');
    assert.equal(orders[0]?.amount_cents, 1250);
    assert.equal(orders[0]?.currency, 'GBP');
    assert.equal(orders[0]?.pack_id, pack.id);
    const log = await db.selectFrom('activity').selectAll().where('target_id', '=', pack.id).execute();
    assert.deepEqual(
      log.map((a) => [a.action, a.actor_id]),
      [['pack.purchased', user.id]],
    );
  });

  test('when the plan is unknown or inactive, or the body is invalid, then the purchase is refused', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const inactive = await createPlan(app, admin, { is_active: false });
    const unknown = await buyRequest(app, user, { plan_id: '01900000-0000-7000-8000-000000000000' });
    assert.equal(unknown.statusCode, 404);
    const off = await buyRequest(app, user, { plan_id: inactive.id });
    assert.equal(off.statusCode, 404);
    assert.equal(problemOf(off).code, 'NOT_FOUND');
    const extra = await buyRequest(app, user, { plan_id: inactive.id, price_cents: 0 });
    assert.equal(extra.statusCode, 400);
    assert.equal(problemOf(extra).errors?.[0]?.field, 'body.price_cents');
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/packs', payload: {} });
    assert.equal(anonymous.statusCode, 401);
  });

  test('when the same Idempotency-Key and body are sent again, then the same pack answers again', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const first = await buyRequest(app, user, { plan_id: plan.id }, 'order-123');
    const again = await buyRequest(app, user, { plan_id: plan.id }, 'order-123');
    assert.equal(first.statusCode, 201);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, first.json().id);
    const other = await registerUser(app);
    const sameKeyOtherUser = await buyRequest(app, other, { plan_id: plan.id }, 'order-123');
    assert.equal(sameKeyOtherUser.statusCode, 201);
    assert.notEqual(sameKeyOtherUser.json().id, first.json().id);
    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', user.id).execute();
    assert.equal(packs.length, 1);
  });

  test('when an Idempotency-Key is reused with another body, then it is 409 IDEMPOTENCY_KEY_REUSED', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const otherPlan = await createPlan(app, admin);
    const user = await registerUser(app);
    const esim = await insertEsim(db, user.id);
    await buyRequest(app, user, { plan_id: plan.id }, 'k-1');
    for (const body of [{ plan_id: otherPlan.id }, { plan_id: plan.id, esim_id: esim }]) {
      const res = await buyRequest(app, user, body, 'k-1');
      assert.equal(res.statusCode, 409);
      assert.equal(problemOf(res).code, 'IDEMPOTENCY_KEY_REUSED');
    }
    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', user.id).execute();
    assert.equal(packs.length, 1);
  });

  test('when 20 requests race with one key, then exactly one order and one pack exist', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => buyRequest(app, user, { plan_id: plan.id }, 'race-key')),
    );
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      Array(20).fill(201),
      answers.map((r) => r.body).join('\n'),
    );
    const ids = new Set(answers.map((r) => r.json<PackJson>().id));
    assert.equal(ids.size, 1);
    assert.equal(answers.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1);
    const orders = await db.selectFrom('orders').select('id').where('user_id', '=', user.id).execute();
    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', user.id).execute();
    assert.equal(orders.length, 1);
    assert.equal(packs.length, 1);
    assert.ok(ids.has(packs[0]!.id));
  });

  test('when the key is older than 24 h, then it names a new purchase', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const first = await buyRequest(app, user, { plan_id: plan.id }, 'daily');
    clock.advance(DAY_MS - 1000);
    const within = await buyRequest(app, user, { plan_id: plan.id }, 'daily');
    assert.equal(within.json().id, first.json().id);
    clock.advance(2000);
    const after = await buyRequest(app, user, { plan_id: plan.id }, 'daily');
    assert.equal(after.statusCode, 201);
    assert.notEqual(after.json().id, first.json().id);
    assert.equal(after.headers['idempotent-replayed'], undefined);
  });

  test('when the Idempotency-Key header is empty, too long or not visible ASCII, then it is 400', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    for (const key of ['', 'x'.repeat(201), 'has space']) {
      const res = await buyRequest(app, user, { plan_id: plan.id }, key);
      assert.equal(res.statusCode, 400, JSON.stringify(key));
      assert.equal(problemOf(res).errors?.[0]?.field, 'headers.idempotency-key');
    }
    const longest = await buyRequest(app, user, { plan_id: plan.id }, 'x'.repeat(200));
    assert.equal(longest.statusCode, 201);
  });

  test('when esim_id is given, then only the caller’s live eSIM is accepted', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const other = await registerUser(app);
    const own = await insertEsim(db, user.id);
    const deleted = await insertEsim(db, user.id, true);
    const foreign = await insertEsim(db, other.id);
    const ok = await buyRequest(app, user, { plan_id: plan.id, esim_id: own });
    assert.equal(ok.statusCode, 201);
    assert.equal(ok.json().esim_id, own);
    for (const esim of [deleted, foreign]) {
      const res = await buyRequest(app, user, { plan_id: plan.id, esim_id: esim });
      assert.equal(res.statusCode, 404);
    }
  });

  test('when a pack is bound later, then only the caller’s live eSIM and an open pack are accepted', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const other = await registerUser(app);
    const pack = await buy(app, user, plan.id);
    const own = await insertEsim(db, user.id);
    const foreign = await insertEsim(db, other.id);
    const deleted = await insertEsim(db, user.id, true);
    const patch = (s: typeof user, id: string, esim: string | null) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/packs/${id}`,
        headers: s.headers,
        payload: { esim_id: esim },
      });

    const bound = await patch(user, pack.id, own);
    assert.equal(bound.statusCode, 200);
    assert.equal(bound.json().esim_id, own);
    assert.equal((await patch(user, pack.id, foreign)).statusCode, 404);
    assert.equal((await patch(user, pack.id, deleted)).statusCode, 404);
    assert.equal((await patch(other, pack.id, foreign)).statusCode, 404);
    const unbound = await patch(user, pack.id, null);
    assert.equal(unbound.json().esim_id, null);
    const extra = await app.inject({
      method: 'PATCH',
      url: `/api/v1/packs/${pack.id}`,
      headers: user.headers,
      payload: { esim_id: own, status: 'active' },
    });
    assert.equal(extra.statusCode, 400);

    await db.updateTable('packs').set({ status: 'cancelled' }).where('id', '=', pack.id).execute();
    const ended = await patch(user, pack.id, own);
    assert.equal(ended.statusCode, 409);
    assert.equal(problemOf(ended).code, 'PACK_ENDED');
    const actions = await db
      .selectFrom('activity')
      .select('action')
      .where('target_id', '=', pack.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['pack.purchased', 'pack.bound', 'pack.unbound'],
    );
  });

  test('when packs are listed, then only the caller’s appear, newest first, paged', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const user = await registerUser(app);
    const other = await registerUser(app);
    const mine = [
      await buy(app, user, plan.id),
      await buy(app, user, plan.id),
      await buy(app, user, plan.id),
    ];
    const theirs = await buy(app, other, plan.id);
    const first = await app.inject({ method: 'GET', url: '/api/v1/packs?limit=2', headers: user.headers });
    const page1 = first.json<{ items: PackJson[]; next_cursor: string | null }>();
    assert.deepEqual(
      page1.items.map((p) => p.id),
      [mine[2]!.id, mine[1]!.id],
    );
    assert.ok(page1.next_cursor);
    const second = await app.inject({
      method: 'GET',
      url: `/api/v1/packs?limit=2&cursor=${page1.next_cursor}`,
      headers: user.headers,
    });
    const page2 = second.json<{ items: PackJson[]; next_cursor: string | null }>();
    assert.deepEqual(
      page2.items.map((p) => p.id),
      [mine[0]!.id],
    );
    assert.equal(page2.next_cursor, null);

    const foreign = await app.inject({
      method: 'GET',
      url: `/api/v1/packs/${theirs.id}`,
      headers: user.headers,
    });
    assert.equal(foreign.statusCode, 404);
    assert.equal(problemOf(foreign).code, 'NOT_FOUND');
    const own = await app.inject({
      method: 'GET',
      url: `/api/v1/packs/${mine[0]!.id}`,
      headers: user.headers,
    });
    assert.equal(own.json().id, mine[0]!.id);
    const badStatus = await app.inject({
      method: 'GET',
      url: '/api/v1/packs?status=gone',
      headers: user.headers,
    });
    assert.equal(badStatus.statusCode, 400);
  });

  test('when a plan is edited after a sale, then the pack already sold keeps its terms', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin, { data_bytes: 2 * GB, price_cents: 900, validity_days: 7 });
    const user = await registerUser(app);
    const pack = await buy(app, user, plan.id);
    const edit = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: admin.headers,
      payload: { name: 'Renamed', data_bytes: GB, price_cents: 100, validity_days: 1, currency: 'USD' },
    });
    assert.equal(edit.statusCode, 200);
    const after = await app.inject({ method: 'GET', url: `/api/v1/packs/${pack.id}`, headers: user.headers });
    const p = after.json<PackJson>();
    assert.equal(p.name, plan.name);
    assert.equal(p.total_bytes, 2 * GB);
    assert.equal(p.price_cents, 900);
    assert.equal(p.currency, 'EUR');
    assert.equal(p.validity_days, 7);
  });

  test('when an admin grants a plan or an allowance, then a price-0 pack and a granted order exist', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin, { price_cents: 4900, is_active: false });
    const user = await registerUser(app);
    const { packs } = app.services;
    const fromPlan = await packs.grant({ adminId: admin.id, userId: user.id, planId: plan.id }, 'goodwill');
    assert.equal(fromPlan.price_cents, 0);
    assert.equal(fromPlan.plan_id, plan.id);
    assert.equal(fromPlan.total_bytes, plan.data_bytes);
    assert.equal(fromPlan.status, 'pending');
    const custom = await packs.grant(
      { adminId: admin.id, userId: user.id, name: 'Apology 1 GB', dataBytes: GB, validityDays: 3 },
      'outage on 3 May',
    );
    assert.equal(custom.plan_id, null);
    assert.equal(custom.total_bytes, GB);
    assert.equal(custom.validity_days, 3);
    assert.equal(custom.price_cents, 0);

    const order = await db
      .selectFrom('orders')
      .selectAll()
      .where('pack_id', '=', custom.id)
      .executeTakeFirst();
    assert.equal(order?.amount_cents, 0);
    assert.equal(order?.granted_by, admin.id);
    assert.equal(order?.reason, 'outage on 3 May');
    const log = await db.selectFrom('activity').selectAll().where('target_id', '=', custom.id).execute();
    assert.equal(log[0]?.action, 'admin.pack_granted');
    assert.equal(log[0]?.actor_id, admin.id);
    assert.equal(log[0]?.user_id, user.id);
    const listed = await app.inject({ method: 'GET', url: '/api/v1/packs', headers: user.headers });
    assert.equal(listed.json<{ items: PackJson[] }>().items.length, 2);
  });

  test('when a grant targets a missing or deleted user or is invalid, then it is 404 or 400', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const { packs } = app.services;
    const missing = '01900000-0000-7000-8000-000000000000';
    await assert.rejects(packs.grant({ adminId: admin.id, userId: missing, planId: missing }, 'x'), {
      status: 404,
    });
    await assert.rejects(packs.grant({ adminId: admin.id, userId: user.id, planId: missing }, 'x'), {
      status: 404,
    });
    await assert.rejects(
      packs.grant({ adminId: admin.id, userId: user.id, name: '', dataBytes: 0, validityDays: 9999 }, ' '),
      (err: { status: number; errors: { field: string }[] }) => {
        assert.equal(err.status, 400);
        assert.deepEqual(
          err.errors.map((e) => e.field),
          ['body.reason', 'body.name', 'body.data_bytes', 'body.validity_days'],
        );
        return true;
      },
    );
    await db.updateTable('users').set({ status: 'deleted' }).where('id', '=', user.id).execute();
    await assert.rejects(
      packs.grant({ adminId: admin.id, userId: user.id, name: 'x', dataBytes: 1, validityDays: 1 }, 'x'),
      { status: 404 },
    );
  });
});
