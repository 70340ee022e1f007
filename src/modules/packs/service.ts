/**
 * Data packs: buying (see purchase.ts), reading, explicit activation, cancellation, binding to an eSIM
 * and admin grants. Every status change goes through lifecycle.ts and is written by a conditional UPDATE
 * (check and write in one statement), so a concurrent usage debit or sweep cannot slip in between.
 * Reads show the effective status at the clock: an active pack past expires_at reads as expired.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { OrderRow, PackRow, PackStatus } from '../../db/types.js';
import { conflict, notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import type { PackListCache } from '../../sessions/pack-lists.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import {
  OPEN_PACK_STATUSES,
  activationFields,
  assertPackMove,
  effectivePackStatus,
  endFields,
  statusesBefore,
} from './lifecycle.js';
import { esimsRepo } from '../esims/repository.js';
import { PurchaseService, type GrantInput, type PurchaseInput } from './purchase.js';
import { emitActivated, emitCancelled } from './events.js';
import { ordersRepo } from './orders.repository.js';
import { packsRepo } from './repository.js';
import type { PackView } from './schemas.js';

export type { GrantInput, PurchaseInput } from './purchase.js';

export interface PackListOptions {
  status?: PackStatus;
  limit: number;
  cursor?: string;
}

/** The operators' list: every owner's packs, optionally one owner's, one plan's or one eSIM's. */
export interface PackFilter extends PackListOptions {
  userId?: string;
  planId?: string;
  esimId?: string;
}

/** The view of a stored pack at `now` (its effective status). */
export function toPackView(p: PackRow, now: number): PackView {
  const status = effectivePackStatus(p, now);
  // expired on read but not yet swept: it ended at its expiry, which is what the sweep will write
  const endedAt = p.ended_at ?? (status === 'expired' && p.status !== 'expired' ? p.expires_at : null);
  return {
    id: p.id,
    user_id: p.user_id,
    plan_id: p.plan_id,
    esim_id: p.esim_id,
    name: p.name,
    total_bytes: p.total_bytes,
    used_bytes: p.used_bytes,
    remaining_bytes: Math.max(0, p.total_bytes - p.used_bytes),
    status,
    validity_days: p.validity_days,
    created_at: iso(p.created_at),
    activated_at: iso(p.activated_at),
    expires_at: iso(p.expires_at),
    ended_at: iso(endedAt),
    price_cents: p.price_cents,
    currency: p.currency,
  };
}

const packNotFound = () => notFound('Pack');

/**
 * How a cancellation gives the money of an order paid through a provider back (set by the payments
 * module): within the refund window, a refund queued in the cancelling transaction, sent after it.
 */
export interface CancelRefunds {
  windowMs: number;
  enqueue(tx: Tx, order: OrderRow, reason: string, now: number): Promise<void>;
  /** Called after the cancelling transaction committed. */
  kick(): void;
}

export class PacksService {
  private readonly purchases: PurchaseService;
  private refunds: CancelRefunds | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    /** The callers' first pages (GET /packs without a cursor or filter); none: always read. */
    private readonly lists?: PackListCache<PackRow>,
  ) {
    this.purchases = new PurchaseService(db, clock, activity);
  }

  /** The payments module's refund path for cancellations of orders paid through a provider. */
  useRefunds(refunds: CancelRefunds): void {
    this.refunds = refunds;
  }

  /** Buys a pack; `replayed` is true when an earlier request with the same Idempotency-Key made it. */
  async purchase(
    userId: string,
    input: PurchaseInput,
    idempotencyKey: string | undefined,
    meta: RequestMeta,
  ): Promise<{ pack: PackView; replayed: boolean }> {
    const { pack, replayed } = await this.purchases.purchase(userId, input, idempotencyKey, meta);
    return { pack: toPackView(pack, this.clock.now()), replayed };
  }

  /**
   * Grants a pack at price 0 (POST /admin/users/{id}/packs): of a plan (active or not) or a custom
   * allowance. 404 when the user (or plan) does not exist or the user is deleted. The input is the
   * route's, already checked against its schema (names, sizes, reason).
   */
  async grant(input: GrantInput, reason: string, meta?: RequestMeta): Promise<PackView> {
    return toPackView(await this.purchases.grant(input, reason, meta), this.clock.now());
  }

  /**
   * The caller's packs (see listAll). The first page without a status filter, which every app screen
   * asks for, comes from the pack-list cache (invalidated on every change of the user's packs).
   */
  async list(userId: string, o: PackListOptions): Promise<Page<PackView>> {
    if (!this.lists || o.status !== undefined || o.cursor !== undefined)
      return this.listAll({ ...o, userId });
    const rows = await this.lists.firstPage(userId, o.limit, (limit) =>
      packsRepo.list(this.db, { userId, now: this.clock.now(), limit }),
    );
    const now = this.clock.now();
    return toPage(rows, o.limit, (r) => toPackView(r, now));
  }

  /** Packs matching the filter, newest first; `status` is the effective status at the clock. */
  async listAll(f: PackFilter): Promise<Page<PackView>> {
    const now = this.clock.now();
    const rows = await packsRepo.list(this.db, {
      userId: f.userId,
      planId: f.planId,
      esimId: f.esimId,
      status: f.status,
      now,
      after: decodeCursor(f.cursor),
      limit: f.limit,
    });
    return toPage(rows, f.limit, (r) => toPackView(r, now));
  }

  async get(userId: string, id: string): Promise<PackView> {
    const pack = await packsRepo.findOwned(this.db, userId, id);
    if (!pack) throw packNotFound();
    return toPackView(pack, this.clock.now());
  }

  /** pending → active now: the validity clock starts (expires_at = now + validity_days). */
  async activate(userId: string, id: string, meta: RequestMeta): Promise<PackView> {
    return transaction(this.db, async (tx) => {
      const now = this.clock.now();
      const current = await this.ownedOrThrow(tx, userId, id);
      assertPackMove(effectivePackStatus(current, now), 'active');
      const updated = await packsRepo.updateIf(
        tx,
        { userId: userId, id, from: statusesBefore('active'), now },
        activationFields(now, current.validity_days),
      );
      // a usage debit activated it between our read and our write
      if (!updated) return this.refuse(tx, userId, id, 'active');
      await emitActivated(tx, updated, now);
      await this.log(tx, userId, 'pack.activated', updated, meta, { expires_at: updated.expires_at });
      return toPackView(updated, now);
    });
  }

  /**
   * → cancelled, only while not a byte is used (409 PACK_IN_USE) and the pack is pending or active at
   * the clock (409 INVALID_TRANSITION). The order, when paid, becomes refunded.
   */
  async cancel(userId: string, id: string, meta: RequestMeta): Promise<PackView> {
    const view = await transaction(this.db, async (tx) => {
      const now = this.clock.now();
      const updated = await packsRepo.updateIf(
        tx,
        { userId: userId, id, from: statusesBefore('cancelled'), now, unused: true },
        endFields('cancelled', now, now),
      );
      if (!updated) return this.refuse(tx, userId, id, 'cancelled');
      const refunded = updated.order_id ? await this.refundOnCancel(tx, updated.order_id, now) : undefined;
      await emitCancelled(tx, updated, refunded, now);
      await this.log(tx, userId, 'pack.cancelled', updated, meta, {
        order_id: updated.order_id,
        refunded_cents: updated.price_cents,
        currency: updated.currency,
      });
      return toPackView(updated, now);
    });
    this.refunds?.kick();
    return view;
  }

  /**
   * The cancelled pack's paid order becomes refunded. Paid through a provider: only within the refund
   * window (else 409 REFUND_WINDOW_PASSED, and the cancellation rolls back), and the refund is queued.
   */
  private async refundOnCancel(tx: Tx, orderId: string, now: number): Promise<OrderRow | undefined> {
    const order = await ordersRepo.lock(tx, orderId);
    if (!order || order.status !== 'paid') return undefined;
    if (order.provider !== null && order.amount_cents > 0) {
      const windowMs = this.refunds?.windowMs ?? 0;
      if (now - (order.paid_at ?? order.created_at) > windowMs) {
        throw conflict(
          'REFUND_WINDOW_PASSED',
          'This pack was paid more than the refund window ago, so cancelling it would not give the money back',
        );
      }
      await this.refunds?.enqueue(tx, order, 'cancelled by the customer', now);
    }
    return ordersRepo.move(tx, order.id, ['paid'], 'refunded', {
      refunded_cents: order.amount_cents,
      updated_at: now,
    });
  }

  /**
   * Binds the pack to one of the caller's live eSIMs (or unbinds it with null) while the pack can still
   * carry data; 404 for an eSIM that is not the caller's or deleted, 409 PACK_ENDED for a finished pack.
   */
  async bind(userId: string, id: string, esimId: string | null, meta: RequestMeta): Promise<PackView> {
    return transaction(this.db, async (tx) => {
      const now = this.clock.now();
      const current = await this.ownedOrThrow(tx, userId, id);
      if (esimId !== null && !(await esimsRepo.findLiveOwned(tx, userId, esimId))) throw notFound('eSIM');
      if (current.esim_id === esimId) return toPackView(current, now);
      const updated = await packsRepo.updateIf(
        tx,
        { userId: userId, id, from: OPEN_PACK_STATUSES, now },
        { esim_id: esimId, updated_at: now },
      );
      if (!updated) {
        throw conflict('PACK_ENDED', 'A depleted, expired or cancelled pack cannot be bound to an eSIM');
      }
      await this.log(tx, userId, esimId ? 'pack.bound' : 'pack.unbound', updated, meta, {
        esim_id: esimId,
        previous_esim_id: current.esim_id,
      });
      return toPackView(updated, now);
    });
  }

  private async ownedOrThrow(tx: Tx, userId: string, id: string): Promise<PackRow> {
    const pack = await packsRepo.findOwned(tx, userId, id);
    if (!pack) throw packNotFound();
    return pack;
  }

  /** Why a conditional move to `to` wrote nothing: unknown pack, a refused transition, or bytes used. */
  private async refuse(tx: Tx, userId: string, id: string, to: PackStatus): Promise<never> {
    const pack = await this.ownedOrThrow(tx, userId, id);
    assertPackMove(effectivePackStatus(pack, this.clock.now()), to);
    if (to === 'cancelled' && pack.used_bytes > 0) {
      throw conflict('PACK_IN_USE', 'A pack can only be cancelled while none of its data is used');
    }
    throw conflict('INVALID_TRANSITION', `A ${pack.status} pack cannot become ${to} now`);
  }

  private log(
    tx: Tx,
    actorId: string,
    action: string,
    pack: PackRow,
    meta: RequestMeta,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    return this.activity.record(tx, {
      action,
      userId: pack.user_id,
      actorId,
      targetType: 'pack',
      targetId: pack.id,
      metadata,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }
}
