/**
 * The Stripe provider, through the official SDK. Checkout is a PaymentIntent (the client confirms it with
 * Stripe.js) or a hosted Checkout Session, by STRIPE_CHECKOUT. Webhooks are verified by the SDK's
 * `constructEvent` (5-minute tolerance) and mapped onto PaymentEvent. The SDK does not retry (our own
 * callers do: the client with its Idempotency-Key, the refund worker with its backoff).
 */
import Stripe from 'stripe';
import { fromStripeAmount, toStripeAmount } from '../../lib/money.js';
import {
  ProviderError,
  WebhookSignatureError,
  type CheckoutCreated,
  type CheckoutRequest,
  type EventRef,
  type PaymentEvent,
  type PaymentProvider,
  type RefundRequest,
} from './provider.js';

export const WEBHOOK_TOLERANCE_S = 300;

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  apiBase?: string;
  checkout: 'intent' | 'session';
  successUrl?: string;
  cancelUrl?: string;
  /** Given to the browser with a PaymentIntent's client secret, for Stripe.js. */
  publishableKey?: string;
  /** Seconds a hosted session stays open (Stripe allows 30 min to 24 h). */
  sessionTtlS: number;
}

/** STRIPE_API_BASE (`http://127.0.0.1:4242`) → the SDK's host, port and protocol options. */
export function stripeClientOptions(apiBase: string | undefined): {
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
} {
  if (!apiBase) return {};
  const u = new URL(apiBase);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443, protocol };
}

/** An SDK error → ProviderError (declined / unavailable / rejected). */
export function providerErrorOf(err: unknown): ProviderError {
  const e = err as { type?: string; code?: string; message?: string; statusCode?: number };
  const code = e.code ?? null;
  const message = e.message ?? 'Stripe request failed';
  switch (e.type) {
    case 'StripeCardError':
      return new ProviderError('declined', message, code);
    case 'StripeConnectionError':
    case 'StripeAPIError':
    case 'StripeRateLimitError':
    case 'StripeIdempotencyError': // another request with this key is still in flight
      return new ProviderError('unavailable', message, code);
    default:
      if ((e.statusCode ?? 0) >= 500) return new ProviderError('unavailable', message, code);
      return new ProviderError('rejected', message, code);
  }
}

/**
 * The page Stripe sends the customer back to, with `order_id` added so the app can show that order.
 * Added as text (not through URLSearchParams), so Stripe's own `{CHECKOUT_SESSION_ID}` stays as written.
 */
export function returnUrl(base: string, orderId: string): string {
  const hash = base.indexOf('#');
  const [url, fragment] = hash < 0 ? [base, ''] : [base.slice(0, hash), base.slice(hash)];
  return `${url}${url.includes('?') ? '&' : '?'}order_id=${encodeURIComponent(orderId)}${fragment}`;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
/** An expandable field: the id, or the expanded object's id. */
const idOf = (v: unknown): string | null => str(v) ?? str((v as Obj | null)?.id);
const metaOrder = (o: Obj): string | null => str((o.metadata as Obj | undefined)?.order_id);

function refOf(o: Obj): EventRef {
  switch (o.object) {
    case 'payment_intent':
      return { orderId: metaOrder(o), paymentId: str(o.id), checkoutId: null };
    case 'checkout.session':
      return {
        orderId: metaOrder(o) ?? str(o.client_reference_id),
        paymentId: idOf(o.payment_intent),
        checkoutId: str(o.id),
      };
    default: // charge, dispute: found again by their PaymentIntent
      return { orderId: metaOrder(o), paymentId: idOf(o.payment_intent), checkoutId: null };
  }
}

/** Our amount from an object's Stripe amount field, in its currency. */
function amountOf(o: Obj, field: string): { amount: number | null; currency: string | null } {
  const currency = str(o.currency)?.toUpperCase() ?? null;
  const raw = num(o[field]);
  return { amount: raw === null || currency === null ? null : fromStripeAmount(raw, currency), currency };
}

/** A verified Stripe event → what it means for an order. */
export function mapStripeEvent(event: { id: string; type: string; data: { object: unknown } }): PaymentEvent {
  const o = (event.data?.object ?? {}) as Obj;
  const base = { id: event.id, type: event.type, ref: refOf(o) };
  switch (event.type) {
    case 'payment_intent.succeeded':
      return { ...base, kind: 'paid', ...amountOf(o, 'amount_received') };
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      // a session paid by a delayed method completes unpaid; its async_payment_succeeded follows
      if (o.payment_status !== 'paid' && o.payment_status !== 'no_payment_required')
        return { ...base, kind: 'ignored' };
      return { ...base, kind: 'paid', ...amountOf(o, 'amount_total') };
    case 'payment_intent.payment_failed': {
      const last = (o.last_payment_error ?? {}) as Obj;
      const reason = str(last.decline_code) ?? str(last.code) ?? 'payment_failed';
      return { ...base, kind: 'failed', reason };
    }
    case 'checkout.session.expired':
      return { ...base, kind: 'failed', reason: 'checkout_expired' };
    case 'checkout.session.async_payment_failed':
      return { ...base, kind: 'failed', reason: 'async_payment_failed' };
    case 'charge.refunded':
      // amount_refunded is the charge's running total: repeated or late events never lower it
      return { ...base, kind: 'refunded', full: o.refunded === true, ...amountOf(o, 'amount_refunded') };
    case 'charge.dispute.created':
      return { ...base, kind: 'disputed', reason: str(o.reason) ?? 'unknown', ...amountOf(o, 'amount') };
    default:
      return { ...base, kind: 'ignored' };
  }
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(private readonly s: StripeSettings) {
    this.stripe = new Stripe(s.secretKey, {
      ...stripeClientOptions(s.apiBase),
      maxNetworkRetries: 0,
      timeout: 15_000,
      telemetry: false,
    });
  }

  async createCheckout(req: CheckoutRequest): Promise<CheckoutCreated> {
    const amount = toStripeAmount(req.amount, req.currency);
    if (amount === undefined)
      throw new ProviderError(
        'rejected',
        `${req.currency} ${req.amount} cannot be charged exactly`,
        'amount_not_chargeable',
      );
    const currency = req.currency.toLowerCase();
    const metadata = { order_id: req.orderId, user_id: req.userId };
    const opts = { idempotencyKey: req.orderId };
    try {
      if (this.s.checkout === 'intent') {
        const pi = await this.stripe.paymentIntents.create(
          { amount, currency, metadata, description: req.description },
          opts,
        );
        return {
          checkoutId: null,
          paymentId: pi.id,
          clientSecret: pi.client_secret,
          publishableKey: this.s.publishableKey ?? null,
          checkoutUrl: null,
        };
      }
      const session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency, unit_amount: amount, product_data: { name: req.description } },
            },
          ],
          client_reference_id: req.orderId,
          metadata,
          payment_intent_data: { metadata },
          success_url: returnUrl(this.s.successUrl ?? '', req.orderId),
          cancel_url: returnUrl(this.s.cancelUrl ?? '', req.orderId),
          expires_at: Math.floor(req.createdAt / 1000) + Math.min(Math.max(this.s.sessionTtlS, 1800), 86400),
        },
        opts,
      );
      return {
        checkoutId: session.id,
        paymentId: idOf(session.payment_intent),
        clientSecret: null,
        publishableKey: null,
        checkoutUrl: session.url,
      };
    } catch (err) {
      throw providerErrorOf(err);
    }
  }

  parseWebhook(rawBody: Buffer, signature: string | undefined): PaymentEvent {
    if (!signature) throw new WebhookSignatureError('No Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.s.webhookSecret,
        WEBHOOK_TOLERANCE_S,
      );
    } catch (err) {
      throw new WebhookSignatureError((err as Error).message);
    }
    return mapStripeEvent(event as unknown as { id: string; type: string; data: { object: unknown } });
  }

  async refund(req: RefundRequest): Promise<string> {
    try {
      const r = await this.stripe.refunds.create(
        {
          payment_intent: req.paymentId,
          reason: 'requested_by_customer',
          metadata: { order_id: req.orderId, refund_id: req.refundId },
        },
        { idempotencyKey: req.refundId },
      );
      return r.id;
    } catch (err) {
      throw providerErrorOf(err);
    }
  }
}
