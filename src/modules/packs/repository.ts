/**
 * SQL for packs (orders are in orders.repository.ts). Takes the database or a transaction first; holds no rules: the statuses
 * a conditional UPDATE may start from are passed in by the caller (from lifecycle.ts). The usage engine
 * reads and debits packs through `lockOpen` and `applyDebits`, inside its own transaction.
 *
 * Every statement that changes a pack names its user with `packsChanged`: the cached pack lists of those
 * users are forgotten on every instance once the transaction commits (sessions/pack-lists.ts).
 */
import { CompiledQuery, sql, type ExpressionBuilder, type Updateable } from 'kysely';
import { cachedText, chunks, writeRows } from '../../db/batch.js';
import type { Executor } from '../../db/index.js';
import type { Database, PackRow, PackStatus, PacksTable } from '../../db/types.js';
import { packsChanged } from '../../sessions/pack-lists.js';
import { packNoticeSent } from '../notifications/repository.js';
import { OPEN_PACK_STATUSES } from './lifecycle.js';

export interface PackSearch {
  userId?: string;
  planId?: string;
  esimId?: string;
  /** The effective status: `expired` includes active packs past expires_at, `active` excludes them. */
  status?: PackStatus;
  now: number;
  after?: string;
  limit: number;
}

/** One group of the stats' pack counts: an effective status and paid (1) or free (0). */
export interface PackCountRow {
  status: string;
  paid: number;
  n: number;
  total_bytes: number;
  used_bytes: number;
}

/** The fields of a pack the debit rules read and change (usage/debit.ts). */
export const PACK_FIELDS = [
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
export type PackState = Pick<PackRow, (typeof PACK_FIELDS)[number]>;

/** A pack moved by debits: its state as read (under the lock) and the state to write. */
export interface PackChange {
  before: PackState;
  after: PackState;
}

/** A pack row changed between its read and its update: the transaction must not commit. */
export class PackChangedError extends Error {
  override name = 'PackChangedError';
}

type PackWhere = ExpressionBuilder<Database, 'packs'>;

/** Not past its expiry at `now` (a pending pack has none yet). */
const unexpired = (eb: PackWhere, now: number) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

/** The pack's status as a reader sees it at `now`: an active pack past its expiry is expired. */
function effectiveStatusIs(eb: PackWhere, status: PackStatus, now: number) {
  if (status === 'active') return eb.and([eb('status', '=', 'active'), unexpired(eb, now)]);
  if (status === 'expired') {
    return eb.or([
      eb('status', '=', 'expired'),
      eb.and([eb('status', '=', 'active'), eb('expires_at', '<=', now)]),
    ]);
  }
  return eb('status', '=', status);
}

/**
 * One UPDATE for `n` packs: (id, delta, status read, new status, activated_at, expires_at, ended_at) per
 * pack, then updated_at. The casts give PostgreSQL the column types of the VALUES list.
 */
function debitUpdate(n: number) {
  const row = sql`(${''}, cast(${0} as bigint), ${''}, ${''}, cast(${0} as bigint), cast(${0} as bigint), cast(${0} as bigint))`;
  const values = sql.join(Array.from({ length: n }, () => row));
  return sql`with v (id, delta, from_status, status, activated_at, expires_at, ended_at) as (values ${values})
    update packs set used_bytes = packs.used_bytes + v.delta, status = v.status, activated_at = v.activated_at,
      expires_at = v.expires_at, ended_at = v.ended_at, updated_at = ${0}
    from v
    where packs.id = v.id and packs.status = v.from_status and packs.used_bytes + v.delta <= packs.total_bytes`;
}

export const packsRepo = {
  findById(db: Executor, id: string): Promise<PackRow | undefined> {
    return db.selectFrom('packs').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The pack when it is `userId`'s; undefined for another user's pack and a missing one alike. */
  findOwned(db: Executor, userId: string, id: string): Promise<PackRow | undefined> {
    return db
      .selectFrom('packs')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  /** Packs matching every filter given, newest first, `limit + 1` rows (for toPage). */
  list(db: Executor, s: PackSearch): Promise<PackRow[]> {
    let q = db.selectFrom('packs').selectAll();
    if (s.userId !== undefined) q = q.where('user_id', '=', s.userId);
    if (s.planId !== undefined) q = q.where('plan_id', '=', s.planId);
    if (s.esimId !== undefined) q = q.where('esim_id', '=', s.esimId);
    const status = s.status;
    if (status) q = q.where((eb) => effectiveStatusIs(eb, status, s.now));
    if (s.after) q = q.where('id', '<', s.after);
    return q
      .orderBy('id', 'desc')
      .limit(s.limit + 1)
      .execute();
  },

  /** The names of these packs, by id. */
  async namesOf(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('packs').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  },

  /**
   * Writes the pack and returns it as written (every column is given: the database adds nothing). Nothing
   * is read back, so in a transaction on PostgreSQL it goes with the next statement (writeRows).
   */
  async insert(db: Executor, row: PackRow): Promise<PackRow> {
    await writeRows(db, 'packs', [row]);
    packsChanged(db, [row.user_id]);
    return { ...row };
  },

  /**
   * Writes `patch` only while the pack is the user's, in one of `from`, not past its expiry at `now`
   * and (when `unused`) without a byte used: check and write in one statement, so a concurrent debit or
   * sweep cannot slip between them. Undefined when the conditions did not hold.
   */
  async updateIf(
    db: Executor,
    where: { userId: string; id: string; from: readonly PackStatus[]; now: number; unused?: boolean },
    patch: Updateable<PacksTable>,
  ): Promise<PackRow | undefined> {
    let q = db
      .updateTable('packs')
      .set(patch)
      .where('id', '=', where.id)
      .where('user_id', '=', where.userId)
      .where('status', 'in', [...where.from])
      .where((eb) => unexpired(eb, where.now));
    if (where.unused) q = q.where('used_bytes', '=', 0);
    const updated = await q.returningAll().executeTakeFirst();
    if (updated) packsChanged(db, [where.userId]);
    return updated;
  },

  /**
   * The packs of these eSIMs that can still take bytes (active or pending, and expired ones whose expiry
   * is at or after `expiredSince`, for late records), locked FOR UPDATE in id order (PostgreSQL; SQLite's write lock covers them): one consistent order for every writer, so debits
   * of one pack serialise and two ingesting transactions never wait on each other in a cycle.
   */
  async lockOpen(db: Executor, esimIds: string[], expiredSince: number): Promise<PackState[]> {
    if (esimIds.length === 0) return [];
    return db
      .selectFrom('packs')
      .select(PACK_FIELDS)
      .where('esim_id', 'in', esimIds)
      .where((eb) =>
        eb.or([
          eb('status', 'in', OPEN_PACK_STATUSES),
          eb.and([eb('status', '=', 'expired'), eb('expires_at', '>=', expiredSince)]),
        ]),
      )
      .orderBy('id')
      .forUpdate()
      .execute();
  },

  /**
   * Moves each pack from its read state to its new state, many packs per statement, with an atomic
   * conditional update: a row changes only while it still has the status read and the added bytes fit
   * under total_bytes, so no writer can ever push a pack past its total. A row left unchanged means it
   * changed under us: PackChangedError (the transaction must not commit).
   */
  async applyDebits(db: Executor, changes: PackChange[], now: number): Promise<void> {
    for (const part of chunks(changes)) {
      const text = cachedText(db, `update packs ${part.length}`, () => debitUpdate(part.length).compile(db));
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
    packsChanged(
      db,
      changes.map((c) => c.before.user_id),
    );
  },

  /** The user's packs (every status) and the bytes debited from them, for the operators' account detail. */
  async totalsOf(db: Executor, userId: string): Promise<{ packs_count: number; used_bytes: number }> {
    const row = await db
      .selectFrom('packs')
      .select((eb) => [
        eb.fn.countAll<number>().as('packs_count'),
        eb.fn.coalesce(eb.fn.sum<number>('used_bytes'), sql.lit(0)).as('used_bytes'),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return { packs_count: Number(row.packs_count ?? 0), used_bytes: Number(row.used_bytes ?? 0) };
  },

  /**
   * Packs per status as a reader sees it at `now` (the rule of `effectiveStatusIs`, as a value: an active
   * pack past its expiry counts as expired) and per paid/free, with their data totals: the stats.
   */
  async countsByStatus(db: Executor, now: number): Promise<PackCountRow[]> {
    const status = sql<string>`case when status = 'active' and expires_at is not null and expires_at <= ${now} then 'expired' else status end`;
    const paid = sql<number>`case when price_cents > 0 then 1 else 0 end`;
    const rows = await db
      .selectFrom('packs')
      .select((eb) => [
        status.as('status'),
        paid.as('paid'),
        eb.fn.countAll().as('n'),
        eb.fn.sum('total_bytes').as('total_bytes'),
        eb.fn.sum('used_bytes').as('used_bytes'),
      ])
      // by position: the CASE holds a parameter, and PostgreSQL matches GROUP BY expressions textually
      .groupBy([sql`1`, sql`2`])
      .execute();
    return rows.map((r) => ({
      status: r.status,
      paid: Number(r.paid ?? 0),
      n: Number(r.n ?? 0),
      total_bytes: Number(r.total_bytes ?? 0),
      used_bytes: Number(r.used_bytes ?? 0),
    }));
  },
};

/** What the sweep needs of a pack to notify its owner. */
/** What the sweep reports of a pack in its events. */
export type SweptPack = PackState;

export const sweepRepo = {
  /**
   * Moves up to `limit` active packs whose expiry is at or before `now` to expired (ended at their
   * expiry) and returns them. Guarded by the same condition in the UPDATE, so a pack a concurrent sweep
   * or debit already moved is skipped.
   */
  async expireDue(db: Executor, now: number, limit: number): Promise<SweptPack[]> {
    const due = db
      .selectFrom('packs')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit);
    const expired = await db
      .updateTable('packs')
      .set((eb) => ({ status: 'expired', ended_at: eb.ref('expires_at'), updated_at: now }))
      .where('id', 'in', due)
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .returning(PACK_FIELDS)
      .execute();
    packsChanged(
      db,
      expired.map((p) => p.user_id),
    );
    return expired;
  },

  /** Active packs expiring in (now, until] that have no `pack_expiring` notification yet. */
  expiringUnnotified(db: Executor, now: number, until: number, limit: number): Promise<SweptPack[]> {
    return db
      .selectFrom('packs')
      .select(PACK_FIELDS)
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .where('expires_at', '<=', until)
      .where((eb) => eb.not(packNoticeSent(eb, 'pack_expiring')))
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  },
};
