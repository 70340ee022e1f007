/**
 * SQL for packs and their orders, plus the one read of the esims table this module needs (is this eSIM
 * the caller's and alive). Takes the database or a transaction first; holds no rules: the statuses a
 * conditional UPDATE may start from are passed in by the service (from lifecycle.ts).
 */
import type { Updateable } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { OrderRow, OrderStatus, PackRow, PackStatus, PacksTable } from '../../db/types.js';

export interface PackSearch {
  /** The effective status: `expired` includes active packs past expires_at, `active` excludes them. */
  status?: PackStatus;
  now: number;
  after?: string;
  limit: number;
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

  /** The user's packs, newest first, `limit + 1` rows (for toPage). */
  list(db: Executor, userId: string, s: PackSearch): Promise<PackRow[]> {
    let q = db.selectFrom('packs').selectAll().where('user_id', '=', userId);
    if (s.status === 'expired') {
      q = q.where((eb) =>
        eb.or([
          eb('status', '=', 'expired'),
          eb.and([eb('status', '=', 'active'), eb('expires_at', '<=', s.now)]),
        ]),
      );
    } else if (s.status === 'active') {
      q = q
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', s.now)]));
    } else if (s.status) {
      q = q.where('status', '=', s.status);
    }
    if (s.after) q = q.where('id', '<', s.after);
    return q
      .orderBy('id', 'desc')
      .limit(s.limit + 1)
      .execute();
  },

  insert(db: Executor, row: PackRow): Promise<PackRow> {
    return db.insertInto('packs').values(row).returningAll().executeTakeFirstOrThrow();
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
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', where.now)]));
    if (where.unused) q = q.where('used_bytes', '=', 0);
    return q.returningAll().executeTakeFirst();
  },

  /** The eSIM id when it is `userId`'s and not deleted. */
  async findLiveEsim(db: Executor, userId: string, esimId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('esims')
      .select('id')
      .where('id', '=', esimId)
      .where('user_id', '=', userId)
      .where('status', '!=', 'deleted')
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row?.id;
  },
};

export const ordersRepo = {
  findByKey(db: Executor, userId: string, key: string): Promise<OrderRow | undefined> {
    return db
      .selectFrom('orders')
      .selectAll()
      .where('user_id', '=', userId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  },

  insert(db: Executor, row: OrderRow): Promise<unknown> {
    return db.insertInto('orders').values(row).execute();
  },

  /** Frees an order's idempotency key (past its 24 h window) so the key can name a new purchase. */
  async clearKey(db: Executor, id: string, now: number): Promise<void> {
    await db
      .updateTable('orders')
      .set({ idempotency_key: null, updated_at: now })
      .where('id', '=', id)
      .execute();
  },

  /** Frees every key of orders created at or before `before`; the number freed. */
  async clearKeysBefore(db: Executor, before: number, now: number): Promise<number> {
    const r = await db
      .updateTable('orders')
      .set({ idempotency_key: null, updated_at: now })
      .where('idempotency_key', 'is not', null)
      .where('created_at', '<=', before)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  async setStatus(db: Executor, id: string, from: OrderStatus, to: OrderStatus, now: number): Promise<void> {
    await db
      .updateTable('orders')
      .set({ status: to, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', from)
      .execute();
  },
};

/** What the sweep needs of a pack to notify its owner. */
export type SweptPack = Pick<PackRow, 'id' | 'user_id' | 'esim_id' | 'name' | 'expires_at'>;

export const sweepRepo = {
  /**
   * Moves up to `limit` active packs whose expiry is at or before `now` to expired (ended at their
   * expiry) and returns them. Guarded by the same condition in the UPDATE, so a pack a concurrent sweep
   * or debit already moved is skipped.
   */
  expireDue(db: Executor, now: number, limit: number): Promise<SweptPack[]> {
    const due = db
      .selectFrom('packs')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit);
    return db
      .updateTable('packs')
      .set((eb) => ({ status: 'expired', ended_at: eb.ref('expires_at'), updated_at: now }))
      .where('id', 'in', due)
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .returning(['id', 'user_id', 'esim_id', 'name', 'expires_at'])
      .execute();
  },

  /** Active packs expiring in (now, until] that have no `pack_expiring` notification yet. */
  expiringUnnotified(db: Executor, now: number, until: number, limit: number): Promise<SweptPack[]> {
    return db
      .selectFrom('packs')
      .select(['id', 'user_id', 'esim_id', 'name', 'expires_at'])
      .where('status', '=', 'active')
      .where('expires_at', '>', now)
      .where('expires_at', '<=', until)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('notifications')
              .select('notifications.id')
              .whereRef('notifications.pack_id', '=', 'packs.id')
              .where('notifications.type', '=', 'pack_expiring'),
          ),
        ),
      )
      .orderBy('expires_at')
      .limit(limit)
      .execute();
  },
};
