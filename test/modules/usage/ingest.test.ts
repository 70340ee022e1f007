import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS, HOUR_MS, iso } from '../../../src/lib/clock.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import {
  assertLedger,
  eventId,
  ingest,
  issueApiKey,
  packRow,
  seedEsim,
  seedPack,
  type FeedRecord,
} from '../../fixtures/usage.js';

const KB = 1000;

forEachDialect('usage ingestion', ({ env }) => {
  let key = '';
  const feedKey = async () => (key ||= await issueApiKey(env().app));

  async function subscriber() {
    const user = await registerUser(env().app);
    const esim = await seedEsim(env().db, user.id);
    return { user, esim };
  }

  function record(iccid: string, bytes: number, at = env().clock.now() - 60_000): FeedRecord {
    return { event_id: eventId(), iccid, bytes, occurred_at: iso(at) };
  }

  async function notices(packId: string): Promise<string[]> {
    const rows = await env()
      .db.selectFrom('notifications')
      .select('type')
      .where('pack_id', '=', packId)
      .orderBy('type')
      .execute();
    return rows.map((r) => r.type);
  }

  test('when a record spans packs, then active ones soonest-expiring first, then pending oldest first are debited', async () => {
    const { db, clock } = env();
    const now = clock.now();
    const { user, esim } = await subscriber();
    const base = { userId: user.id, esimId: esim.id, totalBytes: KB };
    const later = await seedPack(db, {
      ...base,
      status: 'active',
      createdAt: now - DAY_MS,
      expiresAt: now + 10 * DAY_MS,
    });
    const sooner = await seedPack(db, {
      ...base,
      status: 'active',
      createdAt: now - DAY_MS,
      expiresAt: now + 5 * DAY_MS,
    });
    const lapsed = await seedPack(db, {
      ...base,
      status: 'active',
      createdAt: now - 40 * DAY_MS,
      expiresAt: now - 120_000, // expired before the usage happened: never debited
    });
    const older = await seedPack(db, {
      ...base,
      status: 'pending',
      createdAt: now - 2 * DAY_MS,
      validityDays: 30,
    });
    const newer = await seedPack(db, {
      ...base,
      status: 'pending',
      createdAt: now - DAY_MS,
      validityDays: 7,
    });
    const occurred = now - 60_000;

    const out = await ingest(env().app, await feedKey(), [record(esim.iccid, 3500, occurred)]);

    assert.equal(out.accepted, 1);
    const r = out.results[0]!;
    assert.deepEqual(r.debits, [
      { pack_id: sooner, bytes: KB },
      { pack_id: later, bytes: KB },
      { pack_id: older, bytes: KB },
      { pack_id: newer, bytes: 500 },
    ]);
    assert.equal(r.pack_id, sooner);
    assert.equal(r.debited_bytes, 3500);
    assert.equal(r.overage_bytes, 0);
    for (const id of [sooner, later, older]) {
      const p = await packRow(db, id);
      assert.equal(p.status, 'depleted');
      assert.equal(p.used_bytes, KB);
      assert.equal(p.ended_at, now);
    }
    const activated = await packRow(db, newer);
    assert.equal(activated.status, 'active');
    assert.equal(activated.used_bytes, 500);
    assert.equal(activated.activated_at, occurred);
    assert.equal(activated.expires_at, occurred + 7 * DAY_MS);
    assert.equal((await packRow(db, older)).expires_at, occurred + 30 * DAY_MS);
    const expired = await packRow(db, lapsed);
    assert.equal(expired.used_bytes, 0, 'an active pack past its expiry is not debited');
    assert.deepEqual(await notices(sooner), ['usage_100', 'usage_50', 'usage_80']);
    assert.deepEqual(await notices(newer), ['usage_50']);
    assert.deepEqual(await notices(lapsed), []);
    await assertLedger(db);
  });

  test('when packs run out, then the pack is depleted, the rest is overage and thresholds fire once each', async () => {
    const { db, clock, app } = env();
    const { user, esim } = await subscriber();
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'active',
      totalBytes: KB,
      createdAt: clock.now() - DAY_MS,
    });
    const k = await feedKey();

    const first = await ingest(app, k, [record(esim.iccid, 600)]);
    assert.deepEqual(first.results[0]!.debits, [{ pack_id: pack, bytes: 600 }]);
    assert.deepEqual(await notices(pack), ['usage_50']);

    const second = await ingest(app, k, [record(esim.iccid, 300), record(esim.iccid, 300)]);
    assert.equal(second.results[0]!.debited_bytes, 300);
    assert.equal(second.results[1]!.debited_bytes, 100);
    assert.equal(second.results[1]!.overage_bytes, 200);
    const p = await packRow(db, pack);
    assert.equal(p.used_bytes, KB);
    assert.equal(p.status, 'depleted');
    assert.equal(p.ended_at, clock.now());
    assert.deepEqual(await notices(pack), ['usage_100', 'usage_50', 'usage_80']);

    const beyond = await ingest(app, k, [record(esim.iccid, 50)]);
    assert.deepEqual(beyond.results[0], {
      event_id: beyond.results[0]!.event_id,
      pack_id: null,
      debited_bytes: 0,
      overage_bytes: 50,
      debits: [],
    });
    assert.deepEqual(await notices(pack), ['usage_100', 'usage_50', 'usage_80'], 'nothing fires twice');
    const stored = await db
      .selectFrom('usage_records')
      .select(['overage_bytes', 'occurred_at', 'received_at'])
      .where('event_id', '=', beyond.results[0]!.event_id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.overage_bytes, 50);
    assert.equal(stored.received_at, clock.now());
    assert.equal(stored.occurred_at, clock.now() - 60_000);
    await assertLedger(db);
  });

  test('when a batch is sent again, then every record is a duplicate and nothing changes', async () => {
    const { db, clock, app } = env();
    const { user, esim } = await subscriber();
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'active',
      totalBytes: 10 * KB,
      createdAt: clock.now() - DAY_MS,
    });
    const batch = [record(esim.iccid, 100), record(esim.iccid, 200), record(esim.iccid, 0)];
    const first = await ingest(app, await feedKey(), batch);
    assert.equal(first.accepted, 3);
    assert.deepEqual(first.results[2]!.debits, [], 'a zero-byte record debits nothing');
    const again = await ingest(app, await feedKey(), batch);
    assert.deepEqual(again, { accepted: 0, duplicates: 3, rejected: [], results: [] });
    assert.equal((await packRow(db, pack)).used_bytes, 300);
  });

  test('when one record of a batch is invalid, then the others are accepted and it is rejected with its code', async () => {
    const { db, clock, app } = env();
    const { user, esim } = await subscriber();
    const gone = await seedEsim(db, user.id, { status: 'deleted' });
    await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'active',
      totalBytes: KB,
      createdAt: clock.now(),
    });
    const good = record(esim.iccid, 10);
    const repeated = { ...record(esim.iccid, 20), event_id: good.event_id };
    const unknown = record('8988247999999999999', 10);
    const deleted = record(gone.iccid, 10);
    const future = record(esim.iccid, 10, clock.now() + 10 * 60_000);
    const slightlyAhead = record(esim.iccid, 10, clock.now() + 60_000);

    const out = await ingest(app, await feedKey(), [good, unknown, repeated, deleted, future, slightlyAhead]);

    assert.equal(out.accepted, 2);
    assert.deepEqual(
      out.results.map((r) => r.event_id),
      [good.event_id, slightlyAhead.event_id],
    );
    assert.deepEqual(out.rejected, [
      { event_id: unknown.event_id, code: 'UNKNOWN_ICCID' },
      { event_id: good.event_id, code: 'DUPLICATE_IN_BATCH' },
      { event_id: deleted.event_id, code: 'ESIM_DELETED' },
      { event_id: future.event_id, code: 'OCCURRED_IN_FUTURE' },
    ]);
    const written = await db
      .selectFrom('usage_records')
      .select(['event_id', 'bytes'])
      .where('event_id', 'in', [good.event_id, unknown.event_id, deleted.event_id, future.event_id])
      .execute();
    assert.deepEqual(written, [{ event_id: good.event_id, bytes: 10 }]);
  });

  test('when a batch is malformed, then it is a 400 naming the field and nothing is written', async () => {
    const { db, app } = env();
    const { esim } = await subscriber();
    const k = await feedKey();
    const tooMany = Array.from({ length: 1001 }, () => record(esim.iccid, 1));
    const missing = [record(esim.iccid, 1), { event_id: eventId(), iccid: esim.iccid, occurred_at: iso(1) }];
    const extra = [{ ...record(esim.iccid, 1), user_id: 'x' }];
    const badIccid = [record('12345', 1)];
    const cases: [unknown[], string][] = [
      [tooMany, 'body.records'],
      [missing, 'body.records.1.bytes'],
      [extra, 'body.records.0.user_id'],
      [badIccid, 'body.records.0.iccid'],
      [[], 'body.records'],
    ];
    for (const [records, field] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/usage/records',
        headers: { 'x-api-key': k },
        payload: { records },
      });
      assert.equal(res.statusCode, 400, res.body);
      const problem = problemOf(res);
      assert.equal(problem.code, 'VALIDATION_FAILED');
      assert.ok(
        problem.errors?.some((e) => e.field === field),
        `${field} in ${JSON.stringify(problem.errors)}`,
      );
    }
    const ids = [...tooMany, ...missing].map((r) => r.event_id);
    const written = await db.selectFrom('usage_records').select('id').where('event_id', 'in', ids).execute();
    assert.equal(written.length, 0);
  });

  test('when the feed has no credentials or a user token, then 401 and 403; an admin token is accepted', async () => {
    const { app } = env();
    const { user, esim } = await subscriber();
    const payload = { records: [record(esim.iccid, 1)] };
    const url = '/api/v1/usage/records';
    const none = await app.inject({ method: 'POST', url, payload });
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const wrong = await app.inject({ method: 'POST', url, payload, headers: { 'x-api-key': 'ksk_nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(problemOf(wrong).code, 'INVALID_API_KEY');
    const asUser = await app.inject({ method: 'POST', url, payload, headers: user.headers });
    assert.equal(asUser.statusCode, 403);
    const admin = await adminSession(app);
    const asAdmin = await app.inject({ method: 'POST', url, payload, headers: admin.headers });
    assert.equal(asAdmin.statusCode, 200, asAdmin.body);
    assert.equal(asAdmin.json().accepted, 1);
  });

  test('when records are ingested, then the metrics count them by outcome', async () => {
    const { app } = env();
    const { esim } = await subscriber();
    const r = record(esim.iccid, 1);
    await ingest(app, await feedKey(), [r, r, record('8988247000000000000', 1)]);
    await ingest(app, await feedKey(), [r]);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const outcome of ['accepted', 'duplicate', 'rejected']) {
      assert.match(text, new RegExp(`usage_records_ingested_total\\{outcome="${outcome}"\\} [1-9]`));
    }
  });

  test('when usage occurred hours ago, then a pending pack starts its validity at that time', async () => {
    const { db, clock, app } = env();
    const { user, esim } = await subscriber();
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'pending',
      totalBytes: KB,
      validityDays: 1,
      createdAt: clock.now() - DAY_MS,
    });
    const at = clock.now() - 3 * HOUR_MS;
    await ingest(app, await feedKey(), [record(esim.iccid, 10, at)]);
    const p = await packRow(db, pack);
    assert.equal(p.activated_at, at);
    assert.equal(p.expires_at, at + DAY_MS);
  });
});
