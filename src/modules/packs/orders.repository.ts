/** SQL for orders: a purchase's money, status and idempotency key (the packs module owns the table). */
import type { Executor } from '../../db/index.js';
import type { OrderRow, OrderStatus } from '../../db/types.js';

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

  /** Moves the order from `from` to `to`; the row after, or undefined when it was not in `from`. */
  setStatus(
    db: Executor,
    id: string,
    from: OrderStatus,
    to: OrderStatus,
    now: number,
  ): Promise<OrderRow | undefined> {
    return db
      .updateTable('orders')
      .set({ status: to, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
  },

  /** Money taken: paid orders per currency (refunded, failed and free orders are not revenue). */
  async revenue(db: Executor): Promise<{ currency: string; cents: number }[]> {
    const rows = await db
      .selectFrom('orders')
      .select((eb) => ['currency', eb.fn.sum('amount_cents').as('cents')])
      .where('status', '=', 'paid')
      .where('amount_cents', '>', 0)
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({ currency: r.currency, cents: Number(r.cents ?? 0) }));
  },
};
