/**
 * The order flow with the SM-DP+ (SMDP_MODE=es2plus), after the eSIM row exists in `provisioning`:
 * DownloadOrder (an ICCID from our stock, or the profile type) → the ICCID is stored at once →
 * ConfirmOrder with our matching ID and `releaseFlag: true` → `released`, the activation code built
 * from the returned smdpAddress (else SMDP_ADDRESS).
 *
 * A refusal (Failed) is final: a profile already ordered is cancelled back to `Available`, the row is
 * marked deleted with the SM-DP+ status kept. No answer at all (timeout, 5xx, breaker) leaves the row in
 * `provisioning`: a retry with the same Idempotency-Key, or the reconciler, completes the order later
 * (a retried DownloadOrder answered 8.2.1/3.3 for our own stock ICCID means the first one got through).
 */
import { transaction, type Db } from '../../../db/index.js';
import type { EsimRow } from '../../../db/types.js';
import { AppError } from '../../../errors.js';
import { isFqdn } from '../../../lib/activation-code.js';
import type { Clock } from '../../../lib/clock.js';
import { sha256 } from '../../../lib/secrets.js';
import type { ActivityService } from '../../activity/service.js';
import { SYSTEM_META, moveEsim } from '../history.js';
import type { EsimActor } from '../lifecycle.js';
import { esimsRepo } from '../repository.js';
import { Es2Failure, Es2Unavailable, type Es2Client, type Es2Logger } from './client.js';
import { alertPossibleOrphan, CODE_LOST, noteLost, ORDER_NOT_SENT, type LostOrders } from './lost-orders.js';
import { es2Key, es2Problem } from './problems.js';
import type { StockService } from './stock.js';

export const SMDP_ACTOR: EsimActor = { type: 'system', id: 'es2plus' };
export interface ProvisionerOptions {
  /** The activation code's SM-DP+ address when ConfirmOrder returns none. */
  smdpAddress: string;
  reconcileAfterMs: number;
  /** Reconciler attempts before an order is given up (cancelled). */
  maxAttempts: number;
}

export interface ReconcileResult {
  completed: number;
  cancelled: number;
  pending: number;
}

export class Provisioner {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    readonly client: Es2Client,
    private readonly stock: StockService,
    private readonly log: Es2Logger,
    private readonly opts: ProvisionerOptions,
  ) {}

  private get lost(): LostOrders {
    return { db: this.db, clock: this.clock, log: this.log };
  }

  /**
   * Orders and confirms the profile of a `provisioning` row; the released row, or the problem to answer
   * (the row then either waits for the reconciler or is deleted with the SM-DP+ status).
   *
   * The ICCID DownloadOrder answers is written with the move to `released`, in one transaction after
   * ConfirmOrder, not in a commit of its own: nothing reads it in between. When ConfirmOrder gets no
   * answer it is written at once, so the retry confirms the same profile. Only a crash of this process
   * between the two calls loses it (docs/architecture.md, "Crashes and lost answers").
   */
  async complete(row: EsimRow, confirmationCode: string | null, again = false): Promise<EsimRow> {
    let r = row;
    try {
      if (r.smdp_ordered_at === null) r = await this.download(r, again);
      return await this.confirm(r, row, confirmationCode);
    } catch (err) {
      if (err instanceof Es2Failure) await this.abandon(r, `${err.fn} Failed ${es2Key(err)}`, err);
      else if (r !== row && r.smdp_ordered_at !== null) await this.keepOrdered(r);
      else if (r === row && row.smdp_ordered_at === null && !row.iccid) await noteLost(this.lost, row, err);
      throw es2Problem(err);
    }
  }

  /**
   * A retry (same Idempotency-Key) of an order with a confirmation code: the code was only in the first,
   * failed answer and is not kept, so the order is completed with `code`, a new one. A ConfirmOrder that
   * got through may hold the old code at the SM-DP+, so a profile already ordered is cancelled first and
   * ordered again (by its ICCID); the new code's hash is stored before it is sent.
   */
  async completeWithNewCode(row: EsimRow, code: string): Promise<EsimRow> {
    if (row.iccid) {
      try {
        await this.client.cancelOrder({ iccid: row.iccid, finalProfileStatusIndicator: 'Available' });
      } catch (err) {
        // a refusal means nothing is ordered under this ICCID (3.5, 3.9): ordering it again says the rest
        if (!(err instanceof Es2Failure)) throw es2Problem(err);
      }
    }
    const reset = await esimsRepo.restartOrder(this.db, row.id, sha256(code), this.clock.now());
    if (!reset) throw new AppError(409, 'ESIM_BUSY', 'The eSIM order is being completed; try again');
    return this.complete(reset, code, true);
  }

  /** DownloadOrder; the row as it is once ordered (ICCID and smdp_ordered_at), not written yet. */
  private async download(r: EsimRow, again: boolean): Promise<EsimRow> {
    const type = r.profile_type ?? undefined;
    // a row found again without an answer noted as lost: its process stopped, maybe after sending
    if (again && !r.iccid && r.smdp_status !== ORDER_NOT_SENT) await alertPossibleOrphan(this.lost, r);
    let iccid: string;
    try {
      ({ iccid } = await this.client.downloadOrder({
        ...(r.iccid ? { iccid: r.iccid } : {}),
        profileType: type,
        ...(r.eid ? { eid: r.eid } : {}),
      }));
    } catch (err) {
      // our own stock ICCID already reserved: an earlier DownloadOrder whose answer was lost got through
      if (!(r.iccid && err instanceof Es2Failure && es2Key(err) === '8.2.1/3.3')) throw err;
      iccid = r.iccid;
    }
    return { ...r, iccid, smdp_ordered_at: this.clock.now() };
  }

  /** ConfirmOrder got no answer: the ICCID is written now, so a retry confirms this same profile. */
  private async keepOrdered(r: EsimRow): Promise<void> {
    const iccid = r.iccid ?? '';
    const ordered = await esimsRepo.recordOrdered(
      this.db,
      r.id,
      iccid,
      r.smdp_ordered_at ?? this.clock.now(),
    );
    if (!ordered) await this.lostRace(r.id, iccid);
  }

  /**
   * Another completion of the same row (a retry, the reconciler) recorded its order first: when that one
   * holds another profile, ours is cancelled (the row can only hold one).
   */
  private async lostRace(esimId: string, iccid: string): Promise<EsimRow | undefined> {
    const current = await esimsRepo.findById(this.db, esimId);
    if (current && current.iccid !== iccid) await this.cancelQuietly(iccid, esimId);
    return current;
  }

  private async cancelQuietly(iccid: string, esimId: string, matchingId?: string): Promise<boolean> {
    try {
      await this.client.cancelOrder({ iccid, matchingId, finalProfileStatusIndicator: 'Available' });
      return true;
    } catch (err) {
      this.log.warn({ esim_id: esimId, iccid, err: (err as Error).message }, 'CancelOrder failed');
      return false;
    }
  }

  /** ConfirmOrder, then one transaction: ICCID (when new), address, matching ID and the move to released. */
  private async confirm(r: EsimRow, before: EsimRow, confirmationCode: string | null): Promise<EsimRow> {
    if (r.confirmation_code_hash !== null && confirmationCode === null) {
      // the plain code is not kept: an order needing it can only be confirmed by its first request
      throw new Es2Failure('confirmOrder', { subjectCode: '8.2.7', reasonCode: '2.2', message: 'lost code' });
    }
    const iccid = r.iccid ?? '';
    const res = await this.client.confirmOrder({
      iccid,
      matchingId: r.matching_id,
      releaseFlag: true,
      ...(r.eid ? { eid: r.eid } : {}),
      ...(confirmationCode ? { confirmationCode } : {}),
    });
    const address = res.smdpAddress && isFqdn(res.smdpAddress) ? res.smdpAddress : this.opts.smdpAddress;
    const recordsOrder = before.smdp_ordered_at === null;
    const released = await transaction(this.db, (tx) =>
      moveEsim(tx, this.activity, this.clock.now(), {
        esim: before,
        to: 'released',
        unordered: recordsOrder,
        set: {
          ...(recordsOrder ? { iccid, smdp_ordered_at: r.smdp_ordered_at } : {}),
          smdp_status: null,
          smdp_address: address,
          matching_id: res.matchingId || r.matching_id,
          ...(res.eid && !r.eid ? { eid: res.eid } : {}),
        },
        actor: SMDP_ACTOR,
        meta: SYSTEM_META,
      }),
    );
    if (released) return released;
    const current = await this.lostRace(r.id, iccid);
    if (current?.status === 'provisioning') {
      throw new Es2Unavailable('protocol', 'the eSIM is being completed by another request');
    }
    return current ?? r;
  }

  /** A final refusal: cancel what was ordered (best effort), give the stock back, delete the row. */
  private async abandon(r: EsimRow, status: string, cause?: Es2Failure): Promise<void> {
    let stockState: 'available' | 'unavailable' = 'available';
    if (cause && es2Key(cause) === '8.2.1/3.9') stockState = 'unavailable';
    if (r.iccid && r.smdp_ordered_at !== null && !(await this.cancelQuietly(r.iccid, r.id, r.matching_id))) {
      stockState = 'unavailable';
    }
    await transaction(this.db, async (tx) => {
      if (r.iccid) await this.stock.release(tx, r.iccid, stockState);
      await moveEsim(tx, this.activity, this.clock.now(), {
        esim: r,
        to: 'deleted',
        // a profile back in the pool may be ordered again for another eSIM: the ICCID is unique
        set: { smdp_status: status, ...(stockState === 'available' ? { iccid: null } : {}) },
        actor: SMDP_ACTOR,
        meta: SYSTEM_META,
        action: 'esim.order_failed',
      });
    });
    this.log.warn({ esim_id: r.id, iccid: r.iccid, smdp_status: status }, 'eSIM order given up');
  }

  /**
   * Deleting an eSIM: before its download the order is cancelled (`Available`: the profile goes back
   * to the pool); after it, or when the SM-DP+ says it was downloaded, only our row changes. True when
   * the profile went back to the pool: the deleted row must then let go of its ICCID (unique), which the
   * next order may get again.
   */
  async cancelBeforeDelete(r: EsimRow): Promise<boolean> {
    // without an ICCID nothing can be cancelled (an order by type whose answer never came is lost to us)
    if (!r.iccid || (r.status !== 'provisioning' && r.status !== 'released')) return false;
    let stockState: 'available' | 'unavailable' = 'available';
    try {
      await this.client.cancelOrder({
        iccid: r.iccid,
        matchingId: r.smdp_ordered_at === null ? undefined : r.matching_id,
        finalProfileStatusIndicator: 'Available',
      });
    } catch (err) {
      if (!(err instanceof Es2Failure)) throw es2Problem(err);
      // downloaded already (3.3) or unknown (3.9): the profile is not coming back; else nothing was ordered
      const key = es2Key(err);
      if (key === '8.2.1/3.3' || key === '8.2.1/3.9') stockState = 'unavailable';
      this.log.warn({ esim_id: r.id, iccid: r.iccid, status: key }, 'CancelOrder refused; deleted here only');
    }
    await this.stock.release(this.db, r.iccid, stockState);
    return stockState === 'available';
  }

  /** Rows stuck in provisioning: complete them, or after `maxAttempts` cancel them. */
  async reconcile(limit = 20): Promise<ReconcileResult> {
    const now = this.clock.now();
    const out: ReconcileResult = { completed: 0, cancelled: 0, pending: 0 };
    for (const seen of await esimsRepo.stuckProvisioning(this.db, now - this.opts.reconcileAfterMs, limit)) {
      const r = await esimsRepo.claim(this.db, seen, now);
      if (!r) continue;
      try {
        if (r.provision_attempts > this.opts.maxAttempts) {
          await this.abandon(r, 'given up by the reconciler');
          out.cancelled += 1;
          continue;
        }
        if (r.confirmation_code_hash !== null) {
          // the code was only in the failed answer: a profile completed here could never be installed
          await this.abandon(r, CODE_LOST);
          out.cancelled += 1;
          continue;
        }
        await this.complete(r, null, true);
        out.completed += 1;
      } catch (err) {
        const after = await esimsRepo.findById(this.db, r.id);
        if (after?.status === 'deleted') out.cancelled += 1;
        else out.pending += 1;
        this.log.warn({ esim_id: r.id, err: (err as Error).message }, 'reconcile: order not completed yet');
      }
    }
    return out;
  }
}
