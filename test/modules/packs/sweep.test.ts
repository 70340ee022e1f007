import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../../src/cli/index.js';
import { DAY_MS, HOUR_MS } from '../../../src/lib/clock.js';
import { runSweep } from '../../../src/modules/packs/sweep.js';
import { adminSession, forEachDialect, registerUser, type Session } from '../../helper.js';
import { buy, buyRequest, createPlan, packAction, type PackJson } from '../../fixtures/packs.js';

forEachDialect('expiry sweep', ({ env }) => {
  let planId = '';
  const activePack = async (user?: Session): Promise<{ user: Session; pack: PackJson }> => {
    const { app } = env();
    if (!planId) planId = (await createPlan(app, await adminSession(app), { validity_days: 2 })).id;
    const owner = user ?? (await registerUser(app));
    const pack = await buy(app, owner, planId);
    const res = await packAction(app, owner, pack.id, 'activate');
    return { user: owner, pack: res.json<PackJson>() };
  };
  const notices = (packId: string) =>
    env().db.selectFrom('notifications').selectAll().where('pack_id', '=', packId).orderBy('id').execute();

  test('when an active pack is past expires_at, then the sweep expires it and notifies once', async () => {
    const { db, clock } = env();
    const { pack } = await activePack();
    clock.advance(2 * DAY_MS);
    const first = await runSweep(db, clock.now());
    assert.ok(first.expired >= 1);
    const row = await db.selectFrom('packs').selectAll().where('id', '=', pack.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'expired');
    assert.equal(row.ended_at, Date.parse(pack.expires_at!));
    const second = await runSweep(db, clock.now());
    assert.deepEqual(second, { expired: 0, expiring: 0, keys_cleared: 0 });
    const sent = await notices(pack.id);
    assert.deepEqual(
      sent.map((n) => n.type),
      ['pack_expired'],
      'no "expiring" notice for a pack already past its expiry',
    );
    assert.equal(sent[0]?.user_id, pack.user_id);
    assert.match(sent[0]?.message ?? '', /has expired/);
  });

  test('when an active pack expires within 24 h, then pack_expiring fires once, then pack_expired once', async () => {
    const { db, clock, app } = env();
    const { user, pack } = await activePack();
    clock.advance(DAY_MS - HOUR_MS);
    const early = await runSweep(db, clock.now());
    assert.equal((await notices(pack.id)).length, 0, `not yet within 24 h (${JSON.stringify(early)})`);
    clock.advance(2 * HOUR_MS);
    const fired = await runSweep(db, clock.now());
    assert.ok(fired.expiring >= 1);
    const again = await runSweep(db, clock.now());
    assert.equal(again.expiring, 0);
    assert.deepEqual(
      (await notices(pack.id)).map((n) => n.type),
      ['pack_expiring'],
    );
    const still = await app.inject({ method: 'GET', url: `/api/v1/packs/${pack.id}`, headers: user.headers });
    assert.equal(still.json().status, 'active');

    clock.advance(DAY_MS);
    await runSweep(db, clock.now());
    await runSweep(db, clock.now());
    assert.deepEqual(
      (await notices(pack.id)).map((n) => n.type),
      ['pack_expiring', 'pack_expired'],
    );
    const listed = await app.inject({ method: 'GET', url: '/api/v1/notifications', headers: user.headers });
    assert.deepEqual(
      listed.json<{ items: { type: string; pack_id: string }[] }>().items.map((n) => [n.type, n.pack_id]),
      [
        ['pack_expired', pack.id],
        ['pack_expiring', pack.id],
      ],
    );
  });

  test('when packs are pending or far from expiry, then the sweep leaves them alone', async () => {
    const { db, clock, app } = env();
    const { user, pack: active } = await activePack();
    const pending = await buy(app, user, planId);
    clock.advance(DAY_MS - HOUR_MS);
    await runSweep(db, clock.now());
    clock.advance(30 * DAY_MS);
    await runSweep(db, clock.now());
    const row = await db.selectFrom('packs').select('status').where('id', '=', pending.id).executeTakeFirst();
    assert.equal(row?.status, 'pending');
    assert.equal((await notices(pending.id)).length, 0);
    const expired = await db
      .selectFrom('packs')
      .select('status')
      .where('id', '=', active.id)
      .executeTakeFirst();
    assert.equal(expired?.status, 'expired');
  });

  test('when an idempotency key is older than 24 h, then the sweep frees it for a new purchase', async () => {
    const { db, clock, app } = env();
    if (!planId) await activePack();
    const user = await registerUser(app);
    const other = await createPlan(app, await adminSession(app));
    const first = await buyRequest(app, user, { plan_id: planId }, 'weekly-top-up');
    assert.equal(first.statusCode, 201);
    const keyOf = async () =>
      (
        await db
          .selectFrom('orders')
          .select('idempotency_key')
          .where('pack_id', '=', first.json().id)
          .executeTakeFirstOrThrow()
      ).idempotency_key;
    clock.advance(DAY_MS - 1000);
    await runSweep(db, clock.now());
    assert.equal(await keyOf(), 'weekly-top-up');
    clock.advance(1000);
    const swept = await runSweep(db, clock.now());
    assert.ok(swept.keys_cleared >= 1);
    assert.equal(await keyOf(), null);
    const reused = await buyRequest(app, user, { plan_id: other.id }, 'weekly-top-up');
    assert.equal(reused.statusCode, 201);
    assert.notEqual(reused.json().id, first.json().id);
  });

  test('when more packs are due than one batch holds, then the sweep works through every batch', async () => {
    const { db, clock } = env();
    const first = await activePack();
    const packs = [first.pack];
    for (let i = 0; i < 4; i++) packs.push((await activePack(first.user)).pack);
    clock.advance(DAY_MS + HOUR_MS);
    const notice = await runSweep(db, clock.now(), 2);
    assert.ok(notice.expiring >= 5);
    clock.advance(DAY_MS);
    const expiry = await runSweep(db, clock.now(), 2);
    assert.ok(expiry.expired >= 5);
    for (const p of packs) {
      assert.deepEqual(
        (await notices(p.id)).map((n) => n.type),
        ['pack_expiring', 'pack_expired'],
      );
    }
  });

  test('when the sweep command runs, then it prints the counts', async (t) => {
    const { config, database } = env();
    const lines: string[] = [];
    t.mock.method(console, 'log', (line: string) => lines.push(line));
    await commands.sweep!.run({ values: {}, config, database });
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /^expired: \d+, expiring notices: \d+, keys cleared: \d+, checkouts expired: \d+, eSIM keys cleared: \d+, deleted \(retention\): \d+ events, \d+ webhook deliveries, \d+ e-mails$/,
    );
  });
});
