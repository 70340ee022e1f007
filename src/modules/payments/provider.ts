/**
 * What the payments module needs from a payment provider, in our words. Stripe is the one implementation
 * (stripe.ts); a second provider implements the same three calls and maps its webhooks onto the same
 * events, and nothing else changes.
 */

/** A checkout to open for one order (amounts in our minor units, see lib/money.ts). */
export interface CheckoutRequest {
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  /** What the customer buys, shown on the provider's page and receipts. */
  description: string;
  /** When the order was made (epoch ms): a repeat of the call must send the very same request. */
  createdAt: number;
}

/** What the provider opened: ids to find the order again from webhooks, and what the client needs. */
export interface CheckoutCreated {
  /** The provider's id of the hosted page (Stripe Checkout Session), when there is one. */
  checkoutId: string | null;
  /** The provider's id of the payment (Stripe PaymentIntent), when already known. */
  paymentId: string | null;
  clientSecret: string | null;
  /** The public key a browser confirms `clientSecret` with (Stripe.js), when the provider has one. */
  publishableKey: string | null;
  checkoutUrl: string | null;
}

export interface RefundRequest {
  /** Our refund id: the provider's idempotency key, so one refund is never sent twice. */
  refundId: string;
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
}

/** Where an event points: our order id (from metadata) and/or the provider's ids. */
export interface EventRef {
  orderId: string | null;
  paymentId: string | null;
  checkoutId: string | null;
}

/** A verified webhook, mapped onto the few things that change an order. */
export type PaymentEvent = { id: string; type: string; ref: EventRef } & (
  | { kind: 'paid'; amount: number | null; currency: string | null }
  | { kind: 'failed'; reason: string }
  /** `amount`: everything refunded so far on the payment (not only this refund), when the event says. */
  | { kind: 'refunded'; full: boolean; amount: number | null; currency: string | null }
  | { kind: 'disputed'; reason: string; amount: number | null; currency: string | null }
  | { kind: 'ignored' }
);

/** The webhook's signature is missing, forged or stale: nothing in it may be trusted. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/**
 * A provider call that failed: `declined` is the customer's (card refused), `unavailable` may work later
 * (outage, timeout, rate limit), `rejected` will not work again as sent (bad request, bad key).
 */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly kind: 'declined' | 'unavailable' | 'rejected',
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

export interface PaymentProvider {
  /** Stored in orders.provider. */
  readonly name: string;
  /** Opens the checkout; the order id is the idempotency key, so a repeat answers the same checkout. */
  createCheckout(req: CheckoutRequest): Promise<CheckoutCreated>;
  /** Verifies the raw body against its signature header and maps it; throws WebhookSignatureError. */
  parseWebhook(rawBody: Buffer, signature: string | undefined): PaymentEvent;
  /** Refunds what is left of the payment; our refund id is the idempotency key. Returns the provider's refund id. */
  refund(req: RefundRequest): Promise<string>;
}
