// Exactly-once under concurrency: 20 clients, retried duplicates, one app and then two app instances
// with their own database pools on one database; in small batches (coalesced by turn) and in larger ones
// (on PostgreSQL, the write lanes: src/modules/usage/lanes.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { DAY_MS, iso } from '../../../src/lib/clock.js';
import { forEachDialect, registerUser, testConfig } from '../../helper.js';
import {
  assertLedger,
  eventId,
  ingest,
  issueApiKey,
  packRow,
  seedEsim,
  seedPack,
  type FeedRecord,
  type IngestAnswer,
} from '../../fixtures/usage.js';

const CLIENTS = 20;
const PER_CLIENT = 25;
const BATCH = 5;
const RETRIED = 100;

/** Bytes filled greedily into packs of these totals, in this order: the expected used_bytes of each. */
function greedy(totals: number[], bytes: number): { used: number[]; overage: number } {
  let left = bytes;
  const used = totals.map((t) => {
    const take = Math.min(t, left);
    left -= take;
    return take;
  });
  return { used, overage: left };
}

forEachDialect('usage exactly once under concurrency', ({ env }) => {
  async function scenario(apps: FastifyInstance[], key: string, batch = BATCH, retryBatch = 10) {
    const { db, clock } = env();
    const now = clock.now();
    const user = await registerUser(apps[0]!);
    const [e1, e2, e3] = [
      await seedEsim(db, user.id),
      await seedEsim(db, user.id),
      await seedEsim(db, user.id),
    ];
    const base = { userId: user.id, status: 'active' as const, createdAt: now - DAY_MS };
    // debit order on e1: p1 (expires first), p2, then the pending p3 (bought first) and p4
    const e1Totals = [40_000, 60_000, 80_000, 50_000];
    const p1 = await seedPack(db, {
      ...base,
      esimId: e1.id,
      totalBytes: e1Totals[0]!,
      expiresAt: now + DAY_MS,
    });
    const p2 = await seedPack(db, {
      ...base,
      esimId: e1.id,
      totalBytes: e1Totals[1]!,
      expiresAt: now + 9 * DAY_MS,
    });
    const pending = { ...base, status: 'pending' as const, esimId: e1.id };
    const p3 = await seedPack(db, { ...pending, totalBytes: e1Totals[2]!, createdAt: now - 3 * DAY_MS });
    const p4 = await seedPack(db, { ...pending, totalBytes: e1Totals[3]!, createdAt: now - 2 * DAY_MS });
    const p5 = await seedPack(db, { ...base, esimId: e2.id, totalBytes: 60_000 });

    const esims = [e1, e1, e2, e3]; // e1 gets half of the records
    const records: FeedRecord[] = Array.from({ length: CLIENTS * PER_CLIENT }, (_, i) => ({
      event_id: eventId('cc'),
      iccid: esims[i % esims.length]!.iccid,
      bytes: 100 + ((i * 389) % 1100),
      occurred_at: iso(now - 60_000 + i),
    }));
    const sumOf = (iccid: string) =>
      records.filter((r) => r.iccid === iccid).reduce((s, r) => s + r.bytes, 0);
    const onE1 = greedy(e1Totals, sumOf(e1.iccid));
    const onE2 = greedy([60_000], sumOf(e2.iccid));
    const p3Share = onE1.used[2]! / e1Totals[2]!;
    assert.ok(p3Share >= 0.5 && p3Share < 0.8 && onE1.used[3] === 0, 'e1 ends in p3, past its 50 % mark');
    assert.ok(onE2.overage > 0, 'e2 runs out');

    // 20 clients send their 25 records in batches (of 5, or all 25) while more clients resend 100 of them
    const sends: FeedRecord[][] = [];
    for (let c = 0; c < CLIENTS; c++) {
      for (let b = 0; b < PER_CLIENT; b += batch)
        sends.push(records.slice(c * PER_CLIENT + b, c * PER_CLIENT + b + batch));
    }
    const retried = records.filter((_, i) => i % 5 === 2).slice(0, RETRIED);
    for (let b = 0; b < RETRIED; b += retryBatch) sends.push(retried.slice(b, b + retryBatch));
    const answers: IngestAnswer[] = await Promise.all(
      sends.map((batch, i) => ingest(apps[i % apps.length]!, key, batch)),
    );

    assert.equal(
      answers.reduce((n, a) => n + a.accepted, 0),
      records.length,
    );
    assert.equal(
      answers.reduce((n, a) => n + a.duplicates, 0),
      RETRIED,
    );
    assert.deepEqual(
      answers.flatMap((a) => a.rejected),
      [],
    );
    // each answer lists its accepted records in the order they were sent
    answers.forEach((a, i) => {
      const accepted = new Set(a.results.map((r) => r.event_id));
      const sent = sends[i]!.map((r) => r.event_id).filter((id) => accepted.has(id));
      assert.deepEqual(
        a.results.map((r) => r.event_id),
        sent,
      );
    });
    const expectedUsed = new Map([
      [p1, onE1.used[0]],
      [p2, onE1.used[1]],
      [p3, onE1.used[2]],
      [p4, 0],
      [p5, onE2.used[0]],
    ]);
    for (const [id, used] of expectedUsed)
      assert.equal((await packRow(db, id)).used_bytes, used, `pack ${id}`);
    assert.equal((await packRow(db, p3)).status, 'active');
    assert.equal((await packRow(db, p4)).status, 'pending');
    for (const id of [p1, p2, p5]) assert.equal((await packRow(db, id)).status, 'depleted');

    const totals = await db
      .selectFrom('usage_records')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>('bytes').as('bytes'),
        eb.fn.sum<number>('overage_bytes').as('overage'),
      ])
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(totals.n), records.length);
    assert.equal(Number(totals.overage), onE1.overage + onE2.overage + sumOf(e3.iccid));
    assert.equal(
      Number(totals.bytes),
      records.reduce((s, r) => s + r.bytes, 0),
    );

    const notices = await db
      .selectFrom('notifications')
      .select(['pack_id', 'type'])
      .where('user_id', '=', user.id)
      .execute();
    const kinds = (id: string) =>
      notices
        .filter((n) => n.pack_id === id)
        .map((n) => n.type)
        .sort();
    for (const id of [p1, p2, p5]) assert.deepEqual(kinds(id), ['usage_100', 'usage_50', 'usage_80']);
    assert.deepEqual(kinds(p3), ['usage_50']);
    assert.deepEqual(kinds(p4), []);
    await assertLedger(db);
  }

  test('when 20 clients send 500 records and 100 retries at once, then every byte is debited exactly once', async () => {
    await scenario([env().app], await issueApiKey(env().app));
  });

  test('when the 20 clients send 25 records each in one request, then every byte is debited exactly once', async () => {
    await scenario([env().app], await issueApiKey(env().app), PER_CLIENT, 20);
  });

  test('when two instances take requests of 25 records at once, then every byte is debited exactly once', async () => {
    const second = await buildApp(testConfig(env().url), { clock: env().clock });
    try {
      await second.ready();
      await scenario([env().app, second], await issueApiKey(env().app), PER_CLIENT, 20);
    } finally {
      await second.close();
    }
  });

  test('when two app instances with their own pools ingest at once, then every byte is debited exactly once', async () => {
    const second = await buildApp(testConfig(env().url), { clock: env().clock });
    try {
      await second.ready();
      assert.notEqual(second.ctx.database, env().app.ctx.database, 'a database handle of its own');
      await scenario([env().app, second], await issueApiKey(env().app));
    } finally {
      await second.close();
    }
  });
});
