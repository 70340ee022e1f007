/**
 * The one place payments report to the event outbox (modules/events): `order.paid` with the
 * `pack.purchased` of the pack it made, `order.refunded` (with the `pack.cancelled` of its pack when the
 * refund cancelled one) and `order.partially_refunded`. Called inside the transaction that changed the order, so an event exists exactly
 * when its change committed. The payloads are the packs module's, the same as an instant purchase's.
 */
import type { Tx } from '../../db/index.js';
import type { OrderRow, PackRow } from '../../db/types.js';
import { eventsRepo } from '../events/repository.js';
import { orderData } from '../events/types.js';
import { emitCancelled, emitSale, orderRefunded } from '../packs/events.js';

export type OrderEventType = 'order.paid' | 'order.refunded' | 'order.partially_refunded';

export async function emitOrderEvent(
  tx: Tx,
  type: OrderEventType,
  order: OrderRow,
  at: number,
  pack?: PackRow,
): Promise<void> {
  if (type === 'order.paid') {
    if (pack) await emitSale(tx, order, pack, at);
    return;
  }
  if (type === 'order.partially_refunded') {
    // the order stays paid and its pack as it was; refunded_cents is the total refunded so far
    const data = { order: orderData(order), refunded_cents: order.refunded_cents };
    await eventsRepo.emit(tx, { type, userId: order.user_id, at, data });
    return;
  }
  if (pack) await emitCancelled(tx, pack, order, at);
  else await eventsRepo.emit(tx, orderRefunded(order, order.amount_cents, at));
}
