/**
 * SQL for the hourly usage rollups (usage_user_hourly, usage_pack_hourly): added to in the transaction
 * that writes the records and debits, read by summaries, pack usage and the admin stats. A row is keyed by
 * the UTC hour the usage HAPPENED in (occurred_at), so late and out-of-order records land in their hour.
 */
import { sql } from 'kysely';
import { deferredWrite, type Dialect, type Executor, type Tx } from '../../db/index.js';
import { HOUR_MS } from '../../lib/clock.js';
import { rebuildRollups } from '../../db/migrations/2026_12_02_0012_usage_rollups.js';
import { bucketStart, toBuckets, type Bucket } from './repository.js';

export interface UserHourDelta {
  user_id: string;
  hour: number;
  bytes: number;
  overage_bytes: number;
  records: number;
}

export interface PackHourDelta {
  pack_id: string;
  hour: number;
  user_id: string;
  bytes: number;
  records: number;
}

export const hourOf = (at: number): number => Math.floor(at / HOUR_MS) * HOUR_MS;

/** Adds deltas into a per-key map (one row per key per transaction). */
export class RollupDeltas {
  readonly users = new Map<string, UserHourDelta>();
  readonly packs = new Map<string, PackHourDelta>();

  record(userId: string, occurredAt: number, bytes: number, overage: number): void {
    const hour = hourOf(occurredAt);
    const key = `${userId}|${hour}`;
    const row = this.users.get(key);
    if (row) {
      row.bytes += bytes;
      row.overage_bytes += overage;
      row.records += 1;
    } else this.users.set(key, { user_id: userId, hour, bytes, overage_bytes: overage, records: 1 });
  }

  debit(packId: string, userId: string, occurredAt: number, bytes: number): void {
    const hour = hourOf(occurredAt);
    const key = `${packId}|${hour}`;
    const row = this.packs.get(key);
    if (row) {
      row.bytes += bytes;
      row.records += 1;
    } else this.packs.set(key, { pack_id: packId, hour, user_id: userId, bytes, records: 1 });
  }
}

const CHUNK = 500;
const byKey =
  <T>(key: (r: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

export const rollupsRepo = {
  /**
   * Recomputes both rollups from the records and debits, in the caller's transaction (`cli
   * rebuild-rollups`). On PostgreSQL the records and debits are locked against writers first (SHARE: reads
   * go on, ingestion waits), so no debit commits between the delete and the sums; SQLite's write lock does
   * that by itself.
   */
  async rebuild(tx: Tx, dialect: Dialect): Promise<{ user_hours: number; pack_hours: number }> {
    if (dialect === 'postgres') await sql`lock table usage_records, usage_debits in share mode`.execute(tx);
    await rebuildRollups(tx as never);
    const count = async (table: 'usage_user_hourly' | 'usage_pack_hourly') =>
      Number(
        (
          await tx
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return { user_hours: await count('usage_user_hourly'), pack_hours: await count('usage_pack_hourly') };
  },

  /**
   * Adds the deltas: one multi-row upsert per table (per 500 rows), rows in key order so writers sharing
   * rows always lock them in the same order. Nothing is read back: in a transaction on PostgreSQL they go
   * with the COMMIT (deferredWrite).
   */
  async add(db: Executor, deltas: RollupDeltas): Promise<void> {
    const users = [...deltas.users.values()].sort(byKey((r) => `${r.user_id}|${r.hour}`));
    for (let i = 0; i < users.length; i += CHUNK) {
      await deferredWrite(
        db,
        db
          .insertInto('usage_user_hourly')
          .values(users.slice(i, i + CHUNK))
          .onConflict((oc) =>
            oc.columns(['user_id', 'hour']).doUpdateSet({
              bytes: sql`usage_user_hourly.bytes + excluded.bytes`,
              overage_bytes: sql`usage_user_hourly.overage_bytes + excluded.overage_bytes`,
              records: sql`usage_user_hourly.records + excluded.records`,
            }),
          ),
      );
    }
    const packs = [...deltas.packs.values()].sort(byKey((r) => `${r.pack_id}|${r.hour}`));
    for (let i = 0; i < packs.length; i += CHUNK) {
      await deferredWrite(
        db,
        db
          .insertInto('usage_pack_hourly')
          .values(packs.slice(i, i + CHUNK))
          .onConflict((oc) =>
            oc.columns(['pack_id', 'hour']).doUpdateSet({
              bytes: sql`usage_pack_hourly.bytes + excluded.bytes`,
              records: sql`usage_pack_hourly.records + excluded.records`,
            }),
          ),
      );
    }
  },

  /** A user's bytes and overage per bucket of `bucketMs` (a multiple of an hour), hours in [from, to). */
  async userBuckets(
    db: Executor,
    userId: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Bucket[]> {
    const start = bucketStart('hour', bucketMs);
    const rows = await db
      .selectFrom('usage_user_hourly')
      .select([
        start.as('start'),
        (eb) => eb.fn.sum<number>('bytes').as('bytes'),
        (eb) => eb.fn.sum<number>('overage_bytes').as('overage'),
      ])
      .where('user_id', '=', userId)
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .groupBy(start)
      .execute();
    return toBuckets(rows);
  },

  /** Bytes per pack of a user, hours in [from, to). */
  async userPackTotals(
    db: Executor,
    userId: string,
    from: number,
    to: number,
  ): Promise<{ pack_id: string; bytes: number }[]> {
    const rows = await db
      .selectFrom('usage_pack_hourly')
      .select(['pack_id', (eb) => eb.fn.sum<number>('bytes').as('bytes')])
      .where('user_id', '=', userId)
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .groupBy('pack_id')
      .execute();
    return rows.map((r) => ({ pack_id: r.pack_id, bytes: Number(r.bytes) }));
  },

  /** Bytes a pack took per bucket, hours in [from, to). */
  async packBuckets(
    db: Executor,
    packId: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Bucket[]> {
    const start = bucketStart('hour', bucketMs);
    const rows = await db
      .selectFrom('usage_pack_hourly')
      .select([start.as('start'), (eb) => eb.fn.sum<number>('bytes').as('bytes')])
      .where('pack_id', '=', packId)
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .groupBy(start)
      .execute();
    return toBuckets(rows);
  },

  /** Everyone's bytes per UTC day for days starting at `from` (a UTC midnight) before `to` (the stats). */
  async bytesPerDay(db: Executor, from: number, to: number): Promise<{ day: number; bytes: number }[]> {
    const day = sql<number>`(hour / 86400000) * 86400000`;
    const end = Math.ceil((to - from) / 86_400_000) * 86_400_000 + from;
    const rows = await db
      .selectFrom('usage_user_hourly')
      .select([day.as('day'), (eb) => eb.fn.sum<number>('bytes').as('bytes')])
      .where('hour', '>=', from)
      .where('hour', '<', end)
      .groupBy(day)
      .execute();
    const found = new Map(rows.map((r) => [Number(r.day), Number(r.bytes)]));
    const out: { day: number; bytes: number }[] = [];
    for (let d = from; d < to; d += 86_400_000) out.push({ day: d, bytes: found.get(d) ?? 0 });
    return out;
  },
};
