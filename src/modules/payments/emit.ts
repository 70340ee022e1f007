/**
 * THE ONE PLACE where `order.paid` and `order.refunded` are to be emitted to the event outbox (the `events`
 * module, built on another branch). It is called inside the transaction that changed the order, so an
 * event exists exactly when its change committed. Until the events module is merged it does nothing.
 *
 * TO WIRE after the merge: `await eventsRepo.emit(tx, { type, ... })` with the order view below.
 */
import type { Tx } from '../../db/index.js';
import type { OrderRow } from '../../db/types.js';

export type OrderEventType = 'order.paid' | 'order.refunded';

export async function emitOrderEvent(
  _tx: Tx,
  _type: OrderEventType,
  _order: OrderRow,
  _at: number,
): Promise<void> {
  // intentionally empty: see the comment above (eventsRepo.emit(tx, ...) goes here)
}
