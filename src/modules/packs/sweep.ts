/**
 * The periodic expiry sweep (src/jobs.ts runs it every SWEEP_INTERVAL_S; `npm run cli -- sweep` once):
 * - active packs whose expires_at has passed become expired (ended at their expiry), one `pack.expired`
 *   event each (its consumer writes the `pack_expired` notification);
 * - active packs expiring within 24 h get one `pack.expiring` event each (and `pack_expiring` notification);
 * - idempotency keys of orders older than 24 h are freed, so a key can name a new purchase;
 * - checkouts still `pending_payment` after CHECKOUT_TTL_S (abandoned) become `expired`
 *   (`expireAbandonedCheckouts`; a payment that still arrives later makes the order paid after all).
 * Work goes in small batches, each one transaction, so a large backlog never holds a long lock. Safe to
 * run twice or on two instances at once: every UPDATE re-checks its condition and the events' dedupe
 * keys (and the unique (pack_id, type) index of notifications) make each notice once-only.
 */
import { transaction, type Db } from '../../db/index.js';
import { DAY_MS } from '../../lib/clock.js';
import { eventsRepo } from '../events/repository.js';
import { packEvent } from '../events/types.js';
import { IDEMPOTENCY_WINDOW_MS } from './purchase.js';
import { ordersRepo } from './orders.repository.js';
import { sweepRepo, type SweptPack } from './repository.js';

export interface SweepResult {
  /** Packs moved to expired. */
  expired: number;
  /** `pack_expiring` notifications recorded. */
  expiring: number;
  /** Idempotency keys freed. */
  keys_cleared: number;
}

export const SWEEP_BATCH = 500;
/** How long before expires_at the `pack_expiring` notice fires. */
export const EXPIRING_NOTICE_MS = DAY_MS;

function expiredEvent(p: SweptPack, now: number) {
  return packEvent('pack.expired', p, now, {}, `pack.expired:${p.id}`);
}

async function expireDue(db: Db, now: number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const swept = await transaction(db, async (tx) => {
      const packs = await sweepRepo.expireDue(tx, now, batch);
      await eventsRepo.emit(
        tx,
        packs.map((p) => expiredEvent(p, now)),
      );
      return packs.length;
    });
    total += swept;
    if (swept < batch) return total;
  }
}

async function noticeExpiring(db: Db, now: number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { found, inserted } = await transaction(db, async (tx) => {
      const packs = await sweepRepo.expiringUnnotified(tx, now, now + EXPIRING_NOTICE_MS, batch);
      const events = packs.map((p) => packEvent('pack.expiring', p, now, {}, `pack.expiring:${p.id}`));
      const written = await eventsRepo.emit(tx, events);
      return { found: packs.length, inserted: written.length };
    });
    total += inserted;
    // a batch in which nothing was new means another sweep got there first: stop rather than spin
    if (found < batch || inserted === 0) return total;
  }
}

/** One pass of the sweep at `now` (epoch ms, from the caller's clock). */
export async function runSweep(db: Db, now: number, batch = SWEEP_BATCH): Promise<SweepResult> {
  const expired = await expireDue(db, now, batch);
  const expiring = await noticeExpiring(db, now, batch);
  const keysCleared = await ordersRepo.clearKeysBefore(db, now - IDEMPOTENCY_WINDOW_MS, now);
  return { expired, expiring, keys_cleared: keysCleared };
}

/** Orders left `pending_payment` for longer than `ttlMs` become expired, in batches; how many. */
export async function expireAbandonedCheckouts(
  db: Db,
  now: number,
  ttlMs: number,
  batch = SWEEP_BATCH,
): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = await transaction(db, (tx) => ordersRepo.expirePending(tx, now - ttlMs, now, batch));
    total += ids.length;
    if (ids.length < batch) return total;
  }
}
