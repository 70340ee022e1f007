/**
 * SQL for usage: the ingestion writes (records deduplicated by the unique event_id, per-pack debits,
 * conditional pack updates) and the aggregate reads. Takes the database or a transaction first; holds no
 * rules. One SQL text serves both dialects except the row locks, which only PostgreSQL has.
 */
import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { EsimStatus, UsageDebitsTable, UsageRecordRow, UsageRecordsTable } from '../../db/types.js';
import { OPEN_PACK_STATUSES } from '../packs/lifecycle.js';
import type { DebitPack } from './debit.js';

/** Rows per multi-row statement: few distinct SQL texts (prepared once each), well under parameter limits. */
const ROWS_PER_STATEMENT = 100;

function* chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * The SQL texts of the ingestion writes, built by Kysely once per dialect and shape (table, row count),
 * then reused with fresh parameters: building a 100-row INSERT through the query builder cost ~0.4 ms,
 * more than SQLite took to run it.
 */
const texts = new WeakMap<object, Map<string, string>>();

function cachedText(db: Executor, key: string, build: () => CompiledQuery): string {
  const dialect = db.getExecutor().adapter;
  let byKey = texts.get(dialect);
  if (!byKey) texts.set(dialect, (byKey = new Map()));
  let text = byKey.get(key);
  if (text === undefined) {
    text = build().sql;
    byKey.set(key, text);
  }
  return text;
}

/** Multi-row INSERT of same-shaped rows (optionally skipping conflicts on `conflict`); rows inserted. */
async function insertMany<T extends object>(
  db: Executor,
  table: 'usage_records' | 'usage_debits',
  rows: T[],
  conflict?: 'event_id',
): Promise<number> {
  let inserted = 0;
  for (const part of chunks(rows)) {
    const columns = Object.keys(part[0]!) as (keyof T)[];
    const text = cachedText(db, `insert ${table} ${conflict ?? ''} ${columns.join()} ${part.length}`, () => {
      const q = db.insertInto(table).values(part as never);
      return (conflict ? q.onConflict((oc) => oc.column(conflict).doNothing()) : q).compile();
    });
    const params: unknown[] = [];
    for (const row of part) for (const c of columns) params.push(row[c]);
    const r = await db.executeQuery(CompiledQuery.raw(text, params));
    inserted += Number(r.numAffectedRows ?? 0n);
  }
  return inserted;
}

export interface EsimRef {
  id: string;
  user_id: string;
  iccid: string;
  status: EsimStatus;
}

/** The table row types: one description of the schema (db/types.ts). */
export type NewUsageRecord = Selectable<UsageRecordsTable>;

export type NewDebit = Selectable<UsageDebitsTable>;

export interface PackChange {
  before: DebitPack;
  after: DebitPack;
}

export interface Bucket {
  start: number;
  bytes: number;
  overage: number;
}

/** A pack row changed between its read and its update: the transaction must not commit. */
export class PackChangedError extends Error {
  override name = 'PackChangedError';
}

const PACK_FIELDS = [
  'id',
  'user_id',
  'esim_id',
  'name',
  'total_bytes',
  'used_bytes',
  'validity_days',
  'status',
  'created_at',
  'activated_at',
  'expires_at',
  'ended_at',
] as const;

/**
 * One UPDATE for `n` packs: (id, delta, status read, new status, activated_at, expires_at, ended_at) per
 * pack, then updated_at. The casts give PostgreSQL the column types of the VALUES list.
 */
function packUpdate(n: number) {
  const row = sql`(${''}, cast(${0} as bigint), ${''}, ${''}, cast(${0} as bigint), cast(${0} as bigint), cast(${0} as bigint))`;
  const values = sql.join(Array.from({ length: n }, () => row));
  return sql`with v (id, delta, from_status, status, activated_at, expires_at, ended_at) as (values ${values})
    update packs set used_bytes = packs.used_bytes + v.delta, status = v.status, activated_at = v.activated_at,
      expires_at = v.expires_at, ended_at = v.ended_at, updated_at = ${0}
    from v
    where packs.id = v.id and packs.status = v.from_status and packs.used_bytes + v.delta <= packs.total_bytes`;
}

export const usageRepo = {
  async esimsByIccid(db: Executor, iccids: string[]): Promise<EsimRef[]> {
    if (iccids.length === 0) return [];
    return db
      .selectFrom('esims')
      .select(['id', 'user_id', 'iccid', 'status'])
      .where('iccid', 'in', iccids)
      .execute();
  },

  /**
   * The packs of these eSIMs that can still take bytes (active or pending). With `lock` (PostgreSQL) the
   * rows are locked FOR UPDATE in id order, one consistent order for every writer, so debits of one pack
   * serialise and two ingesting transactions never wait on each other in a cycle.
   */
  async openPacks(db: Executor, esimIds: string[], lock: boolean): Promise<DebitPack[]> {
    if (esimIds.length === 0) return [];
    return db
      .selectFrom('packs')
      .select(PACK_FIELDS)
      .where('esim_id', 'in', esimIds)
      .where('status', 'in', OPEN_PACK_STATUSES)
      .orderBy('id')
      .$if(lock, (q) => q.forUpdate())
      .execute();
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
    return insertMany(db, 'usage_records', rows, 'event_id');
  },

  async insertDebits(db: Executor, rows: NewDebit[]): Promise<void> {
    await insertMany(db, 'usage_debits', rows);
  },

  /**
   * Moves each pack from its read state to its new state, many packs per statement, with an atomic
   * conditional update: a row changes only while it still has the status read and the added bytes fit
   * under total_bytes, so no writer can ever push a pack past its total. A row left unchanged means it
   * changed under us: PackChangedError (the transaction must not commit).
   */
  async applyPackChanges(db: Executor, changes: PackChange[], now: number): Promise<void> {
    for (const part of chunks(changes)) {
      const text = cachedText(db, `update packs ${part.length}`, () => packUpdate(part.length).compile(db));
      const params: unknown[] = [];
      for (const { before, after } of part) {
        params.push(before.id, after.used_bytes - before.used_bytes, before.status, after.status);
        params.push(after.activated_at, after.expires_at, after.ended_at);
      }
      params.push(now);
      const r = await db.executeQuery(CompiledQuery.raw(text, params));
      const updated = Number(r.numAffectedRows ?? 0n);
      if (updated !== part.length) {
        throw new PackChangedError(`${part.length - updated} pack(s) changed during a debit`);
      }
    }
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
    const start = sql<number>`(occurred_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
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
    return rows.map((r) => ({ start: Number(r.start), bytes: Number(r.bytes), overage: Number(r.overage) }));
  },

  /** Bytes debited per pack from a user's records in the range. */
  async userPackTotals(
    db: Executor,
    userId: string,
    from: number,
    to: number,
  ): Promise<{ pack_id: string; name: string; bytes: number }[]> {
    const rows = await db
      .selectFrom('usage_records as r')
      .innerJoin('usage_debits as d', 'd.usage_id', 'r.id')
      .innerJoin('packs as p', 'p.id', 'd.pack_id')
      .select(['d.pack_id', 'p.name', (eb) => eb.fn.sum<number>('d.bytes').as('bytes')])
      .where('r.user_id', '=', userId)
      .where('r.occurred_at', '>=', from)
      .where('r.occurred_at', '<', to)
      .groupBy(['d.pack_id', 'p.name'])
      .orderBy('d.pack_id')
      .execute();
    return rows.map((r) => ({ pack_id: r.pack_id, name: r.name, bytes: Number(r.bytes) }));
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
    const start = sql<number>`(r.occurred_at / ${sql.lit(bucketMs)}) * ${sql.lit(bucketMs)}`;
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
    return rows.map((r) => ({ start: Number(r.start), bytes: Number(r.bytes), overage: 0 }));
  },

  async packOwnedBy(db: Executor, packId: string, userId: string): Promise<boolean> {
    const row = await db
      .selectFrom('packs')
      .select('id')
      .where('id', '=', packId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  },
};
