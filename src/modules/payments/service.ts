/**
 * Payments: checkout through a provider, the customer's and the operators' order lists, operator refunds
 * and the provider's webhooks. Orders and packs belong to the packs module, which this one calls
 * (packs/checkout.ts, packs/orders.repository.ts); this module owns payment_events and refund_outbox.
 *
 * A checkout is three steps, so no transaction is held open across the provider call: (1) one transaction
 * writes the order `pending_payment` (or finds the earlier one with the same Idempotency-Key); (2) the
 * provider is asked for a payment with the order id as its idempotency key (a repeat answers the same
 * payment); (3) the provider's ids are stored on the order. If (2) fails, the order written in (1) is
 * removed again: nothing is half-written, and the client may retry with the same key.
 */
import { isUniqueViolation, transaction, type Db } from '../../db/index.js';
import type { OrderRow, OrderStatus } from '../../db/types.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { openCheckout, refundOrder } from '../packs/checkout.js';
import { ordersRepo } from '../packs/orders.repository.js';
import { purchaseHash, type PurchaseInput } from '../packs/purchase.js';
import { packsRepo } from '../packs/repository.js';
import type { CheckoutView, OrderView } from '../packs/schemas.js';
import { toPackView, type PacksService } from '../packs/service.js';
import { emitOrderEvent } from './emit.js';
import {
  ProviderError,
  WebhookSignatureError,
  type CheckoutCreated,
  type PaymentEvent,
  type PaymentProvider,
} from './provider.js';
import type { RefundOutbox } from './refunds.js';
import { problemOf, toOrderView } from './views.js';
import { WebhookProcessor, type WebhookOutcome } from './webhook.js';

export interface OrderFilter {
  userId?: string;
  status?: OrderStatus;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

/** POST /packs with a provider: 202 while the payment is awaited, 201 when a pack exists (free or paid). */
export type CheckoutResult =
  | { status: 202 | 200; body: CheckoutView; replayed: boolean }
  | { status: 201; pack: ReturnType<typeof toPackView>; replayed: boolean };

export class PaymentsService {
  readonly webhooks: WebhookProcessor | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly packs: PacksService,
    readonly refunds: RefundOutbox,
    readonly provider: PaymentProvider | undefined,
    private readonly onWebhook: (outcome: WebhookOutcome) => void = () => undefined,
  ) {
    this.webhooks = provider ? new WebhookProcessor(db, clock, activity, provider.name) : undefined;
  }

  /** True when purchases go through a provider (PAYMENT_PROVIDER is not `none`). */
  get enabled(): boolean {
    return this.provider !== undefined;
  }

  async checkout(
    userId: string,
    input: PurchaseInput,
    key: string | undefined,
    meta: RequestMeta,
  ): Promise<CheckoutResult> {
    const provider = this.provider;
    if (!provider) throw new Error('checkout without a payment provider');
    const hash = purchaseHash(input);
    const base = { userId, planId: input.planId, esimId: input.esimId, key, hash, provider: provider.name };
    let opened: Awaited<ReturnType<typeof openCheckout>>;
    try {
      opened = await transaction(this.db, (tx) => openCheckout(tx, { ...base, now: this.clock.now() }));
    } catch (err) {
      // a concurrent request with the same key won the unique index: answer its order
      if (key === undefined || !isUniqueViolation(err)) throw err;
      opened = await transaction(this.db, (tx) => openCheckout(tx, { ...base, now: this.clock.now() }));
    }
    if (opened === 'free') {
      const { pack, replayed } = await this.packs.purchase(userId, input, key, meta);
      return { status: 201, pack, replayed };
    }
    const { order, replayed } = opened;
    if (order.status !== 'pending_payment') return { status: 200, body: await this.settled(order), replayed };
    const created = await this.openAtProvider(provider, order, replayed);
    const current = await this.attach(order, created);
    return {
      status: current.status === 'pending_payment' ? 202 : 200,
      body: {
        ...(current.status === 'pending_payment'
          ? { order: toOrderView(current), pack: null }
          : await this.settled(current)),
        client_secret: current.status === 'pending_payment' ? created.clientSecret : null,
        publishable_key: current.status === 'pending_payment' ? created.publishableKey : null,
        checkout_url: current.status === 'pending_payment' ? created.checkoutUrl : null,
      },
      replayed,
    };
  }

  /** Asks the provider; on failure a new order is removed again and the failure becomes a problem. */
  private async openAtProvider(
    provider: PaymentProvider,
    order: OrderRow,
    replayed: boolean,
  ): Promise<CheckoutCreated> {
    try {
      return await provider.createCheckout({
        orderId: order.id,
        userId: order.user_id,
        amount: order.amount_cents,
        currency: order.currency,
        description: order.pack_name ?? 'Data pack',
        createdAt: order.created_at,
      });
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (!replayed) await transaction(this.db, (tx) => ordersRepo.deleteUnopened(tx, order.id));
      throw problemOf(err);
    }
  }

  /** Stores the provider's ids on the order (once); the order as it now stands. */
  private async attach(order: OrderRow, created: CheckoutCreated): Promise<OrderRow> {
    return transaction(this.db, async (tx) => {
      const current = await ordersRepo.lock(tx, order.id);
      // a concurrent request with the same key saw the provider fail and removed the order: retry
      if (!current) throw problemOf(new ProviderError('unavailable', 'checkout removed concurrently'));
      const patch = {
        ...(current.provider_payment_id === null && created.paymentId
          ? { provider_payment_id: created.paymentId }
          : {}),
        ...(current.provider_checkout_id === null && created.checkoutId
          ? { provider_checkout_id: created.checkoutId }
          : {}),
      };
      if (Object.keys(patch).length === 0) return current;
      await ordersRepo.patch(tx, order.id, { ...patch, updated_at: this.clock.now() });
      return { ...current, ...patch };
    });
  }

  /** An order no longer awaiting payment, with its pack when it has one. */
  private async settled(order: OrderRow): Promise<CheckoutView> {
    const pack = order.pack_id ? await packsRepo.findById(this.db, order.pack_id) : undefined;
    return {
      order: toOrderView(order),
      pack: pack ? toPackView(pack, this.clock.now()) : null,
      client_secret: null,
      publishable_key: null,
      checkout_url: null,
    };
  }

  /** The caller's orders (see listAll). */
  list(userId: string, f: Omit<OrderFilter, 'userId'>): Promise<Page<OrderView>> {
    return this.listAll({ ...f, userId });
  }

  async listAll(f: OrderFilter): Promise<Page<OrderView>> {
    const rows = await ordersRepo.list(this.db, { ...f, after: decodeCursor(f.cursor) });
    return toPage(rows, f.limit, toOrderView);
  }

  /** One of the caller's orders; another user's is a 404 like a missing one. */
  async get(userId: string, id: string): Promise<OrderView> {
    const order = await ordersRepo.findOwned(this.db, userId, id);
    if (!order) throw notFound('Order');
    return toOrderView(order);
  }

  /**
   * An operator refunds a paid order, whatever its pack's use: the order becomes refunded, its open pack
   * cancelled, and the money queued back to the payer (sent after the commit by the refund outbox).
   */
  async adminRefund(adminId: string, id: string, reason: string, meta: RequestMeta): Promise<OrderView> {
    const order = await transaction(this.db, async (tx) => {
      const now = this.clock.now();
      const current = await ordersRepo.lock(tx, id);
      if (!current) throw notFound('Order');
      if (current.amount_cents === 0)
        throw conflict('NOTHING_TO_REFUND', 'A free or granted order has no payment to refund');
      const done = await refundOrder(tx, current, ['paid'], now, true);
      if (!done) throw conflict('ORDER_NOT_REFUNDABLE', `A ${current.status} order cannot be refunded`);
      await this.refunds.enqueue(tx, current, reason.trim(), now);
      await this.activity.record(tx, {
        action: 'admin.order_refunded',
        userId: current.user_id,
        actorId: adminId,
        targetType: 'order',
        targetId: current.id,
        metadata: {
          reason: reason.trim(),
          amount_cents: current.amount_cents,
          currency: current.currency,
          pack_cancelled: done.pack !== undefined,
        },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      await emitOrderEvent(tx, 'order.refunded', done.order, now, done.pack);
      return done.order;
    });
    this.refunds.kick();
    return toOrderView(order);
  }

  /** A webhook's raw body and signature header: verified, then applied once. */
  async webhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
    if (!this.provider || !this.webhooks) throw notFound('Payment provider');
    let event: PaymentEvent;
    try {
      event = this.provider.parseWebhook(rawBody, signature);
    } catch (err) {
      if (!(err instanceof WebhookSignatureError)) throw err;
      throw badRequest('INVALID_SIGNATURE', `The webhook signature does not verify: ${err.message}`, [
        { field: 'headers.stripe-signature', message: 'missing, forged or older than 5 minutes' },
      ]);
    }
    const outcome = await this.webhooks.apply(event);
    this.onWebhook(outcome);
    return outcome;
  }
}
