/**
 * SQL for usage records and their per-pack debits: the ingestion writes (records deduplicated by the
 * unique event_id) and the aggregate reads. Takes the database or a transaction first; holds no rules.
 * One SQL text serves both dialects.
 */
import { sql, type Selectable } from 'kysely';
import { chunks, insertRows, writeRows } from '../../db/batch.js';
import type { Executor } from '../../db/index.js';
import type { UsageDebitsTable, UsageRecordRow, UsageRecordsTable } from '../../db/types.js';

/** The table row types: one description of the schema (db/types.ts). */
export type NewUsageRecord = Selectable<UsageRecordsTable>;

export type NewDebit = Selectable<UsageDebitsTable>;

export interface Bucket {
  start: number;
  bytes: number;
  overage: number;
}

/** The start of the UTC bucket of `bucketMs` an instant column falls in (integer division on both dialects). */
export function bucketStart(column: string, bucketMs: number) {
  return sql<number>`(${sql.ref(column)} / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
}

/** Rows of (start, bytes[, overage]) sums as buckets (sums arrive as strings or bigints on PostgreSQL). */
export function toBuckets(rows: { start: unknown; bytes: unknown; overage?: unknown }[]): Bucket[] {
  return rows.map((r) => ({
    start: Number(r.start),
    bytes: Number(r.bytes),
    overage: Number(r.overage ?? 0),
  }));
}

/** The advisory-lock class of the feed's partitions (PostgreSQL): 'KSWF'. */
const PARTITION_LOCK_CLASS = 0x4b535746;

export const usageRepo = {
  /**
   * Takes the transaction-scoped advisory lock of a feed partition (PostgreSQL only): with `wait` false,
   * answers at once whether it was free. Released by the commit or rollback.
   */
  async partitionLock(db: Executor, partition: number, wait: boolean): Promise<boolean> {
    if (wait) {
      await sql`select pg_advisory_xact_lock(${PARTITION_LOCK_CLASS}::int4, ${partition}::int4)`.execute(db);
      return true;
    }
    const r = await sql<{
      ok: boolean;
    }>`select pg_try_advisory_xact_lock(${PARTITION_LOCK_CLASS}::int4, ${partition}::int4) as ok`.execute(db);
    return r.rows[0]?.ok === true;
  },

  /** Which of these event_ids were ingested before. */
  async existingEventIds(db: Executor, eventIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(eventIds, 500)) {
      const rows = await db
        .selectFrom('usage_records')
        .select('event_id')
        .where('event_id', 'in', part)
        .execute();
      for (const r of rows) found.add(r.event_id);
    }
    return found;
  },

  /**
   * Inserts records; an event_id already stored is skipped by the unique index (ON CONFLICT DO NOTHING).
   * Returns how many rows were inserted, so the caller can tell that a concurrent writer got there first.
   */
  insertRecords(db: Executor, rows: NewUsageRecord[]): Promise<number> {
    return insertRows(db, 'usage_records', rows, 'event_id');
  },

  /** Nothing is read back: in a transaction on PostgreSQL they go with the next statement (writeRows). */
  insertDebits(db: Executor, rows: NewDebit[]): Promise<void> {
    return writeRows(db, 'usage_debits', rows);
  },

  listRecords(
    db: Executor,
    userId: string,
    opts: { after?: string; limit: number },
  ): Promise<UsageRecordRow[]> {
    let q = db.selectFrom('usage_records').selectAll().where('user_id', '=', userId);
    if (opts.after) q = q.where('id', '<', opts.after);
    return q
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
  },

  async debitsOf(
    db: Executor,
    usageIds: string[],
  ): Promise<{ usage_id: string; pack_id: string; bytes: number }[]> {
    if (usageIds.length === 0) return [];
    return db
      .selectFrom('usage_debits')
      .select(['usage_id', 'pack_id', 'bytes'])
      .where('usage_id', 'in', usageIds)
      .orderBy('id')
      .execute();
  },

  /** Bytes and overage of a user's records per UTC bucket of `bucketMs` (integer division on both dialects). */
  async userBuckets(
    db: Executor,
    userId: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Bucket[]> {
    const start = bucketStart('occurred_at', bucketMs);
    const rows = await db
      .selectFrom('usage_records')
      .select([
        start.as('start'),
        (eb) => eb.fn.sum<number>('bytes').as('bytes'),
        (eb) => eb.fn.sum<number>('overage_bytes').as('overage'),
      ])
      .where('user_id', '=', userId)
      .where('occurred_at', '>=', from)
      .where('occurred_at', '<', to)
      .groupBy(start)
      .execute();
    return toBuckets(rows);
  },

  /** Bytes debited per pack from a user's records in the range, by pack id. */
  async userPackTotals(
    db: Executor,
    userId: string,
    from: number,
    to: number,
  ): Promise<{ pack_id: string; bytes: number }[]> {
    const rows = await db
      .selectFrom('usage_records as r')
      .innerJoin('usage_debits as d', 'd.usage_id', 'r.id')
      .select(['d.pack_id', (eb) => eb.fn.sum<number>('d.bytes').as('bytes')])
      .where('r.user_id', '=', userId)
      .where('r.occurred_at', '>=', from)
      .where('r.occurred_at', '<', to)
      .groupBy('d.pack_id')
      .orderBy('d.pack_id')
      .execute();
    return rows.map((r) => ({ pack_id: r.pack_id, bytes: Number(r.bytes) }));
  },

  /**
   * Bytes debited from one of `userId`'s packs per UTC bucket of `bucketMs`: found through the user's
   * records in the range (their (user_id, occurred_at) index), so writes keep no per-pack index.
   */
  async packBuckets(
    db: Executor,
    userId: string,
    packId: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Bucket[]> {
    const start = bucketStart('r.occurred_at', bucketMs);
    const rows = await db
      .selectFrom('usage_records as r')
      .innerJoin('usage_debits as d', 'd.usage_id', 'r.id')
      .select([start.as('start'), (eb) => eb.fn.sum<number>('d.bytes').as('bytes')])
      .where('r.user_id', '=', userId)
      .where('r.occurred_at', '>=', from)
      .where('r.occurred_at', '<', to)
      .where('d.pack_id', '=', packId)
      .groupBy(start)
      .execute();
    return toBuckets(rows);
  },
};
