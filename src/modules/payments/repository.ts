/**
 * SQL for the tables the payments module owns: payment_events (provider event ids already applied; the
 * primary key makes a redelivery a no-op) and refund_outbox (refunds to send after their transaction
 * committed). Orders and packs are the packs module's: see packs/orders.repository.ts and packs/checkout.ts.
 */
import type { Executor } from '../../db/index.js';
import type { RefundOutboxRow } from '../../db/types.js';

export interface NewRefund {
  id: string;
  orderId: string;
  provider: string;
  paymentId: string;
  amount: number;
  currency: string;
  reason: string;
  now: number;
}

export const paymentsRepo = {
  /**
   * Stores the event id with its (expected) order and outcome; false when it was stored before (a
   * redelivery: apply nothing).
   */
  async recordEvent(
    db: Executor,
    e: {
      id: string;
      provider: string;
      type: string;
      receivedAt: number;
      orderId: string | null;
      outcome: string;
    },
  ): Promise<boolean> {
    const r = await db
      .insertInto('payment_events')
      .values({
        id: e.id,
        provider: e.provider,
        type: e.type,
        order_id: e.orderId,
        outcome: e.outcome,
        received_at: e.receivedAt,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  async setEventOutcome(db: Executor, id: string, orderId: string | null, outcome: string): Promise<void> {
    await db.updateTable('payment_events').set({ order_id: orderId, outcome }).where('id', '=', id).execute();
  },

  /** Queues the order's refund (one per order: a second request for the same order is a no-op). */
  async enqueueRefund(db: Executor, r: NewRefund): Promise<boolean> {
    const res = await db
      .insertInto('refund_outbox')
      .values({
        id: r.id,
        order_id: r.orderId,
        provider: r.provider,
        payment_id: r.paymentId,
        amount: r.amount,
        currency: r.currency,
        reason: r.reason.slice(0, 500),
        status: 'pending',
        attempts: 0,
        next_attempt_at: r.now,
        last_error: null,
        provider_refund_id: null,
        created_at: r.now,
        updated_at: r.now,
        sent_at: null,
      })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .executeTakeFirst();
    return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  refundOf(db: Executor, orderId: string): Promise<RefundOutboxRow | undefined> {
    return db.selectFrom('refund_outbox').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  },

  /** Ids of pending refunds due at `now`, oldest first. */
  async dueRefunds(db: Executor, now: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('refund_outbox')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  },

  /**
   * Takes one due refund for one attempt: counts the attempt and pushes its next time past the lease, so
   * another worker (or instance) leaves it alone while this one sends it. Undefined when someone else
   * took it first.
   */
  claimRefund(db: Executor, id: string, now: number, leaseMs: number): Promise<RefundOutboxRow | undefined> {
    return db
      .updateTable('refund_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: now + leaseMs, updated_at: now }))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returningAll()
      .executeTakeFirst();
  },

  async refundSent(db: Executor, id: string, providerRefundId: string, now: number): Promise<void> {
    await db
      .updateTable('refund_outbox')
      .set({
        status: 'sent',
        provider_refund_id: providerRefundId,
        sent_at: now,
        updated_at: now,
        last_error: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  },

  async refundRetry(db: Executor, id: string, at: number, error: string, now: number): Promise<void> {
    await db
      .updateTable('refund_outbox')
      .set({ next_attempt_at: at, last_error: error.slice(0, 1000), updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  },

  /** Gives up on a refund; true when this call moved it (so the alert is raised once). */
  async refundFailed(db: Executor, id: string, error: string, now: number): Promise<boolean> {
    const r = await db
      .updateTable('refund_outbox')
      .set({ status: 'failed', last_error: error.slice(0, 1000), updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  },
};
