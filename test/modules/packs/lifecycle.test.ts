import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS } from '../../../src/lib/clock.js';
import {
  PACK_TRANSITIONS,
  activationFields,
  canMovePack,
  effectivePackStatus,
  statusesBefore,
} from '../../../src/modules/packs/lifecycle.js';
import { adminSession, forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';
import { buy, createPlan, packAction, type PackJson } from '../../fixtures/packs.js';

test('when the transition table is read, then moves come only from its rows', () => {
  assert.deepEqual(statusesBefore('active'), ['pending']);
  assert.deepEqual(statusesBefore('cancelled'), ['pending', 'active']);
  assert.deepEqual(statusesBefore('pending'), []);
  for (const end of ['depleted', 'expired', 'cancelled'] as const) {
    assert.deepEqual(PACK_TRANSITIONS[end], []);
    assert.ok(!canMovePack(end, 'active'));
  }
  assert.deepEqual(activationFields(1000, 2), {
    status: 'active',
    activated_at: 1000,
    expires_at: 1000 + 2 * DAY_MS,
    updated_at: 1000,
  });
  assert.equal(effectivePackStatus({ status: 'active', expires_at: 5 }, 5), 'expired');
  assert.equal(effectivePackStatus({ status: 'active', expires_at: 5 }, 4), 'active');
  assert.equal(effectivePackStatus({ status: 'pending', expires_at: null }, 1e15), 'pending');
});

forEachDialect('packs: lifecycle', ({ env }) => {
  let planId = '';
  let validityDays = 0;
  const fresh = async (): Promise<{ user: Session; pack: PackJson }> => {
    const { app } = env();
    if (!planId) {
      const plan = await createPlan(app, await adminSession(app), { validity_days: 10 });
      planId = plan.id;
      validityDays = plan.validity_days;
    }
    const user = await registerUser(app);
    return { user, pack: await buy(app, user, planId) };
  };
  const expectConflict = async (res: ReturnType<typeof packAction>, code: string) => {
    const r = await res;
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(problemOf(r).code, code);
  };

  test('when a pending pack is activated, then it is active from now for its validity', async () => {
    const { app, clock, db } = env();
    const { user, pack } = await fresh();
    const res = await packAction(app, user, pack.id, 'activate');
    assert.equal(res.statusCode, 200);
    const active = res.json<PackJson>();
    assert.equal(active.status, 'active');
    assert.equal(Date.parse(active.activated_at!), clock.now());
    assert.equal(Date.parse(active.expires_at!), clock.now() + validityDays * DAY_MS);
    await expectConflict(packAction(app, user, pack.id, 'activate'), 'INVALID_TRANSITION');
    const log = await db.selectFrom('activity').select('action').where('target_id', '=', pack.id).execute();
    assert.ok(log.some((a) => a.action === 'pack.activated'));
  });

  test('when a pending pack is cancelled, then it ends, its order is refunded, and nothing moves it again', async () => {
    const { app, db, clock } = env();
    const { user, pack } = await fresh();
    const res = await packAction(app, user, pack.id, 'cancel');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'cancelled');
    assert.equal(Date.parse(res.json().ended_at), clock.now());
    const order = await db
      .selectFrom('orders')
      .select('status')
      .where('pack_id', '=', pack.id)
      .executeTakeFirst();
    assert.equal(order?.status, 'refunded');
    await expectConflict(packAction(app, user, pack.id, 'cancel'), 'INVALID_TRANSITION');
    await expectConflict(packAction(app, user, pack.id, 'activate'), 'INVALID_TRANSITION');
    const log = await db.selectFrom('activity').select('action').where('target_id', '=', pack.id).execute();
    assert.ok(log.some((a) => a.action === 'pack.cancelled'));
  });

  test('when an active pack has no usage, then it can be cancelled', async () => {
    const { app } = env();
    const { user, pack } = await fresh();
    await packAction(app, user, pack.id, 'activate');
    const res = await packAction(app, user, pack.id, 'cancel');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'cancelled');
  });

  test('when a byte of an active pack is used, then cancelling is 409 PACK_IN_USE', async () => {
    const { app, db } = env();
    const { user, pack } = await fresh();
    await packAction(app, user, pack.id, 'activate');
    await db.updateTable('packs').set({ used_bytes: 1 }).where('id', '=', pack.id).execute();
    await expectConflict(packAction(app, user, pack.id, 'cancel'), 'PACK_IN_USE');
    const after = await app.inject({ method: 'GET', url: `/api/v1/packs/${pack.id}`, headers: user.headers });
    assert.equal(after.json().status, 'active');
    assert.equal(after.json().remaining_bytes, pack.total_bytes - 1);
  });

  test('when a pack is depleted, then it can be neither cancelled nor activated', async () => {
    const { app, db } = env();
    const { user, pack } = await fresh();
    await db
      .updateTable('packs')
      .set({ status: 'depleted', used_bytes: pack.total_bytes })
      .where('id', '=', pack.id)
      .execute();
    await expectConflict(packAction(app, user, pack.id, 'cancel'), 'INVALID_TRANSITION');
    await expectConflict(packAction(app, user, pack.id, 'activate'), 'INVALID_TRANSITION');
  });

  test('when an active pack passes expires_at before any sweep, then reads and filters call it expired', async () => {
    const { app, clock, db } = env();
    const { user, pack } = await fresh();
    const active = (await packAction(app, user, pack.id, 'activate')).json<PackJson>();
    const list = async (status: string) =>
      (
        await app.inject({ method: 'GET', url: `/api/v1/packs?status=${status}`, headers: user.headers })
      ).json<{ items: PackJson[] }>().items;
    assert.deepEqual(
      (await list('active')).map((p) => p.id),
      [pack.id],
    );

    clock.advance(validityDays * DAY_MS);
    const read = await app.inject({ method: 'GET', url: `/api/v1/packs/${pack.id}`, headers: user.headers });
    assert.equal(read.json().status, 'expired');
    assert.equal(read.json().ended_at, active.expires_at);
    assert.deepEqual(await list('active'), []);
    assert.deepEqual(
      (await list('expired')).map((p) => p.id),
      [pack.id],
    );
    const row = await db.selectFrom('packs').select('status').where('id', '=', pack.id).executeTakeFirst();
    assert.equal(row?.status, 'active', 'the row is untouched until the sweep');
    await expectConflict(packAction(app, user, pack.id, 'cancel'), 'INVALID_TRANSITION');
    await expectConflict(packAction(app, user, pack.id, 'activate'), 'INVALID_TRANSITION');
  });

  test('when the status filter names pending or cancelled, then only those packs are listed', async () => {
    const { app } = env();
    const { user, pack } = await fresh();
    const second = await buy(app, user, planId);
    await packAction(app, user, second.id, 'cancel');
    const pending = await app.inject({
      method: 'GET',
      url: '/api/v1/packs?status=pending',
      headers: user.headers,
    });
    assert.deepEqual(
      pending.json<{ items: PackJson[] }>().items.map((p) => p.id),
      [pack.id],
    );
    const cancelled = await app.inject({
      method: 'GET',
      url: '/api/v1/packs?status=cancelled',
      headers: user.headers,
    });
    assert.deepEqual(
      cancelled.json<{ items: PackJson[] }>().items.map((p) => p.id),
      [second.id],
    );
  });

  test('when another user activates, cancels or reads a pack, then it is 404 and the pack is unchanged', async () => {
    const { app } = env();
    const { user, pack } = await fresh();
    const intruder = await registerUser(app);
    for (const action of ['activate', 'cancel'] as const) {
      const res = await packAction(app, intruder, pack.id, action);
      assert.equal(res.statusCode, 404);
      assert.equal(problemOf(res).code, 'NOT_FOUND');
    }
    const own = await app.inject({ method: 'GET', url: `/api/v1/packs/${pack.id}`, headers: user.headers });
    assert.equal(own.json().status, 'pending');
    const missing = await packAction(app, user, '01900000-0000-7000-8000-000000000000', 'activate');
    assert.equal(missing.statusCode, 404);
    const badId = await packAction(app, user, 'not-an-id', 'cancel');
    assert.equal(badId.statusCode, 400);
  });
});
