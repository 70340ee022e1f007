/**
 * SQL for orders: a purchase's money, status, idempotency key and payment references (the packs module
 * owns the table; the payments module changes orders only through these functions, inside its
 * transactions). Status changes are conditional on the status read, so a concurrent writer cannot slip in.
 */
import type { Updateable } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { OrderRow, OrderStatus, OrdersTable } from '../../db/types.js';

/**
 * How a provider's event names an order: our id (from its metadata) when given, else the provider's payment
 * or checkout id; only an order that provider took counts, and, when `amount` is set, only one costing
 * `amount` in `currency`.
 */
export interface OrderMatch {
  orderId: string | null;
  paymentId: string | null;
  checkoutId: string | null;
  provider: string;
  amount?: number | null;
  currency?: string | null;
}

/** Everyone's orders (admin) or one user's, newest first; bounds on created_at (epoch ms). */
export interface OrderSearch {
  userId?: string;
  status?: OrderStatus;
  from?: number;
  to?: number;
  after?: string;
  limit: number;
}

export const ordersRepo = {
  findByKey(db: Executor, userId: string, key: string): Promise<OrderRow | undefined> {
    return db
      .selectFrom('orders')
      .selectAll()
      .where('user_id', '=', userId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  },

  findById(db: Executor, id: string): Promise<OrderRow | undefined> {
    return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The order, locked until the transaction ends (PostgreSQL; SQLite's write lock covers it). */
  lock(db: Executor, id: string): Promise<OrderRow | undefined> {
    return db.selectFrom('orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  /** The order a provider's payment or checkout id belongs to, locked. */
  lockByProviderRef(
    db: Executor,
    ref: { paymentId?: string | null; checkoutId?: string | null },
  ): Promise<OrderRow | undefined> {
    const [column, value] = ref.paymentId
      ? (['provider_payment_id', ref.paymentId] as const)
      : (['provider_checkout_id', ref.checkoutId ?? ''] as const);
    if (!value) return Promise.resolve(undefined);
    return db.selectFrom('orders').selectAll().where(column, '=', value).forUpdate().executeTakeFirst();
  },

  findOwned(db: Executor, userId: string, id: string): Promise<OrderRow | undefined> {
    return db
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  /** Orders matching every filter given, newest first, `limit + 1` rows (for toPage). */
  list(db: Executor, s: OrderSearch): Promise<OrderRow[]> {
    let q = db.selectFrom('orders').selectAll();
    if (s.userId !== undefined) q = q.where('user_id', '=', s.userId);
    if (s.status !== undefined) q = q.where('status', '=', s.status);
    if (s.from !== undefined) q = q.where('created_at', '>=', s.from);
    if (s.to !== undefined) q = q.where('created_at', '<', s.to);
    if (s.after) q = q.where('id', '<', s.after);
    return q
      .orderBy('id', 'desc')
      .limit(s.limit + 1)
      .execute();
  },

  /**
   * Moves the order from one of `from` to `to` with `patch`, in one conditional statement; the row after
   * the change, or undefined when it was not in one of `from` (someone else moved it first).
   */
  move(
    db: Executor,
    id: string,
    from: readonly OrderStatus[],
    to: OrderStatus,
    patch: Updateable<OrdersTable>,
  ): Promise<OrderRow | undefined> {
    return db
      .updateTable('orders')
      .set({ ...patch, status: to })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * `move` for an order named by a provider's event (see OrderMatch), without reading it first: one
   * conditional UPDATE. A payment id the order has no record of yet is stored (`paymentId`). Undefined when
   * no order matched, or it was not in one of `from`: the caller reads the order to tell which.
   */
  moveMatching(
    db: Executor,
    m: OrderMatch,
    from: readonly OrderStatus[],
    to: OrderStatus,
    patch: Updateable<OrdersTable>,
    paymentId: string | null = null,
  ): Promise<OrderRow | undefined> {
    const [column, value] = m.orderId
      ? (['id', m.orderId] as const)
      : m.paymentId
        ? (['provider_payment_id', m.paymentId] as const)
        : (['provider_checkout_id', m.checkoutId ?? ''] as const);
    if (!value) return Promise.resolve(undefined);
    let q = db
      .updateTable('orders')
      .set((eb) => ({
        ...patch,
        status: to,
        ...(paymentId
          ? { provider_payment_id: eb.fn.coalesce('provider_payment_id', eb.val(paymentId)) }
          : {}),
      }))
      .where(column, '=', value)
      .where('provider', '=', m.provider)
      .where('status', 'in', [...from]);
    if (m.amount !== undefined && m.amount !== null)
      q = q.where('amount_cents', '=', m.amount).where('currency', '=', m.currency ?? '');
    return q.returningAll().executeTakeFirst();
  },

  /**
   * A partial refund: the total refunded so far becomes `total`, only while the order is not refunded and
   * had less recorded (the provider reports running totals, so a late or repeated report changes nothing).
   * The row after, or undefined when nothing changed.
   */
  recordPartialRefund(db: Executor, id: string, total: number, now: number): Promise<OrderRow | undefined> {
    return db
      .updateTable('orders')
      .set({ refunded_cents: total, updated_at: now })
      .where('id', '=', id)
      .where('status', '!=', 'refunded')
      .where('refunded_cents', '<', total)
      .returningAll()
      .executeTakeFirst();
  },

  /** Sets fields that are not the status (payment references, the dispute flag). */
  async patch(db: Executor, id: string, patch: Updateable<OrdersTable>): Promise<void> {
    await db.updateTable('orders').set(patch).where('id', '=', id).execute();
  },

  /** Removes a checkout that never reached the provider (its call failed); true when it was removed. */
  async deleteUnopened(db: Executor, id: string): Promise<boolean> {
    const r = await db
      .deleteFrom('orders')
      .where('id', '=', id)
      .where('status', '=', 'pending_payment')
      .where('provider_payment_id', 'is', null)
      .where('provider_checkout_id', 'is', null)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  },

  /** Abandoned checkouts created at or before `before` → expired, at most `limit`; the ids moved. */
  async expirePending(db: Executor, before: number, now: number, limit: number): Promise<string[]> {
    const due = db
      .selectFrom('orders')
      .select('id')
      .where('status', '=', 'pending_payment')
      .where('created_at', '<=', before)
      .orderBy('created_at')
      .limit(limit);
    const rows = await db
      .updateTable('orders')
      .set({ status: 'expired', failure_reason: 'checkout_expired', updated_at: now })
      .where('id', 'in', due)
      .where('status', '=', 'pending_payment')
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
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
