// Usage rated by when it happened (late, early and out-of-order records through the engine) and the
// hourly rollups that summaries read: always equal to the records, whatever order they arrive in, and
// rebuilt from the records on demand.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { DAY_MS, HOUR_MS, iso } from '../../../src/lib/clock.js';
import { rollupsRepo } from '../../../src/modules/usage/rollups.repository.js';
import { forEachDialect, registerUser, type Session } from '../../helper.js';
import {
  assertLedger,
  assertRollups,
  eventId,
  ingest,
  issueApiKey,
  packRow,
  seedEsim,
  seedPack,
  type FeedRecord,
} from '../../fixtures/usage.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const MIN = 60_000;

forEachDialect('usage by occurrence time, and its rollups', ({ env }) => {
  let key = '';
  before(async () => {
    env().clock.set(NOW);
    key = await issueApiKey(env().app);
  });

  const record = (iccid: string, at: number, bytes: number): FeedRecord => ({
    event_id: eventId('late'),
    iccid,
    bytes,
    occurred_at: iso(at),
  });

  async function recordRow(eventIdValue: string) {
    return env()
      .db.selectFrom('usage_records')
      .select(['bytes', 'overage_bytes', 'late'])
      .where('event_id', '=', eventIdValue)
      .executeTakeFirstOrThrow();
  }

  test('when a record of usage from before an expiry arrives within the late window, then the expired pack takes it and stays expired', async () => {
    const { db, app } = env();
    const user = await registerUser(app);
    const esim = await seedEsim(db, user.id);
    const expiredAt = NOW - 10 * HOUR_MS; // swept: status expired
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'expired',
      totalBytes: 1000,
      createdAt: NOW - 5 * DAY_MS,
      expiresAt: expiredAt,
    });
    const inWindow = record(esim.iccid, expiredAt - 30 * MIN, 1000); // fills it exactly
    const afterExpiry = record(esim.iccid, expiredAt + MIN, 70);
    const out = await ingest(app, key, [inWindow, afterExpiry]);
    assert.equal(out.accepted, 2);

    const row = await packRow(db, pack);
    assert.equal(row.used_bytes, 1000);
    assert.equal(row.status, 'expired', 'filling an expired pack does not make it depleted');
    assert.deepEqual(await recordRow(inWindow.event_id), { bytes: 1000, overage_bytes: 0, late: 0 });
    // happened after the pack had expired: not a late record, simply not covered
    assert.deepEqual(await recordRow(afterExpiry.event_id), { bytes: 70, overage_bytes: 70, late: 0 });
    await assertLedger(db);
  });

  test('when a late record within the window takes an expired pack past 50 and 80 %, then each threshold is reported once; beyond the window nothing is', async () => {
    const { db, app } = env();
    const user = await registerUser(app);
    const [esim, old] = [await seedEsim(db, user.id), await seedEsim(db, user.id)];
    const base = {
      userId: user.id,
      status: 'expired' as const,
      totalBytes: 1000,
      createdAt: NOW - 9 * DAY_MS,
    };
    const expiredAt = NOW - 10 * HOUR_MS;
    const pack = await seedPack(db, { ...base, esimId: esim.id, expiresAt: expiredAt });
    // the other pack expired beyond the 72 h window: its late record must not report anything
    const oldExpiry = NOW - 80 * HOUR_MS;
    const oldPack = await seedPack(db, { ...base, esimId: old.id, expiresAt: oldExpiry });
    const late = record(esim.iccid, expiredAt - HOUR_MS, 850); // 0 -> 850 of 1000: crosses 50 and 80 %
    const again = { ...late }; // the collector retries
    const tooLate = record(old.iccid, oldExpiry - HOUR_MS, 850);
    await ingest(app, key, [late, tooLate]);
    await ingest(app, key, [again]);

    const events = await db
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('type', '=', 'pack.usage_threshold')
      .where('user_id', '=', user.id)
      .execute();
    const thresholds = events.map((e) => (JSON.parse(e.payload) as { threshold: number }).threshold);
    assert.deepEqual(thresholds.sort(), [50, 80], 'each threshold once, for the pack within the window');
    assert.equal((await packRow(db, pack)).used_bytes, 850);
    assert.equal((await packRow(db, oldPack)).used_bytes, 0, 'beyond the window the pack is untouched');
    assert.deepEqual(await recordRow(tooLate.event_id), { bytes: 850, overage_bytes: 850, late: 1 });
    const notices = await db
      .selectFrom('notifications')
      .select(['type', 'pack_id'])
      .where('user_id', '=', user.id)
      .orderBy('type')
      .execute();
    assert.deepEqual(notices, [
      { type: 'usage_50', pack_id: pack },
      { type: 'usage_80', pack_id: pack },
    ]);
    await assertLedger(db);
    await assertRollups(db);
  });

  test('when a record arrives after the late window, then it is overage flagged late and no pack changes', async () => {
    const { db, app } = env();
    const user = await registerUser(app);
    const esim = await seedEsim(db, user.id);
    const expiredAt = NOW - 80 * HOUR_MS; // the window is 72 h
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'expired',
      totalBytes: 1000,
      createdAt: NOW - 20 * DAY_MS,
      expiresAt: expiredAt,
    });
    const tooLate = record(esim.iccid, expiredAt - HOUR_MS, 300);
    assert.equal((await ingest(app, key, [tooLate])).accepted, 1);
    assert.deepEqual(await recordRow(tooLate.event_id), { bytes: 300, overage_bytes: 300, late: 1 });
    assert.equal((await packRow(db, pack)).used_bytes, 0);
    await assertLedger(db);
  });

  test('when usage happened before a pack was bought, then that pack does not take it (early record)', async () => {
    const { db, app } = env();
    const user = await registerUser(app);
    const esim = await seedEsim(db, user.id);
    const bought = NOW - 2 * HOUR_MS;
    const pack = await seedPack(db, {
      userId: user.id,
      esimId: esim.id,
      status: 'active',
      totalBytes: 1000,
      createdAt: bought,
    });
    const early = record(esim.iccid, bought - MIN, 200);
    const covered = record(esim.iccid, bought + MIN, 50);
    assert.equal((await ingest(app, key, [early, covered])).accepted, 2);
    assert.deepEqual(await recordRow(early.event_id), { bytes: 200, overage_bytes: 200, late: 0 });
    assert.equal((await packRow(db, pack)).used_bytes, 50);
    await assertLedger(db);
  });

  test('when records arrive out of order, retried and from many clients at once, then the rollups equal the records and the summary equals the raw sum', async () => {
    const { db, app } = env();
    const user = await registerUser(app);
    const [e1, e2] = [await seedEsim(db, user.id), await seedEsim(db, user.id)];
    const base = { userId: user.id, status: 'active' as const, createdAt: NOW - 4 * DAY_MS };
    await seedPack(db, { ...base, esimId: e1.id, totalBytes: 150_000, expiresAt: NOW + DAY_MS });
    await seedPack(db, { ...base, esimId: e1.id, totalBytes: 90_000, expiresAt: NOW - 30 * HOUR_MS });
    await seedPack(db, { ...base, esimId: e2.id, totalBytes: 40_000, expiresAt: NOW + 3 * DAY_MS });
    // three days of records, newest first (the worst order), spread over the hours
    const records: FeedRecord[] = Array.from({ length: 300 }, (_, i) =>
      record(i % 3 === 0 ? e2.iccid : e1.iccid, NOW - MIN - i * 13 * MIN, 100 + ((i * 577) % 1500)),
    );
    const batches: FeedRecord[][] = [];
    for (let i = 0; i < records.length; i += 7) batches.push(records.slice(i, i + 7));
    const retries = records.filter((_, i) => i % 4 === 1).slice(0, 40);
    for (let i = 0; i < retries.length; i += 5) batches.push(retries.slice(i, i + 5));
    const answers = await Promise.all(batches.map((b) => ingest(app, key, b)));
    assert.equal(
      answers.reduce((n, a) => n + a.accepted, 0),
      records.length,
    );
    assert.equal(
      answers.reduce((n, a) => n + a.duplicates, 0),
      retries.length,
    );
    await assertLedger(db); // includes assertRollups

    // a range with ragged edges: whole hours from the rollups, the edges from the records
    const from = NOW - 2 * DAY_MS + 17 * MIN;
    const to = NOW - 5 * HOUR_MS - 23 * MIN;
    const inRange = records.filter((r) => {
      const at = Date.parse(r.occurred_at);
      return at >= from && at < to;
    });
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/usage/summary?granularity=hour&from=${iso(from)}&to=${iso(to)}`,
      headers: (user as Session).headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(
      body.total_bytes,
      inRange.reduce((s, r) => s + r.bytes, 0),
    );
    const bucketSum = (body.buckets as { bytes: number }[]).reduce((s, b) => s + b.bytes, 0);
    assert.equal(bucketSum, body.total_bytes);
    const raw = await db
      .selectFrom('usage_records')
      .select((eb) => eb.fn.sum<number>('overage_bytes').as('o'))
      .where('user_id', '=', user.id)
      .where('occurred_at', '>=', from)
      .where('occurred_at', '<', to)
      .executeTakeFirstOrThrow();
    assert.equal(body.overage_bytes, Number(raw.o ?? 0));
  });

  test('when the rollups are lost, then rebuild recomputes them from the records', async () => {
    const { db, dialect } = env();
    await db.deleteFrom('usage_user_hourly').execute();
    await db.updateTable('usage_pack_hourly').set({ bytes: 1 }).execute();
    await assert.rejects(assertRollups(db));
    const counts = await transaction(db, (tx) => rollupsRepo.rebuild(tx, dialect));
    assert.ok(counts.user_hours > 0 && counts.pack_hours > 0);
    await assertRollups(db);
  });
});
