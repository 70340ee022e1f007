/**
 * eSIM rules: issuing (identifiers, the per-user limit, the optional confirmation code), the owner's
 * reads and edits, and every lifecycle move with its history row and activity entry in one transaction.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { Updateable } from 'kysely';
import type { EsimRow, EsimStatus, EsimsTable } from '../../db/types.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { isFqdn } from '../../lib/activation-code.js';
import type { Clock } from '../../lib/clock.js';
import { isValidEid } from '../../lib/eid.js';
import { generateIccid } from '../../lib/iccid.js';
import { generateMatchingId } from '../../lib/matching-id.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { CallbackHandler } from './es2plus/callbacks.js';
import type { Provisioner } from './es2plus/provisioner.js';
import { StockService } from './es2plus/stock.js';
import { moveEsim } from './history.js';
import { EsimIssuer } from './issuing.js';
import { assertEsimMove, type EsimActor } from './lifecycle.js';
import { esimsRepo } from './repository.js';
import type { EsimCreatedView, EsimEventView, EsimView } from './schemas.js';
import { activationCodeOf, toEsimEventView, toEsimView } from './views.js';

export interface EsimSearch {
  userId?: string;
  status?: EsimStatus;
  iccid?: string;
  limit: number;
  cursor?: string;
}

export interface EsimsOptions {
  smdpAddress: string;
  iccidPrefix: string;
  limitPerUser: number;
  confirmationCode: boolean;
  /** Identifier sources; tests replace them to force a collision. */
  newIccid?: () => string;
  newMatchingId?: () => string;
  /** SMDP_MODE=es2plus: profiles are ordered from the SM-DP+ (src/modules/esims/es2plus). */
  es2?: { provisioner: Provisioner; stock: StockService; profileType: string; callbacks: CallbackHandler };
}

function assertEid(eid: string): void {
  if (!isValidEid(eid)) {
    throw badRequest('INVALID_EID', 'The EID fails its check digits', [
      { field: 'body.eid', message: 'fails the ISO 7064 mod 97-10 check' },
    ]);
  }
}

/** Labels are kept trimmed; an absent or blank one is no label. */
const labelOf = (label: string | null | undefined): string | null => label?.trim() || null;

export class EsimsService {
  private readonly issuer: EsimIssuer;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly opts: EsimsOptions,
    /** The operators' profile stock (its admin routes work in both modes). */
    readonly stock: StockService = new StockService(db, clock, { defaultLowWater: 10 }),
  ) {
    // config validates the pattern too; the activation code builder relies on it
    if (!isFqdn(opts.smdpAddress)) throw new Error(`SMDP_ADDRESS is not an FQDN: ${opts.smdpAddress}`);
    this.issuer = new EsimIssuer(db, clock, activity, {
      smdpAddress: opts.smdpAddress,
      limitPerUser: opts.limitPerUser,
      confirmationCode: opts.confirmationCode,
      newIccid: opts.newIccid ?? (() => generateIccid(opts.iccidPrefix)),
      newMatchingId: opts.newMatchingId ?? (() => generateMatchingId()),
      es2: opts.es2,
    });
  }

  /**
   * A new eSIM for `userId` (see issuing.ts). The plain confirmation code, when one is required, is in
   * this answer only: it is never stored or shown again. `replayed`: an Idempotency-Key repeat.
   */
  async issue(
    userId: string,
    labelInput: string | null | undefined,
    meta: RequestMeta,
    idempotencyKey?: string,
    eid?: string,
  ): Promise<EsimCreatedView & { replayed?: boolean }> {
    if (eid !== undefined) assertEid(eid);
    const input = { label: labelOf(labelInput), eid: eid ?? null };
    const r = await this.issuer.issue(userId, input, idempotencyKey, meta);
    const view = toEsimView(r.esim);
    const out = r.confirmationCode === null ? view : { ...view, confirmation_code: r.confirmationCode };
    return r.replayed ? { ...out, replayed: true } : out;
  }

  /** SMDP_MODE=es2plus only: the order flow, its reconciler and the SM-DP+ callbacks. */
  get es2plus(): EsimsOptions['es2'] {
    return this.opts.es2;
  }

  async list(
    userId: string,
    q: { status?: EsimStatus; limit: number; cursor?: string },
  ): Promise<Page<EsimView>> {
    const before = decodeCursor(q.cursor);
    const rows = await esimsRepo.list(this.db, { userId, status: q.status, before, limit: q.limit });
    return toPage(rows, q.limit, toEsimView);
  }

  /** Operators: everyone's eSIMs, newest first, filtered by owner, status and ICCID. */
  async search(s: EsimSearch): Promise<Page<EsimView>> {
    const rows = await esimsRepo.search(this.db, {
      userId: s.userId,
      status: s.status,
      iccid: s.iccid,
      before: decodeCursor(s.cursor),
      limit: s.limit,
    });
    return toPage(rows, s.limit, toEsimView);
  }

  /** The caller's eSIM; another user's answers 404 exactly like a missing one. */
  async get(userId: string, id: string): Promise<EsimView> {
    return toEsimView(await this.owned(userId, id));
  }

  async rename(userId: string, id: string, labelInput: string | null, meta: RequestMeta): Promise<EsimView> {
    const label = labelOf(labelInput);
    return transaction(this.db, async (tx) => {
      const esim = await esimsRepo.findOwned(tx, userId, id);
      if (!esim) throw notFound('eSIM');
      if (esim.status === 'deleted') throw conflict('ESIM_DELETED', 'A deleted eSIM cannot be renamed');
      const updated = (await esimsRepo.updateLabel(tx, id, label, this.clock.now())) ?? esim;
      await this.activity.record(tx, {
        action: 'esim.updated',
        userId,
        actorId: userId,
        targetType: 'esim',
        targetId: id,
        metadata: { fields: ['label'] },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return toEsimView(updated);
    });
  }

  /** The owner deletes: the row stays (its packs keep their history), its status becomes `deleted`. */
  async remove(userId: string, id: string, meta: RequestMeta): Promise<EsimView> {
    const before = await this.owned(userId, id);
    // es2plus: an order not downloaded yet is cancelled at the SM-DP+ first (a 502/503/504 keeps the eSIM)
    const freed =
      before.status !== 'deleted' && (await this.opts.es2?.provisioner.cancelBeforeDelete(before)) === true;
    return transaction(this.db, async (tx) => {
      const esim = await esimsRepo.findOwned(tx, userId, id);
      if (!esim) throw notFound('eSIM');
      // a profile back in the SM-DP+'s pool may be ordered again for another eSIM: the ICCID is unique
      const set = freed ? { iccid: null } : {};
      return toEsimView(await this.move(tx, esim, 'deleted', { type: 'user', id: userId }, meta, set));
    });
  }

  /** A status the network (an API key) or an operator reports, with the eUICC's EID when known. */
  async report(
    id: string,
    to: EsimStatus,
    eid: string | undefined,
    actor: EsimActor,
    meta: RequestMeta,
  ): Promise<EsimView> {
    if (eid !== undefined) assertEid(eid);
    return transaction(this.db, async (tx) => {
      const esim = await esimsRepo.findById(tx, id);
      if (!esim) throw notFound('eSIM');
      if (eid !== undefined && esim.eid !== null && esim.eid !== eid) {
        throw conflict('EID_MISMATCH', 'The eSIM is already bound to another EID');
      }
      return toEsimView(await this.move(tx, esim, to, actor, meta, eid !== undefined ? { eid } : {}));
    });
  }

  async events(
    userId: string,
    id: string,
    q: { limit: number; cursor?: string },
  ): Promise<Page<EsimEventView>> {
    const before = decodeCursor(q.cursor);
    await this.owned(userId, id);
    const rows = await esimsRepo.listEvents(this.db, id, q.limit, before);
    return toPage(rows, q.limit, toEsimEventView);
  }

  /** The QR payload of the caller's eSIM; a deleted eSIM has none to show (409 ESIM_DELETED). */
  async qrPayload(userId: string, id: string): Promise<string> {
    const esim = await this.owned(userId, id);
    if (esim.status === 'deleted') throw conflict('ESIM_DELETED', 'A deleted eSIM has no activation QR code');
    return activationCodeOf(esim);
  }

  private async owned(userId: string, id: string): Promise<EsimRow> {
    const esim = await esimsRepo.findOwned(this.db, userId, id);
    if (!esim) throw notFound('eSIM');
    return esim;
  }

  /** One state-machine move: checked against the table, applied only from the state it was read in. */
  private async move(
    tx: Tx,
    esim: EsimRow,
    to: EsimStatus,
    actor: EsimActor,
    meta: RequestMeta,
    set: Updateable<EsimsTable> = {},
  ): Promise<EsimRow> {
    assertEsimMove(esim.status, to);
    const moved = await moveEsim(tx, this.activity, this.clock.now(), {
      esim,
      to,
      set,
      actor,
      meta,
    });
    // another move from the same state committed first
    if (!moved) throw conflict('INVALID_TRANSITION', `The eSIM is no longer ${esim.status}`);
    return moved;
  }
}
