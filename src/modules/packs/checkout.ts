/**
 * Orders paid through a provider, the packs module's side (it owns orders and packs): opening a checkout
 * (an order `pending_payment` with the plan's terms and price copied onto it, no pack yet), making the
 * pack when the money has arrived (the same pack a purchase paid at once makes, from the order's terms),
 * and refunding. The payments module calls these inside its own transactions; they hold no provider code.
 */
import type { Tx } from '../../db/index.js';
import type { OrderRow, OrderStatus, PackRow } from '../../db/types.js';
import { conflict, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { ActivityService } from '../activity/service.js';
import { esimsRepo } from '../esims/repository.js';
import { plansRepo } from '../plans/repository.js';
import { endFields, statusesBefore } from './lifecycle.js';
import { ordersRepo, type OrderMatch } from './orders.repository.js';
import { IDEMPOTENCY_WINDOW_MS } from './purchase.js';
import { packsRepo } from './repository.js';
import { NO_PROVIDER, packFor, type Terms } from './sale.js';

export interface CheckoutInput {
  userId: string;
  planId: string;
  esimId?: string;
  key?: string;
  /** purchaseHash() of the body, compared on a replay. */
  hash: string;
  provider: string;
  now: number;
}

/** The statuses from which money arriving makes an order paid (a late payment still counts). */
export const PAYABLE: readonly OrderStatus[] = ['pending_payment', 'failed', 'expired'];

function termsOf(order: OrderRow): Terms {
  if (order.pack_name === null || order.data_bytes === null || order.validity_days === null)
    throw new Error(`order ${order.id} carries no pack terms`);
  return {
    planId: order.plan_id,
    name: order.pack_name,
    totalBytes: order.data_bytes,
    validityDays: order.validity_days,
    priceCents: order.amount_cents,
    currency: order.currency,
  };
}

/**
 * The order of this checkout: the earlier one with the same Idempotency-Key (within 24 h, same body, else
 * 409), or a new `pending_payment` order. 'free' when the plan costs nothing (no payment to take).
 */
export async function openCheckout(
  tx: Tx,
  i: CheckoutInput,
): Promise<{ order: OrderRow; replayed: boolean } | 'free'> {
  if (i.key !== undefined) {
    const prior = await ordersRepo.findByKey(tx, i.userId, i.key);
    if (prior && prior.created_at > i.now - IDEMPOTENCY_WINDOW_MS) {
      if (prior.request_hash !== i.hash)
        throw conflict(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used with a different request body',
        );
      return { order: prior, replayed: true };
    }
    if (prior) await ordersRepo.clearKey(tx, prior.id, i.now);
  }
  const plan = await plansRepo.findById(tx, i.planId);
  if (!plan || plan.is_active !== 1) throw notFound('Plan');
  if (i.esimId !== undefined && !(await esimsRepo.findLiveOwned(tx, i.userId, i.esimId)))
    throw notFound('eSIM');
  if (plan.price_cents === 0) return 'free';
  const order: OrderRow = {
    id: newId(),
    user_id: i.userId,
    plan_id: plan.id,
    status: 'pending_payment',
    amount_cents: plan.price_cents,
    currency: plan.currency,
    idempotency_key: i.key ?? null,
    request_hash: i.key === undefined ? null : i.hash,
    pack_id: null,
    granted_by: null,
    reason: null,
    created_at: i.now,
    updated_at: i.now,
    ...NO_PROVIDER,
    provider: i.provider,
    esim_id: i.esimId ?? null,
    pack_name: plan.name,
    data_bytes: plan.data_bytes,
    validity_days: plan.validity_days,
    paid_at: null,
  };
  await ordersRepo.insert(tx, order);
  return { order, replayed: false };
}

/**
 * The money of the order `m` names arrived: in one conditional UPDATE (no read first) the order becomes
 * paid, if it is payable, and its pack is made from the order's terms (bound to the eSIM chosen at checkout
 * while that eSIM is still live), with the same activity entry as a purchase. Undefined when no payable
 * order matched (unknown, another provider's, another amount, already paid or refunded): the caller reads
 * the order to tell which.
 */
export async function fulfilOrder(
  tx: Tx,
  m: OrderMatch,
  now: number,
  activity: ActivityService,
): Promise<{ order: OrderRow; pack: PackRow } | undefined> {
  const packId = newId();
  const order = await ordersRepo.moveMatching(
    tx,
    m,
    PAYABLE,
    'paid',
    { pack_id: packId, paid_at: now, updated_at: now, failure_reason: null },
    m.paymentId,
  );
  if (!order) return undefined;
  const esimLive =
    order.esim_id !== null && (await esimsRepo.findLiveOwned(tx, order.user_id, order.esim_id));
  const pack = { ...packFor(order, termsOf(order), esimLive ? order.esim_id : null, now), id: packId };
  const created = await packsRepo.insert(tx, pack);
  await activity.record(tx, {
    action: 'pack.purchased',
    userId: order.user_id,
    actorId: order.user_id,
    targetType: 'pack',
    targetId: pack.id,
    metadata: {
      order_id: order.id,
      plan_id: order.plan_id,
      esim_id: pack.esim_id,
      price_cents: pack.price_cents,
      currency: pack.currency,
      provider: order.provider,
      idempotency_key: order.idempotency_key !== null,
    },
    ip: null,
    userAgent: null,
  });
  return { order, pack: created };
}

/**
 * The order becomes refunded (from one of `from`) and its pack, while open, cancelled: only while unused
 * unless `evenIfUsed` (an operator's refund ends the service it paid for). Undefined when the order was
 * not in one of `from`.
 */
export async function refundOrder(
  tx: Tx,
  order: OrderRow,
  from: readonly OrderStatus[],
  now: number,
  evenIfUsed: boolean,
): Promise<{ order: OrderRow; pack: PackRow | undefined } | undefined> {
  const refunded = await ordersRepo.move(tx, order.id, from, 'refunded', {
    refunded_cents: order.amount_cents,
    updated_at: now,
  });
  if (!refunded) return undefined;
  const pack = order.pack_id
    ? await packsRepo.updateIf(
        tx,
        {
          userId: order.user_id,
          id: order.pack_id,
          from: statusesBefore('cancelled'),
          now,
          unused: !evenIfUsed,
        },
        endFields('cancelled', now, now),
      )
    : undefined;
  return { order: refunded, pack };
}
