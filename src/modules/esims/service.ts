/**
 * eSIM rules: issuing (identifiers, the per-user limit, the optional confirmation code), the owner's
 * reads and edits, and every lifecycle move with its history row and activity entry in one transaction.
 */
import { randomInt } from 'node:crypto';
import { isUniqueViolation, transaction, type Db, type Tx } from '../../db/index.js';
import type { EsimRow, EsimStatus } from '../../db/types.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { isFqdn } from '../../lib/activation-code.js';
import type { Clock } from '../../lib/clock.js';
import { isValidEid } from '../../lib/eid.js';
import { generateIccid } from '../../lib/iccid.js';
import { newId } from '../../lib/ids.js';
import { generateMatchingId } from '../../lib/matching-id.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { sha256 } from '../../lib/secrets.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { eventsRepo } from '../events/repository.js';
import { esimEvent } from '../events/types.js';
import { usersRepo } from '../users/repository.js';
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
}

const ISSUE_ATTEMPTS = 5;
/** Labels are kept trimmed; an absent or blank one is no label. */
const labelOf = (label: string | null | undefined): string | null => label?.trim() || null;
const CONFIRMATION_CODE_DIGITS = 8;

export class EsimsService {
  private readonly newIccid: () => string;
  private readonly newMatchingId: () => string;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly opts: EsimsOptions,
  ) {
    // config validates the pattern too; the activation code builder relies on it
    if (!isFqdn(opts.smdpAddress)) throw new Error(`SMDP_ADDRESS is not an FQDN: ${opts.smdpAddress}`);
    this.newIccid = opts.newIccid ?? (() => generateIccid(opts.iccidPrefix));
    this.newMatchingId = opts.newMatchingId ?? (() => generateMatchingId());
  }

  /**
   * A new eSIM for `userId`; a rare ICCID or matching-ID collision is retried with fresh identifiers. The
   * plain confirmation code, when one is required, is in this answer only: it is never stored or shown again.
   */
  async issue(
    userId: string,
    labelInput: string | null | undefined,
    meta: RequestMeta,
  ): Promise<EsimCreatedView> {
    const label = labelOf(labelInput);
    for (let attempt = 1; ; attempt++) {
      try {
        const { esim, confirmationCode } = await transaction(this.db, (tx) =>
          this.issueIn(tx, userId, label, meta),
        );
        const view = toEsimView(esim);
        return confirmationCode === null ? view : { ...view, confirmation_code: confirmationCode };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= ISSUE_ATTEMPTS) throw err;
      }
    }
  }

  private async issueIn(
    tx: Tx,
    userId: string,
    label: string | null,
    meta: RequestMeta,
  ): Promise<{ esim: EsimRow; confirmationCode: string | null }> {
    // the owner's row is locked until the transaction ends, so concurrent issues for one user count and
    // insert one after another (on SQLite the transaction's write lock serialises them already)
    await usersRepo.findForUpdate(tx, userId);
    const live = await esimsRepo.countLive(tx, userId);
    if (live >= this.opts.limitPerUser) {
      throw conflict(
        'ESIM_LIMIT',
        `At most ${this.opts.limitPerUser} eSIMs per account (deleted ones do not count)`,
      );
    }
    const now = this.clock.now();
    const confirmationCode = this.opts.confirmationCode
      ? String(randomInt(10 ** CONFIRMATION_CODE_DIGITS)).padStart(CONFIRMATION_CODE_DIGITS, '0')
      : null;
    const esim = await esimsRepo.insert(tx, {
      id: newId(),
      user_id: userId,
      label,
      iccid: this.newIccid(),
      eid: null,
      status: 'released',
      smdp_address: this.opts.smdpAddress,
      matching_id: this.newMatchingId(),
      // SHA-256 of the code is what SGP.22's SM-DP+ verifies against (Hashed CC); the plain code is not kept
      confirmation_code_hash: confirmationCode === null ? null : sha256(confirmationCode),
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    await this.record(tx, esim, null, { type: 'user', id: userId }, meta, 'esim.created');
    return { esim, confirmationCode };
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
    return transaction(this.db, async (tx) => {
      const esim = await esimsRepo.findOwned(tx, userId, id);
      if (!esim) throw notFound('eSIM');
      return toEsimView(await this.move(tx, esim, 'deleted', { type: 'user', id: userId }, meta));
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
    if (eid !== undefined && !isValidEid(eid)) {
      throw badRequest('INVALID_EID', 'The EID fails its check digits', [
        { field: 'body.eid', message: 'fails the ISO 7064 mod 97-10 check' },
      ]);
    }
    return transaction(this.db, async (tx) => {
      const esim = await esimsRepo.findById(tx, id);
      if (!esim) throw notFound('eSIM');
      if (eid !== undefined && esim.eid !== null && esim.eid !== eid) {
        throw conflict('EID_MISMATCH', 'The eSIM is already bound to another EID');
      }
      return toEsimView(await this.move(tx, esim, to, actor, meta, eid));
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
    eid?: string,
  ): Promise<EsimRow> {
    assertEsimMove(esim.status, to);
    const now = this.clock.now();
    const moved = await esimsRepo.moveStatus(tx, esim.id, esim.status, {
      status: to,
      updated_at: now,
      ...(eid !== undefined ? { eid } : {}),
      ...(to === 'deleted' ? { deleted_at: now } : {}),
    });
    // another move from the same state committed first
    if (!moved) throw conflict('INVALID_TRANSITION', `The eSIM is no longer ${esim.status}`);
    await this.record(
      tx,
      moved,
      esim.status,
      actor,
      meta,
      to === 'deleted' ? 'esim.deleted' : 'esim.status_changed',
    );
    return moved;
  }

  private async record(
    tx: Tx,
    esim: EsimRow,
    from: EsimStatus | null,
    actor: EsimActor,
    meta: RequestMeta,
    action: string,
  ): Promise<void> {
    const now = this.clock.now();
    await esimsRepo.insertEvent(tx, {
      id: newId(),
      esim_id: esim.id,
      from_status: from,
      to_status: esim.status,
      actor_type: actor.type,
      actor_id: actor.id,
      created_at: now,
    });
    await eventsRepo.emit(tx, esimEvent(esim, from, now));
    await this.activity.record(tx, {
      action,
      userId: esim.user_id,
      // the activity log names people; an API key is named in the metadata
      actorId: actor.type === 'api_key' ? null : actor.id,
      targetType: 'esim',
      targetId: esim.id,
      metadata: {
        from,
        to: esim.status,
        actor_type: actor.type,
        ...(actor.type === 'api_key' ? { api_key_id: actor.id } : {}),
        ...(from === null ? { iccid: esim.iccid } : {}),
      },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }
}
