/** Rows → views of the payments routes, and provider failures → problems. */
import type { OrderRow } from '../../db/types.js';
import { AppError } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import type { OrderView } from '../packs/schemas.js';
import type { ProviderError } from './provider.js';

/** How long a client waits before retrying a checkout the provider could not take. */
export const PROVIDER_RETRY_AFTER_S = 5;

export function toOrderView(o: OrderRow): OrderView {
  return {
    id: o.id,
    user_id: o.user_id,
    plan_id: o.plan_id,
    pack_id: o.pack_id,
    esim_id: o.esim_id,
    name: o.pack_name,
    status: o.status,
    amount_cents: o.amount_cents,
    refunded_cents: o.refunded_cents,
    currency: o.currency,
    provider: o.provider,
    disputed: o.disputed === 1,
    failure_reason: o.failure_reason,
    created_at: iso(o.created_at),
    updated_at: iso(o.updated_at),
    paid_at: iso(o.paid_at),
  };
}

/**
 * A failed checkout call, as the client should read it: a refused card is the customer's (402), an outage
 * is ours to wait out (503 with Retry-After), a price the provider cannot charge exactly is a catalogue
 * problem (409), anything else the provider refused is a 502.
 */
export function problemOf(err: ProviderError): AppError {
  switch (err.kind) {
    case 'declined':
      return new AppError(402, 'PAYMENT_DECLINED', `The payment was declined: ${err.message}`);
    case 'unavailable':
      return new AppError(
        503,
        'PAYMENT_PROVIDER_UNAVAILABLE',
        'The payment provider cannot be reached right now; nothing was charged. Try again shortly.',
        undefined,
        { 'retry-after': String(PROVIDER_RETRY_AFTER_S) },
      );
    default:
      if (err.code === 'amount_not_chargeable') return new AppError(409, 'PRICE_NOT_CHARGEABLE', err.message);
      return new AppError(
        502,
        'PAYMENT_PROVIDER_ERROR',
        'The payment provider refused the request; nothing was charged.',
      );
  }
}
