/**
 * GET /packs through the pack-list cache of one app: the first page is served again from the cache
 * (its hit counter grows), yet every change of the caller's packs shows on the very next read: a
 * purchase, an activation, a cancellation, a usage debit and a depletion posted through the usage API,
 * an admin grant, and the expiry (read from the cache, then after the sweep). A status filter or a cursor
 * reads the database; another user's packs never show; PACK_LIST_CACHE_TTL_S=0 keeps nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { iso } from '../../../src/lib/clock.js';
import { runSweep } from '../../../src/modules/packs/sweep.js';
import { adminSession, forEachDialect, registerUser, type Session } from '../../helper.js';
import { buy, buyRequest, createPlan, packAction, type PackJson } from '../../fixtures/packs.js';
import { eventId, ingest, issueApiKey, seedEsim } from '../../fixtures/usage.js';

interface PageJson {
  items: PackJson[];
  next_cursor: string | null;
}

async function list(app: FastifyInstance, s: Session, query = ''): Promise<PageJson> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/packs${query}`, headers: s.headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<PageJson>();
}

const hits = (app: FastifyInstance) => app.ctx.packLists.stats().hits;

/** The list twice: the second read must be a hit, and both must agree. */
async function cached(app: FastifyInstance, s: Session, query = ''): Promise<PackJson[]> {
  const first = await list(app, s, query);
  const before = hits(app);
  const again = await list(app, s, query);
  assert.equal(hits(app), before + 1, 'the second read came from the cache');
  assert.deepEqual(again, first);
  return again.items;
}

const byId = (items: PackJson[], id: string): PackJson => {
  const p = items.find((i) => i.id === id);
  assert.ok(p, `pack ${id} is listed`);
  return p;
};

forEachDialect('packs: the cached first page of GET /packs', ({ env }) => {
  let planId = '';
  let key = '';
  let admin: Session;
  async function setup() {
    const { app } = env();
    if (!planId) {
      admin = await adminSession(app);
      planId = (await createPlan(app, admin, { data_bytes: 10_000, validity_days: 2 })).id;
      key = await issueApiKey(app);
    }
    return { user: await registerUser(app) };
  }

  test('when the caller buys, activates and cancels, then the cached list shows each change at once', async () => {
    const { app } = env();
    const { user } = await setup();
    assert.deepEqual(await cached(app, user), []);

    const first = await buy(app, user, planId);
    assert.deepEqual(
      (await cached(app, user)).map((p) => [p.id, p.status]),
      [[first.id, 'pending']],
    );
    const second = await buy(app, user, planId);
    assert.deepEqual(
      (await cached(app, user)).map((p) => p.id),
      [second.id, first.id],
      'newest first',
    );

    assert.equal((await packAction(app, user, first.id, 'activate')).statusCode, 200);
    const active = byId(await cached(app, user), first.id);
    assert.equal(active.status, 'active');
    assert.ok(active.activated_at && active.expires_at);

    assert.equal((await packAction(app, user, second.id, 'cancel')).statusCode, 200);
    const cancelled = byId(await cached(app, user), second.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(cancelled.ended_at);
  });

  test('when usage is posted, then the cached list shows the exact bytes, then the depletion', async () => {
    const { app, db, clock } = env();
    const { user } = await setup();
    const esim = await seedEsim(db, user.id);
    const bought = await buyRequest(app, user, { plan_id: planId, esim_id: esim.id });
    assert.equal(bought.statusCode, 201, bought.body);
    const pack = bought.json<PackJson>();
    assert.equal(byId(await cached(app, user), pack.id).used_bytes, 0);

    const post = (bytes: number) =>
      ingest(app, key, [{ event_id: eventId(), iccid: esim.iccid, bytes, occurred_at: iso(clock.now()) }]);
    const out = await post(1234);
    assert.equal(out.accepted, 1);
    let seen = byId(await cached(app, user), pack.id);
    assert.equal(seen.used_bytes, 1234);
    assert.equal(seen.remaining_bytes, 10_000 - 1234);
    assert.equal(seen.status, 'active', 'the first usage activated it');

    await post(5000);
    seen = byId(await cached(app, user), pack.id);
    assert.deepEqual([seen.used_bytes, seen.remaining_bytes], [6234, 3766]);

    await post(4000); // more than what is left: the pack runs out
    seen = byId(await cached(app, user), pack.id);
    assert.deepEqual([seen.used_bytes, seen.remaining_bytes, seen.status], [10_000, 0, 'depleted']);
  });

  test('when an admin grants a pack, then the cached list of its owner shows it at once', async () => {
    const { app } = env();
    const { user } = await setup();
    await buy(app, user, planId);
    assert.equal((await cached(app, user)).length, 1);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/packs`,
      headers: admin.headers,
      payload: { name: 'Goodwill 1 GB', data_bytes: 1e9, validity_days: 7, reason: 'test grant' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const granted = byId(await cached(app, user), res.json<PackJson>().id);
    assert.deepEqual([granted.name, granted.price_cents, granted.status], ['Goodwill 1 GB', 0, 'pending']);
  });

  test('when an active pack passes its expiry, then even the cached list says expired, and so after the sweep', async () => {
    const { app, db, clock } = env();
    const { user } = await setup();
    const pack = await buy(app, user, planId);
    const active = (await packAction(app, user, pack.id, 'activate')).json<PackJson>();
    const expiresAt = Date.parse(active.expires_at!);
    clock.set(expiresAt - 10_000); // well within the cache's 30 s TTL of the next reads
    assert.equal(byId(await cached(app, user), pack.id).status, 'active');

    clock.advance(10_000);
    const before = hits(app);
    const late = byId((await list(app, user)).items, pack.id);
    assert.equal(hits(app), before + 1, 'read from the cache');
    assert.deepEqual([late.status, late.ended_at], ['expired', active.expires_at]);

    const swept = await runSweep(db, clock.now());
    assert.ok(swept.expired >= 1);
    const row = await db.selectFrom('packs').select('status').where('id', '=', pack.id).executeTakeFirst();
    assert.equal(row?.status, 'expired');
    const after = byId(await cached(app, user), pack.id);
    assert.deepEqual(after, late, 'the same view once the row itself is expired');
  });

  test('when a status filter or a cursor is given, then the database answers, not the cache', async () => {
    const { app } = env();
    const { user } = await setup();
    const [a, b, c] = [
      await buy(app, user, planId),
      await buy(app, user, planId),
      await buy(app, user, planId),
    ];
    await packAction(app, user, b.id, 'activate');
    await cached(app, user);
    const stats = app.ctx.packLists.stats();

    const pending = await list(app, user, '?status=pending');
    assert.deepEqual(
      pending.items.map((p) => p.id),
      [c.id, a.id],
    );
    const page1 = await list(app, user, '?limit=1');
    assert.deepEqual(
      page1.items.map((p) => p.id),
      [c.id],
    );
    assert.ok(page1.next_cursor, 'the first page of a longer list has a cursor');
    const page2 = await list(app, user, `?limit=2&cursor=${page1.next_cursor}`);
    assert.deepEqual(
      page2.items.map((p) => p.id),
      [b.id, a.id],
    );
    const now = app.ctx.packLists.stats();
    assert.equal(now.misses, stats.misses, 'no lookup for the filter or the cursor');
    assert.equal(now.hits, stats.hits + 1, 'only limit=1 came from the cache (a prefix of the cached page)');
  });

  test("when two users read their lists, then neither ever sees the other's packs", async () => {
    const { app } = env();
    const { user: one } = await setup();
    const { user: two } = await setup();
    const mine = await buy(app, one, planId);
    const theirs = await buy(app, two, planId);
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(
        (await cached(app, one)).map((p) => [p.id, p.user_id]),
        [[mine.id, one.id]],
      );
      assert.deepEqual(
        (await cached(app, two)).map((p) => [p.id, p.user_id]),
        [[theirs.id, two.id]],
      );
      await packAction(app, two, theirs.id, 'activate'); // a change of two's packs leaves one's list right
    }
  });

  test('when PACK_LIST_CACHE_TTL_S=0, then nothing is kept and every read goes to the database', async () => {
    const { user } = await setup();
    const off = await env().newApp({ PACK_LIST_CACHE_TTL_S: '0' });
    await buy(off, user, planId);
    for (let i = 0; i < 3; i++) assert.equal((await list(off, user)).items.length, 1);
    assert.deepEqual(
      [off.ctx.packLists.stats().hits, off.ctx.packLists.stats().misses, off.ctx.packLists.stats().users],
      [0, 3, 0],
    );
  });
});
