import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { transaction } from '../../../src/db/index.js';
import { DAY_MS } from '../../../src/lib/clock.js';
import { runSweep } from '../../../src/modules/packs/sweep.js';
import { eventsRepo } from '../../../src/modules/events/repository.js';
import { buyRequest, createPlan, MB, packAction } from '../../fixtures/packs.js';
import { adminSession, forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';

interface EventBody {
  id: string;
  type: string;
  occurred_at: string;
  user_id: string | null;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function eventsOf(app: FastifyInstance, admin: Session, query: string): Promise<EventBody[]> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/admin/events?${query}`,
    headers: admin.headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Page<EventBody>>().items;
}

async function newEsim(app: FastifyInstance, s: Session): Promise<{ id: string; iccid: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/esims', headers: s.headers, payload: {} });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function ingest(app: FastifyInstance, admin: Session, iccid: string, bytes: number, tag: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/usage/records',
    headers: admin.headers,
    payload: {
      records: [{ event_id: `ev-${tag}-${Date.now()}`, iccid, bytes, occurred_at: new Date().toISOString() }],
    },
  });
  assert.equal(res.statusCode, 200, res.body);
}

forEachDialect('event outbox', ({ env }) => {
  test('an event exists if and only if its change committed', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    await assert.rejects(
      transaction(app.ctx.db, async (tx) => {
        await eventsRepo.emit(tx, { type: 'user.suspended', userId: user.id, at: clock.now(), data: {} });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await eventsOf(app, admin, `user_id=${user.id}`)).length, 0);
    // a purchase refused inside its transaction (an eSIM that is not the buyer's) reports nothing
    const plan = await createPlan(app, admin);
    const refused = await buyRequest(app, user, {
      plan_id: plan.id,
      esim_id: '01890000-0000-7000-8000-000000000000',
    });
    assert.equal(refused.statusCode, 404);
    assert.equal((await eventsOf(app, admin, `user_id=${user.id}`)).length, 0);
    const ok = await buyRequest(app, user, { plan_id: plan.id });
    assert.equal(ok.statusCode, 201);
    const types = (await eventsOf(app, admin, `user_id=${user.id}`)).map((e) => e.type).sort();
    assert.deepEqual(types, ['order.paid', 'pack.purchased']);
  });

  test('a purchase, its usage to depletion and the notifications it causes', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const plan = await createPlan(app, admin, { data_bytes: 100 * MB, name: 'Test 100 MB' });
    const esim = await newEsim(app, user);
    const bought = await buyRequest(app, user, { plan_id: plan.id, esim_id: esim.id });
    const pack = bought.json<{ id: string }>();
    await ingest(app, admin, esim.iccid, 60 * MB, 'a');
    await ingest(app, admin, esim.iccid, 40 * MB, 'b');
    const events = (await eventsOf(app, admin, `user_id=${user.id}&limit=200`)).reverse();
    assert.deepEqual(
      events.map((e) => (e.type === 'pack.usage_threshold' ? `threshold ${e.data.threshold}` : e.type)),
      [
        'esim.created',
        'order.paid',
        'pack.purchased',
        'pack.activated',
        'threshold 50',
        'threshold 80',
        'threshold 100',
        'pack.depleted',
      ],
    );
    const paid = events.find((e) => e.type === 'order.paid')!;
    assert.equal(paid.data.order.amount_cents, plan.price_cents);
    assert.equal(paid.data.order.pack_id, pack.id);
    assert.equal(paid.data.order.status, 'paid');
    const t80 = events.find((e) => e.type === 'pack.usage_threshold' && e.data.threshold === 80)!;
    assert.equal(t80.user_id, user.id);
    assert.equal(t80.data.pack.id, pack.id);
    assert.equal(t80.data.pack.esim_id, esim.id);
    assert.equal(t80.data.pack.used_bytes, 100 * MB);
    assert.equal(t80.data.pack.remaining_bytes, 0);
    assert.equal(typeof t80.data.usage_event_id, 'string');
    const depleted = events.at(-1)!;
    assert.equal(depleted.data.pack.status, 'depleted');
    assert.equal(depleted.data.pack.total_bytes, 100 * MB);
    // notifications are the user's view of the same events
    const res = await app.inject({ method: 'GET', url: '/api/v1/notifications', headers: user.headers });
    const notes = res.json<Page<{ type: string; pack_id: string; esim_id: string; message: string }>>().items;
    assert.deepEqual(notes.map((n) => n.type).sort(), ['usage_100', 'usage_50', 'usage_80']);
    assert.ok(notes.every((n) => n.pack_id === pack.id && n.esim_id === esim.id));
    assert.ok(notes.some((n) => n.message === 'Your data pack "Test 100 MB" has used 80% of its data.'));
  });

  test('activation, cancellation with its refund, eSIM moves, suspension and the sweep', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const plan = await createPlan(app, admin, { validity_days: 2 });
    const p1 = (await buyRequest(app, user, { plan_id: plan.id })).json<{ id: string }>();
    const p2 = (await buyRequest(app, user, { plan_id: plan.id })).json<{ id: string }>();
    assert.equal((await packAction(app, user, p1.id, 'activate')).statusCode, 200);
    assert.equal((await packAction(app, user, p2.id, 'cancel')).statusCode, 200);
    const esim = await newEsim(app, user);
    const moved = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/esims/${esim.id}/status`,
      headers: admin.headers,
      payload: { status: 'downloaded' },
    });
    assert.equal(moved.statusCode, 200, moved.body);
    clock.advance(DAY_MS + 60_000);
    await runSweep(app.ctx.db, clock.now());
    await runSweep(app.ctx.db, clock.now()); // a second pass adds nothing
    clock.advance(DAY_MS);
    await runSweep(app.ctx.db, clock.now());
    const suspend = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.headers,
      payload: { status: 'suspended', reason: 'test' },
    });
    assert.equal(suspend.statusCode, 200, suspend.body);

    const events = (await eventsOf(app, admin, `user_id=${user.id}&limit=200`)).reverse();
    const of = (type: string) => events.filter((e) => e.type === type);
    assert.equal(of('pack.activated')[0]!.data.activated_by, 'user');
    assert.equal(of('pack.cancelled')[0]!.data.pack.id, p2.id);
    assert.equal(of('order.refunded')[0]!.data.refunded_cents, plan.price_cents);
    assert.equal(of('order.refunded')[0]!.data.order.status, 'refunded');
    assert.deepEqual(
      of('esim.created').map((e) => e.data.esim.id),
      [esim.id],
    );
    const change = of('esim.status_changed')[0]!;
    assert.deepEqual(
      [change.data.from, change.data.to, change.data.esim.iccid],
      ['released', 'downloaded', esim.iccid],
    );
    assert.equal(of('pack.expiring').length, 1);
    assert.equal(of('pack.expired').length, 1);
    assert.equal(of('pack.expired')[0]!.data.pack.status, 'expired');
    assert.deepEqual(of('user.suspended')[0]!.data.user, { id: user.id, status: 'suspended', role: 'user' });
  });

  test('the list: filters, keyset pages, bad input and admins only', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const t0 = clock.now();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await eventsRepo.emit(app.ctx.db, {
        type: 'user.suspended',
        userId: user.id,
        at: clock.now(),
        data: { i },
      });
    }
    const all = await eventsOf(app, admin, `user_id=${user.id}&type=user.suspended`);
    assert.deepEqual(
      all.map((e) => e.data.i),
      [4, 3, 2, 1, 0],
    );
    const since = new Date(t0 + 2000).toISOString();
    const until = new Date(t0 + 4000).toISOString();
    const range = await eventsOf(app, admin, `user_id=${user.id}&since=${since}&until=${until}`);
    assert.deepEqual(
      range.map((e) => e.data.i),
      [2, 1],
    );
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/events?user_id=${user.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin.headers,
      });
      const page: Page<EventBody> = res.json();
      seen.push(...page.items.map((e) => e.data.i as number));
      cursor = page.next_cursor;
    }
    assert.deepEqual(seen, [4, 3, 2, 1, 0]);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/events?type=nope',
      headers: admin.headers,
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(problemOf(bad).errors?.some((e) => e.field === 'querystring.type'));
    const badRange = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/events?since=${until}&until=${since}`,
      headers: admin.headers,
    });
    assert.equal(problemOf(badRange).code, 'INVALID_RANGE');
    const badCursor = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/events?cursor=xyz',
      headers: admin.headers,
    });
    assert.equal(badCursor.statusCode, 400);
    const forbidden = await app.inject({ method: 'GET', url: '/api/v1/admin/events', headers: user.headers });
    assert.equal(forbidden.statusCode, 403);
  });

  test('a once-only event is written once, however often it is emitted', async () => {
    const { app, clock } = env();
    const e = {
      type: 'pack.expiring' as const,
      userId: null,
      at: clock.now(),
      data: {},
      dedupeKey: `k-${Date.now()}`,
    };
    const first = await eventsRepo.emit(app.ctx.db, e);
    const again = await eventsRepo.emit(app.ctx.db, [e, e]);
    assert.equal(first.length, 1);
    assert.equal(again.length, 0);
  });
});
