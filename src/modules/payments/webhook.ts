/**
 * Applying a verified provider event, exactly once: one transaction per event stores its id first (the
 * primary key makes a redelivery, even a concurrent one, a no-op), locks the order, and moves it only from
 * the statuses the event may move it from. So events that arrive twice, at once or out of order always end
 * in one state: money received wins over a failure or an expiry (the pack is made), a refund wins over
 * everything, and nothing moves a refunded order again.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { OrderRow } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { formatAmount } from '../../lib/money.js';
import type { ActivityService } from '../activity/service.js';
import { alertsRepo } from '../alerts/repository.js';
import { PAYABLE, fulfilOrder, refundOrder } from '../packs/checkout.js';
import { ordersRepo } from '../packs/orders.repository.js';
import type { PaymentEvent } from './provider.js';
import { paymentsRepo } from './repository.js';
import { emitOrderEvent } from './emit.js';

export type WebhookOutcome =
  | 'duplicate'
  | 'ignored'
  | 'unknown_order'
  | 'paid'
  | 'already_paid'
  | 'amount_mismatch'
  | 'failed'
  | 'refunded'
  | 'partial_refund'
  | 'disputed'
  | 'stale';

/** What applying an event did, and to which order (stored on its payment_events row). */
interface Applied {
  outcome: WebhookOutcome;
  orderId: string | null;
}

/** The outcome an event of this kind has when all goes as usual. */
function usualOutcome(e: PaymentEvent): WebhookOutcome {
  switch (e.kind) {
    case 'refunded':
      return e.full ? 'refunded' : 'partial_refund';
    default:
      return e.kind;
  }
}

export class WebhookProcessor {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly provider: string,
  ) {}

  /** Applies the event once, in one transaction. */
  apply(event: PaymentEvent): Promise<WebhookOutcome> {
    return transaction(this.db, (tx) => this.applyOne(tx, event));
  }

  private async applyOne(tx: Tx, event: PaymentEvent): Promise<WebhookOutcome> {
    const now = this.clock.now();
    // stored with the outcome such an event usually has, so the usual case writes its row once; a
    // different outcome is written over it below, in the same transaction (no one sees the guess)
    const guess: Applied = {
      outcome: usualOutcome(event),
      orderId: event.kind === 'ignored' ? null : event.ref.orderId,
    };
    const fresh = await paymentsRepo.recordEvent(tx, {
      id: event.id,
      provider: this.provider,
      type: event.type,
      receivedAt: now,
      ...guess,
    });
    if (!fresh) return 'duplicate';
    const applied = event.kind === 'ignored' ? guess : await this.change(tx, event, now);
    if (applied.outcome !== guess.outcome || applied.orderId !== guess.orderId)
      await paymentsRepo.setEventOutcome(tx, event.id, applied.orderId, applied.outcome);
    return applied.outcome;
  }

  /** The order the event is about (locked), only if this provider took its payment. */
  private async orderOf(tx: Tx, e: PaymentEvent): Promise<OrderRow | undefined> {
    const order = e.ref.orderId
      ? await ordersRepo.lock(tx, e.ref.orderId)
      : await ordersRepo.lockByProviderRef(tx, e.ref);
    return order && order.provider === this.provider ? order : undefined;
  }

  private async change(tx: Tx, e: Exclude<PaymentEvent, { kind: 'ignored' }>, now: number): Promise<Applied> {
    // money received: paid in one conditional statement; the order is read only when that moved nothing
    if (e.kind === 'paid') {
      const done = await fulfilOrder(
        tx,
        { ...e.ref, provider: this.provider, amount: e.amount, currency: e.currency },
        now,
        this.activity,
      );
      if (done) {
        await emitOrderEvent(tx, 'order.paid', done.order, now, done.pack);
        return { outcome: 'paid', orderId: done.order.id };
      }
    }
    const order = await this.orderOf(tx, e);
    if (!order) return { outcome: 'unknown_order', orderId: null };
    return { outcome: await this.changeOrder(tx, e, order, now), orderId: order.id };
  }

  private async changeOrder(
    tx: Tx,
    e: Exclude<PaymentEvent, { kind: 'ignored' }>,
    order: OrderRow,
    now: number,
  ): Promise<WebhookOutcome> {
    switch (e.kind) {
      case 'paid':
        return this.notPaid(tx, e, order, now);
      case 'failed': {
        const moved = await ordersRepo.move(tx, order.id, ['pending_payment'], 'failed', {
          failure_reason: e.reason.slice(0, 200),
          updated_at: now,
        });
        return moved ? 'failed' : 'stale';
      }
      case 'refunded':
        return this.refunded(tx, e, order, now);
      case 'disputed':
        return this.disputed(tx, e, order, now);
    }
  }

  /** Money arrived for an order the conditional update did not pay: why (and the alert it calls for). */
  private async notPaid(
    tx: Tx,
    e: Extract<PaymentEvent, { kind: 'paid' }>,
    order: OrderRow,
    now: number,
  ): Promise<WebhookOutcome> {
    if (!PAYABLE.includes(order.status)) return order.status === 'paid' ? 'already_paid' : 'stale';
    if (e.amount !== null && (e.amount !== order.amount_cents || e.currency !== order.currency)) {
      await alertsRepo.raise(tx, {
        kind: 'payment.amount_mismatch',
        message:
          `Order ${order.id} was paid ${formatAmount(e.amount, e.currency ?? '?')} but costs ` +
          `${formatAmount(order.amount_cents, order.currency)}. No pack was made; please check it.`,
        refType: 'order',
        refId: order.id,
        dedupeKey: `payment.amount_mismatch:${order.id}`,
        at: now,
      });
      return 'amount_mismatch';
    }
    // payable and the right amount: it was named by another reference than the one it matched on
    const done = await fulfilOrder(
      tx,
      { ...e.ref, orderId: order.id, provider: this.provider },
      now,
      this.activity,
    );
    if (!done) return 'stale';
    await emitOrderEvent(tx, 'order.paid', done.order, now, done.pack);
    return 'paid';
  }

  /**
   * Money went back at the provider. In full (or a running total reaching the price): the order is
   * refunded and its pack cancelled if unused. In part: the order stays paid with its pack as it was, and
   * records the total refunded so far (a total already recorded, or a smaller one arriving late, is stale).
   */
  private async refunded(
    tx: Tx,
    e: Extract<PaymentEvent, { kind: 'refunded' }>,
    order: OrderRow,
    now: number,
  ): Promise<WebhookOutcome> {
    const total = e.currency === order.currency ? e.amount : null;
    if (e.full || (total !== null && total >= order.amount_cents)) {
      const done = await refundOrder(tx, order, ['paid', ...PAYABLE], now, false);
      if (!done) return 'stale';
      await this.log(tx, order, 'order.refunded', {
        pack_cancelled: done.pack !== undefined,
        by: 'provider',
      });
      await emitOrderEvent(tx, 'order.refunded', done.order, now, done.pack);
      return 'refunded';
    }
    if (total === null) {
      // no amount we can read in the order's currency: nothing to record, but say it happened
      await this.log(tx, order, 'order.partially_refunded', { refunded_cents: null });
      return 'partial_refund';
    }
    const changed = await ordersRepo.recordPartialRefund(tx, order.id, total, now);
    if (!changed) return 'stale';
    await this.log(tx, order, 'order.partially_refunded', {
      refunded_cents: total,
      amount_cents: order.amount_cents,
      currency: order.currency,
    });
    await emitOrderEvent(tx, 'order.partially_refunded', changed, now);
    return 'partial_refund';
  }

  private async disputed(
    tx: Tx,
    e: Extract<PaymentEvent, { kind: 'disputed' }>,
    order: OrderRow,
    now: number,
  ): Promise<WebhookOutcome> {
    await ordersRepo.patch(tx, order.id, { disputed: 1, updated_at: now });
    const amount = e.amount !== null && e.currency ? formatAmount(e.amount, e.currency) : 'the payment';
    await alertsRepo.raise(tx, {
      kind: 'payment.dispute',
      message: `The payer of order ${order.id} disputed ${amount} with their bank (reason: ${e.reason}). Answer it in the Stripe dashboard.`,
      refType: 'order',
      refId: order.id,
      dedupeKey: `payment.dispute:${e.id}`,
      at: now,
    });
    await this.log(tx, order, 'order.disputed', { reason: e.reason });
    return 'disputed';
  }

  private log(tx: Tx, order: OrderRow, action: string, metadata: Record<string, unknown>): Promise<void> {
    return this.activity.record(tx, {
      action,
      userId: order.user_id,
      actorId: null,
      targetType: 'order',
      targetId: order.id,
      metadata: { provider: this.provider, ...metadata },
      ip: null,
      userAgent: null,
    });
  }
}
