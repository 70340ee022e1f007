/**
 * The refund outbox. A refund is a row written in the transaction that cancels the pack or refunds the
 * order, and sent to the provider only after that transaction committed: a provider outage never rolls a
 * cancellation back. The row id is the provider's idempotency key, so a send repeated after a crash (or by
 * two instances) still refunds once. Failures the provider may get over are retried with exponential
 * backoff; after MAX_ATTEMPTS, or a refusal that will not change, the row is given up and an admin alert
 * raised.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { OrderRow, RefundOutboxRow } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { formatAmount } from '../../lib/money.js';
import { alertsRepo } from '../alerts/repository.js';
import type { PaymentProvider } from './provider.js';
import { ProviderError } from './provider.js';
import { paymentsRepo } from './repository.js';

export const MAX_ATTEMPTS = 8;
/** How long one attempt holds its row (longer than the SDK's timeout). */
export const LEASE_MS = 60_000;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 3_600_000;

/** The wait after the n-th failed attempt: 30 s, 1 min, 2 min ... at most 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

/** Provider codes that mean the money is back already: the refund is done, not failed. */
const ALREADY_REFUNDED = new Set(['charge_already_refunded']);

export type RefundAttempt = 'sent' | 'retry' | 'failed' | 'skipped';

export class RefundOutbox {
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider | undefined,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** Queues the refund of what the order still holds, in the caller's transaction (once per order). */
  async enqueue(tx: Tx, order: OrderRow, reason: string, now: number): Promise<void> {
    // what the payer has not had back yet (a partial refund at the provider already returned the rest)
    const owed = order.amount_cents - order.refunded_cents;
    if (!order.provider || owed <= 0) return;
    if (!order.provider_payment_id) {
      // paid, but the provider never told us which payment: the money must go back by hand
      await alertsRepo.raise(tx, {
        kind: 'payment.refund_failed',
        message:
          `Order ${order.id} was refunded here, but its ${order.provider} payment is unknown, so ` +
          `${formatAmount(owed, order.currency)} must be refunded in the provider's dashboard.`,
        refType: 'order',
        refId: order.id,
        dedupeKey: `payment.refund_unknown_payment:${order.id}`,
        at: now,
      });
      return;
    }
    await paymentsRepo.enqueueRefund(tx, {
      id: newId(now),
      orderId: order.id,
      provider: order.provider,
      paymentId: order.provider_payment_id,
      amount: owed,
      currency: order.currency,
      reason,
      now,
    });
  }

  /** Sends what is due now, in the background (after a commit); one pass at a time per process. */
  kick(): void {
    if (this.running || !this.provider) return;
    this.running = this.runOnce()
      .then(() => undefined)
      .catch((err: Error) => this.onError(err))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when the background pass started by kick() (if any) has ended. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** One pass: every refund due at the clock, each attempted once. The outcome per row id. */
  async runOnce(limit = 50): Promise<Map<string, RefundAttempt>> {
    const out = new Map<string, RefundAttempt>();
    if (!this.provider) return out;
    for (const id of await paymentsRepo.dueRefunds(this.db, this.clock.now(), limit)) {
      out.set(id, await this.attempt(id));
    }
    return out;
  }

  private async attempt(id: string): Promise<RefundAttempt> {
    const provider = this.provider;
    const row = await paymentsRepo.claimRefund(this.db, id, this.clock.now(), LEASE_MS);
    if (!row || !provider || row.provider !== provider.name) return 'skipped';
    try {
      const refundId = await provider.refund({
        refundId: row.id,
        orderId: row.order_id,
        paymentId: row.payment_id,
        amount: row.amount,
        currency: row.currency,
      });
      await paymentsRepo.refundSent(this.db, row.id, refundId, this.clock.now());
      return 'sent';
    } catch (err) {
      const e = err instanceof ProviderError ? err : new ProviderError('unavailable', (err as Error).message);
      if (e.code && ALREADY_REFUNDED.has(e.code)) {
        await paymentsRepo.refundSent(this.db, row.id, `already:${e.code}`, this.clock.now());
        return 'sent';
      }
      const message = `${e.kind}${e.code ? ` (${e.code})` : ''}: ${e.message}`;
      if (e.kind === 'unavailable' && row.attempts < MAX_ATTEMPTS) {
        const now = this.clock.now();
        await paymentsRepo.refundRetry(this.db, row.id, now + backoffMs(row.attempts), message, now);
        return 'retry';
      }
      await this.giveUp(row, message);
      return 'failed';
    }
  }

  private async giveUp(row: RefundOutboxRow, message: string): Promise<void> {
    await transaction(this.db, async (tx) => {
      const now = this.clock.now();
      if (!(await paymentsRepo.refundFailed(tx, row.id, message, now))) return;
      await alertsRepo.raise(tx, {
        kind: 'payment.refund_failed',
        message:
          `The refund of ${formatAmount(row.amount, row.currency)} for order ${row.order_id} could not be sent ` +
          `after ${row.attempts} attempt(s) (${message.slice(0, 300)}). Refund it in the provider's dashboard.`,
        refType: 'order',
        refId: row.order_id,
        dedupeKey: `payment.refund_failed:${row.id}`,
        at: now,
      });
    });
  }
}
