/**
 * The feed's partitioned writes (usage/feed/partition.ts): a burst is cut by ICCID hash, each partition
 * written under its advisory lock; a partition busy on another instance is gone around and written once it
 * is free; three writers racing over the same packs end byte-exact, on both databases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DAY_MS, iso } from '../../../src/lib/clock.js';
import type { UsageInput } from '../../../src/modules/usage/engine.js';
import { PartitionedWriter, partitionOf, splitBurst } from '../../../src/modules/usage/feed/partition.js';
import { BurstQueue } from '../../../src/modules/usage/feed/consumer.js';
import { assertLedger, eventId, newIccid, seedEsim, seedPack } from '../../fixtures/usage.js';
import { forEachDialect, registerUser } from '../../helper.js';

describe('splitting a burst by partition', () => {
  test('every record lands once, units stay within one partition and the chunk, from the start partition on', () => {
    const iccids = Array.from({ length: 40 }, () => newIccid());
    const records: UsageInput[] = Array.from({ length: 500 }, (_, i) => ({
      event_id: `e${i}`,
      iccid: iccids[i % iccids.length]!,
      bytes: 1,
      occurred_at: '2026-12-01T00:00:00Z',
    }));
    // a repeat of e7 under another ICCID goes with e7 (after it), so the first copy is the one debited
    records.push({ ...records[7]!, iccid: iccids[3]! });
    const units = splitBurst(records, 4, 30, 2);
    assert.equal(
      units.reduce((n, u) => n + u.records.length, 0),
      records.length,
    );
    for (const u of units) {
      assert.ok(u.records.length <= 30);
      const own = u.records.filter((r) => r.event_id !== 'e7');
      assert.ok(own.every((r) => partitionOf(r.iccid, 4) === u.partition));
    }
    const e7 = units.filter((u) => u.records.some((r) => r.event_id === 'e7'));
    assert.equal(new Set(e7.map((u) => u.partition)).size, 1, 'both copies of e7 in one partition');
    assert.equal(units[0]!.partition, 2);
    const order = [...new Set(units.map((u) => u.partition))];
    assert.deepEqual(
      order,
      [2, 3, 0, 1].filter((p) => order.includes(p)),
    );
  });
});

forEachDialect('the feed writes partitions side by side', ({ env, dialect }) => {
  async function seed(esims: number) {
    const { app, db, clock } = env();
    const user = await registerUser(app);
    const now = clock.now();
    const iccids: string[] = [];
    for (let i = 0; i < esims; i++) {
      const e = await seedEsim(db, user.id);
      iccids.push(e.iccid);
      await seedPack(db, {
        userId: user.id,
        esimId: e.id,
        status: 'active',
        totalBytes: 3_000,
        createdAt: now - DAY_MS,
      });
    }
    return { iccids, at: iso(now - 60_000) };
  }

  test('three writers racing over the same packs: every byte once, packs never past their total', async () => {
    const { app, db } = env();
    const { iccids, at } = await seed(30);
    const engine = app.services.usageEngine;
    const records: UsageInput[] = Array.from({ length: 1200 }, (_, i) => ({
      event_id: eventId('race'),
      iccid: iccids[i % iccids.length]!,
      bytes: 97 + (i % 13),
      occurred_at: at,
    }));
    // each writer gets the whole list (so two of three copies are duplicates), in its own order
    const writers = [0, 1, 2].map(() => new PartitionedWriter(engine, 4, 50));
    const outs = await Promise.all(
      writers.map((w, k) => w.ingest(k === 1 ? [...records].reverse() : records)),
    );
    const accepted = outs.reduce((n, o) => n + o.accepted, 0);
    const duplicates = outs.reduce((n, o) => n + o.duplicates, 0);
    assert.equal(accepted, records.length);
    assert.equal(duplicates, 2 * records.length);
    const ledger = await assertLedger(db);
    const sent = records.reduce((n, r) => n + r.bytes, 0);
    assert.equal(ledger.bytes, sent);
    // 30 packs of 3,000 bytes: the rest is overage
    assert.equal(ledger.overage, sent - 30 * 3_000);
  });

  test(
    'a partition busy on another instance is gone around, then written once it is free',
    {
      skip: dialect === 'sqlite' ? 'one writer at a time on SQLite: no partitions' : false,
    },
    async () => {
      const { app, db, url } = env();
      const { iccids, at } = await seed(12);
      const engine = app.services.usageEngine;
      const parts = 3;
      const records: UsageInput[] = iccids.flatMap((iccid) =>
        [0, 1, 2].map(() => ({ event_id: eventId('busy'), iccid, bytes: 10, occurred_at: at })),
      );
      const held = partitionOf(records[0]!.iccid, parts);
      const heldRecords = records.filter((r) => partitionOf(r.iccid, parts) === held);
      assert.ok(heldRecords.length < records.length, 'the eSIMs span more than one partition');
      // another "instance" holds the partition's lock in an open transaction
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      await other.query('begin');
      await other.query('select pg_advisory_xact_lock($1::int4, $2::int4)', [0x4b535746, held]);
      const writer = new PartitionedWriter(engine, parts, 5);
      const writing = writer.ingest(records);
      const count = async () =>
        Number(
          (
            await db
              .selectFrom('usage_records')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where(
                'event_id',
                'in',
                records.map((r) => r.event_id),
              )
              .executeTakeFirstOrThrow()
          ).n,
        );
      // everything outside the held partition is written while it is held
      const deadline = Date.now() + 10_000;
      while ((await count()) < records.length - heldRecords.length) {
        assert.ok(Date.now() < deadline, 'the free partitions were written');
        await sleep(20);
      }
      await sleep(200);
      assert.equal(await count(), records.length - heldRecords.length, 'the held partition waits');
      await other.query('commit');
      await other.end();
      const out = await writing;
      assert.equal(out.accepted, records.length);
      assert.equal(await count(), records.length);
      await assertLedger(db);
    },
  );
});

describe('the burst queue between the broker and the writer', () => {
  test('hands over what has arrived at once, up to the batch, and holds the pusher while a batch waits', async () => {
    const q = new BurstQueue<number>(3);
    const first = q.take();
    await q.push(1);
    assert.deepEqual(await first, [1], 'a lone message is not kept waiting for more');
    for (const n of [2, 3, 4]) await q.push(n);
    let fifthIn = false;
    const fifth = q.push(5).then(() => (fifthIn = true));
    await sleep(20);
    assert.equal(fifthIn, false, 'a full batch is waiting: the pusher waits too');
    assert.deepEqual(await q.take(), [2, 3, 4]);
    await fifth;
    q.end();
    assert.deepEqual(await q.take(), [5]);
    assert.deepEqual(await q.take(), [], 'ended and empty');
  });
});
