/**
 * How a pack comes to exist: a purchase (an order paid at once, as there is no payment provider yet, see
 * docs/payments.md) or an admin grant (an order at price 0 recording who granted it and why). Either way
 * one transaction writes the order, the pack (a copy of the plan's terms, so later plan edits never change
 * it) and the activity entry. Purchases are idempotent per (user, Idempotency-Key) for 24 hours.
 */
import { isUniqueViolation, transaction, type Db, type Executor, type Tx } from '../../db/index.js';
import type { OrderRow, PackRow } from '../../db/types.js';
import { Value } from 'typebox/value';
import { badRequest, conflict, notFound, type FieldError } from '../../errors.js';
import { DAY_MS, type Clock } from '../../lib/clock.js';
import { sha256 } from '../../lib/secrets.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { esimsRepo } from '../esims/repository.js';
import { plansRepo } from '../plans/repository.js';
import { CurrencyCode } from '../plans/schemas.js';
import { usersRepo } from '../users/repository.js';
import { emitGrant, emitSale } from './events.js';
import { orderAndPack, type Terms } from './sale.js';
import { GrantCustom, GrantFromPlan } from './schemas.js';
import { ordersRepo } from './orders.repository.js';
import { packsRepo } from './repository.js';

export interface PurchaseInput {
  planId: string;
  esimId?: string;
}

export interface Purchase {
  pack: PackRow;
  /** True when the answer is the pack an earlier request with the same key and body created. */
  replayed: boolean;
}

/** An admin grant: of a catalogue plan, or of a custom allowance. `adminId` null = the system (seed-demo). */
export type GrantInput =
  | { adminId: string | null; userId: string; planId: string }
  | {
      adminId: string | null;
      userId: string;
      name: string;
      dataBytes: number;
      validityDays: number;
      /** ISO 4217; the price is 0 whatever it is (default USD). */
      currency?: string;
    };

export const IDEMPOTENCY_WINDOW_MS = DAY_MS;

/** SHA-256 of the canonical purchase body: same fields, fixed order, absent = null. */
export function purchaseHash(input: PurchaseInput): string {
  return sha256(JSON.stringify({ plan_id: input.planId, esim_id: input.esimId ?? null }));
}

/**
 * A grant checked against the admin route's body schema (users/schemas.ts), the one statement of its
 * rules, for every caller (the route has checked it already; seed-demo and tests call the service). One
 * error per field, the reason first; a name of spaces only, which trims to nothing, is refused too.
 */
function grantErrors(input: GrantInput, reason: string): FieldError[] {
  const [schema, body] =
    'planId' in input
      ? [GrantFromPlan, { plan_id: input.planId, reason }]
      : [
          GrantCustom,
          {
            name: input.name,
            data_bytes: input.dataBytes,
            validity_days: input.validityDays,
            ...(input.currency === undefined ? {} : { currency: input.currency }),
            reason,
          },
        ];
  const byField = new Map<string, string>();
  for (const e of Value.Errors({ CurrencyCode }, schema, body)) {
    const field = `body${e.instancePath.replaceAll('/', '.')}`;
    if (!byField.has(field)) byField.set(field, e.message);
  }
  if ('name' in input && input.name.trim() === '' && !byField.has('body.name'))
    byField.set('body.name', 'must not be blank');
  const first = (f: string) => Number(f === 'body.reason');
  return [...byField].sort(([a], [b]) => first(b) - first(a)).map(([field, message]) => ({ field, message }));
}

export class PurchaseService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
  ) {}

  /**
   * Buys one pack of an active plan. With a key: the first request creates the order and the pack; a
   * later one with the same key and body (within 24 h) gets that pack back, with another body a 409.
   * Concurrent requests with one key race on the unique (user_id, idempotency_key) index: the losers'
   * inserts fail, and they answer the winner's pack, read after their own transaction has ended (on
   * PostgreSQL a failed statement aborts the transaction it ran in).
   */
  async purchase(userId: string, input: PurchaseInput, key: string | undefined, meta: RequestMeta) {
    const hash = purchaseHash(input);
    try {
      return await transaction(this.db, (tx) => this.purchaseIn(tx, userId, input, key, hash, meta));
    } catch (err) {
      if (key === undefined || !isUniqueViolation(err)) throw err;
      const winner = await ordersRepo.findByKey(this.db, userId, key);
      if (!winner) throw err;
      return this.replay(this.db, winner, hash);
    }
  }

  private async purchaseIn(
    tx: Tx,
    userId: string,
    input: PurchaseInput,
    key: string | undefined,
    hash: string,
    meta: RequestMeta,
  ): Promise<Purchase> {
    const now = this.clock.now();
    if (key !== undefined) {
      const prior = await ordersRepo.findByKey(tx, userId, key);
      // a key past its window is free again, whether or not the sweep has cleared it yet
      if (prior && prior.created_at > now - IDEMPOTENCY_WINDOW_MS) return this.replay(tx, prior, hash);
      if (prior) await ordersRepo.clearKey(tx, prior.id, now);
    }
    const plan = await plansRepo.findById(tx, input.planId);
    // an inactive plan is not for sale and, to the public, does not exist (GET /plans/{id} is a 404 too)
    if (!plan || plan.is_active !== 1) throw notFound('Plan');
    if (input.esimId !== undefined && !(await esimsRepo.findLiveOwned(tx, userId, input.esimId)))
      throw notFound('eSIM');
    const { order, pack } = orderAndPack(
      userId,
      input.esimId ?? null,
      {
        planId: plan.id,
        name: plan.name,
        totalBytes: plan.data_bytes,
        validityDays: plan.validity_days,
        priceCents: plan.price_cents,
        currency: plan.currency,
      },
      now,
      { idempotency_key: key ?? null, request_hash: key === undefined ? null : hash },
    );
    // the order first: with a key, that is the statement two concurrent requests collide on
    await ordersRepo.insert(tx, order);
    const created = await packsRepo.insert(tx, pack);
    await emitSale(tx, order, created, now);
    await this.activity.record(tx, {
      action: 'pack.purchased',
      userId,
      actorId: userId,
      targetType: 'pack',
      targetId: pack.id,
      metadata: {
        order_id: order.id,
        plan_id: plan.id,
        esim_id: pack.esim_id,
        price_cents: pack.price_cents,
        currency: pack.currency,
        idempotency_key: key !== undefined,
      },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return { pack: created, replayed: false };
  }

  private async replay(db: Executor, prior: OrderRow, hash: string): Promise<Purchase> {
    if (prior.request_hash !== hash) {
      throw conflict(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request body',
      );
    }
    const pack = prior.pack_id ? await packsRepo.findById(db, prior.pack_id) : undefined;
    if (!pack) throw new Error(`order ${prior.id} has no pack`);
    return { pack, replayed: true };
  }

  /** A pack at price 0 for `userId` (who must exist and not be deleted), with the admin and reason on its order. */
  async grant(input: GrantInput, reason: string, meta?: RequestMeta): Promise<PackRow> {
    const errors = grantErrors(input, reason);
    if (errors.length) throw badRequest('VALIDATION_FAILED', 'The grant is invalid', errors);
    return transaction(this.db, async (tx) => {
      const user = await usersRepo.findById(tx, input.userId);
      if (!user || user.status === 'deleted') throw notFound('User');
      const terms = await this.grantTerms(tx, input);
      const now = this.clock.now();
      const { order, pack } = orderAndPack(input.userId, null, terms, now, {
        granted_by: input.adminId,
        reason: reason.trim(),
      });
      await ordersRepo.insert(tx, order);
      const created = await packsRepo.insert(tx, pack);
      await emitGrant(tx, order, created, now);
      await this.activity.record(tx, {
        action: 'admin.pack_granted',
        userId: input.userId,
        actorId: input.adminId,
        targetType: 'pack',
        targetId: pack.id,
        metadata: {
          order_id: order.id,
          plan_id: terms.planId,
          name: terms.name,
          total_bytes: terms.totalBytes,
          validity_days: terms.validityDays,
          reason: order.reason,
        },
        ip: meta?.ip ?? null,
        userAgent: meta?.userAgent ?? null,
      });
      return created;
    });
  }

  /** A grant copies a plan's data and validity (any plan an admin can see, active or not) at price 0. */
  private async grantTerms(tx: Tx, input: GrantInput): Promise<Terms> {
    if (!('planId' in input)) {
      return {
        planId: null,
        name: input.name.trim(),
        totalBytes: input.dataBytes,
        validityDays: input.validityDays,
        priceCents: 0,
        currency: input.currency ?? 'USD',
      };
    }
    const plan = await plansRepo.findById(tx, input.planId);
    if (!plan) throw notFound('Plan');
    return {
      planId: plan.id,
      name: plan.name,
      totalBytes: plan.data_bytes,
      validityDays: plan.validity_days,
      priceCents: 0,
      currency: plan.currency,
    };
  }
}
