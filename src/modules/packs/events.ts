/**
 * The events the packs module reports to the outbox (modules/events): a sale (`order.paid` and
 * `pack.purchased`), a grant (`pack.purchased` with `granted: true`), an explicit activation, a
 * cancellation and its refund. Emitted in the transaction of the change (usage-driven moves are emitted
 * by the usage engine, expiry by the sweep).
 */
import type { Executor } from '../../db/index.js';
import type { OrderRow, PackRow } from '../../db/types.js';
import { eventsRepo } from '../events/repository.js';
import { orderData, packEvent, type NewEvent } from '../events/types.js';

function purchased(order: OrderRow, pack: PackRow, at: number, granted: boolean): NewEvent {
  return packEvent('pack.purchased', pack, at, {
    order_id: order.id,
    plan_id: pack.plan_id,
    price_cents: pack.price_cents,
    currency: pack.currency,
    granted,
  });
}

/** A purchase paid at once: the order is paid and the pack exists. */
export async function emitSale(db: Executor, order: OrderRow, pack: PackRow, at: number): Promise<void> {
  await eventsRepo.emit(db, [
    { type: 'order.paid', userId: order.user_id, at, data: { order: orderData(order) } },
    purchased(order, pack, at, false),
  ]);
}

/** An admin grant: a pack at price 0 (no payment, so no `order.paid`). */
export async function emitGrant(db: Executor, order: OrderRow, pack: PackRow, at: number): Promise<void> {
  await eventsRepo.emit(db, purchased(order, pack, at, true));
}

export async function emitActivated(db: Executor, pack: PackRow, at: number): Promise<void> {
  await eventsRepo.emit(db, packEvent('pack.activated', pack, at, { activated_by: 'user' }));
}

/** A cancellation; `refunded` is the order when its money went back (a paid order became refunded). */
export async function emitCancelled(
  db: Executor,
  pack: PackRow,
  refunded: OrderRow | undefined,
  at: number,
): Promise<void> {
  const events: NewEvent[] = [packEvent('pack.cancelled', pack, at, { order_id: pack.order_id })];
  if (refunded) events.push(orderRefunded(refunded, refunded.amount_cents, at));
  await eventsRepo.emit(db, events);
}

/**
 * `order.refunded`: for any module that refunds an order (today a cancellation; a payment provider's
 * refund later), to emit in its own transaction through `eventsRepo.emit`.
 */
export function orderRefunded(order: OrderRow, refundedCents: number, at: number): NewEvent {
  return {
    type: 'order.refunded',
    userId: order.user_id,
    at,
    data: { order: orderData(order), refunded_cents: refundedCents },
  };
}
