/**
 * The rows of one sale: an order and the pack it buys, the pack a copy of the terms (so later plan edits
 * never change it). Used by a purchase paid at once, a grant (purchase.ts) and an order paid through a
 * provider (checkout.ts), so every pack is made the same way.
 */
import type { OrderRow, PackRow } from '../../db/types.js';
import { newId } from '../../lib/ids.js';

/** The rows of one sale: the order (id known up front so the pack can point at it) and its pack. */
export interface Terms {
  planId: string | null;
  name: string;
  totalBytes: number;
  validityDays: number;
  priceCents: number;
  currency: string;
}

/** The payment columns of an order paid at once (no provider) or granted. */
export const NO_PROVIDER = {
  provider: null,
  provider_checkout_id: null,
  provider_payment_id: null,
  esim_id: null,
  pack_name: null,
  data_bytes: null,
  validity_days: null,
  disputed: 0,
  failure_reason: null,
  refunded_cents: 0,
} as const;

export function orderAndPack(
  userId: string,
  esimId: string | null,
  t: Terms,
  now: number,
  extra: Partial<OrderRow>,
): { order: OrderRow; pack: PackRow } {
  const orderId = newId();
  const packId = newId();
  const order: OrderRow = {
    id: orderId,
    user_id: userId,
    plan_id: t.planId,
    status: 'paid',
    amount_cents: t.priceCents,
    currency: t.currency,
    idempotency_key: null,
    request_hash: null,
    pack_id: packId,
    granted_by: null,
    reason: null,
    created_at: now,
    updated_at: now,
    ...NO_PROVIDER,
    paid_at: now,
    ...extra,
  };
  const pack = { ...packFor(order, t, esimId, now), id: packId };
  return { order, pack };
}

/** The pack an order buys, made when its money is final (an order paid through a provider). */
export function packFor(order: OrderRow, t: Terms, esimId: string | null, now: number): PackRow {
  return {
    id: newId(),
    user_id: order.user_id,
    order_id: order.id,
    plan_id: t.planId,
    esim_id: esimId,
    name: t.name,
    total_bytes: t.totalBytes,
    used_bytes: 0,
    validity_days: t.validityDays,
    price_cents: t.priceCents,
    currency: t.currency,
    status: 'pending',
    created_at: now,
    updated_at: now,
    activated_at: null,
    expires_at: null,
    ended_at: null,
  };
}
