/**
 * Issuing an eSIM. SMDP_MODE=local: the profile is born in our database (ICCID and matching ID drawn
 * here, status `released`). SMDP_MODE=es2plus: the row is written first in `provisioning` (our matching
 * ID, an ICCID from our stock when we hold stock of the type), then the SM-DP+ is asked (Provisioner).
 *
 * With an Idempotency-Key, the same key and body answers the same eSIM again for 24 h (an order still
 * provisioning is completed by that retry, with a new confirmation code when one is required); the same
 * key with another body is 409. Older keys are freed by the sweep (sweep.ts).
 */
import { randomInt } from 'node:crypto';
import { isUniqueViolation, transaction, type Db, type Tx } from '../../db/index.js';
import type { EsimRow } from '../../db/types.js';
import { AppError, conflict } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { sha256 } from '../../lib/secrets.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { usersRepo } from '../users/repository.js';
import type { Provisioner } from './es2plus/provisioner.js';
import type { StockService } from './es2plus/stock.js';
import { recordEsimChange } from './history.js';
import { esimsRepo } from './repository.js';
import { ESIM_KEY_WINDOW_MS } from './sweep.js';

const ISSUE_ATTEMPTS = 5;
const CONFIRMATION_CODE_DIGITS = 8;

export interface IssuingOptions {
  smdpAddress: string;
  limitPerUser: number;
  confirmationCode: boolean;
  newIccid: () => string;
  newMatchingId: () => string;
  /** es2plus only. */
  es2?: { provisioner: Provisioner; stock: StockService; profileType: string };
}

/** What the user chose: a label, and the EID of the device the profile is for (optional). */
export interface NewEsim {
  label: string | null;
  eid: string | null;
}

export interface Issued {
  esim: EsimRow;
  confirmationCode: string | null;
  replayed: boolean;
}

export class EsimIssuer {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly opts: IssuingOptions,
  ) {}

  async issue(userId: string, input: NewEsim, key: string | undefined, meta: RequestMeta): Promise<Issued> {
    const hash = key === undefined ? null : sha256(JSON.stringify({ label: input.label, eid: input.eid }));
    for (let attempt = 1; ; attempt++) {
      let issued: Issued;
      try {
        issued = await transaction(this.db, (tx) => this.issueIn(tx, userId, input, key, hash, meta));
      } catch (err) {
        // the key is looked up only when the insert is refused (the key is taken, or the account is
        // full): a first request, the usual case, costs no read for it
        const collision = isUniqueViolation(err);
        const full = err instanceof AppError && err.code === 'ESIM_LIMIT';
        if (attempt >= ISSUE_ATTEMPTS || !(collision || (full && key !== undefined))) throw err;
        const prior = key === undefined ? undefined : await esimsRepo.findByKey(this.db, userId, key);
        if (!prior) {
          if (collision) continue; // an identifier drawn twice: drawn again
          throw err;
        }
        // completing an order calls the SM-DP+: answered outside the transaction
        if (!this.pastWindow(prior)) return this.replay(prior, hash);
        // a key past its window is free again, whether or not the sweep has cleared it yet
        await esimsRepo.clearKey(this.db, prior.id, this.clock.now());
        continue;
      }
      const es2 = this.opts.es2;
      if (!es2 || issued.esim.status !== 'provisioning') return issued;
      const esim = await es2.provisioner.complete(issued.esim, issued.confirmationCode);
      return { ...issued, esim };
    }
  }

  private pastWindow(prior: EsimRow): boolean {
    return prior.created_at <= this.clock.now() - ESIM_KEY_WINDOW_MS && prior.status !== 'provisioning';
  }

  private async replay(prior: EsimRow, hash: string | null): Promise<Issued> {
    if (prior.request_hash !== hash) {
      throw conflict(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request body',
      );
    }
    if (prior.status === 'deleted' && prior.smdp_status !== null) {
      throw conflict(
        'ESIM_ORDER_FAILED',
        `The order with this Idempotency-Key failed (${prior.smdp_status}); use a new key`,
      );
    }
    const es2 = this.opts.es2;
    if (es2 && prior.status === 'provisioning' && prior.confirmation_code_hash !== null) {
      // the first answer, the only one with the code, failed: this retry gets a new code
      const code = newConfirmationCode();
      const esim = await es2.provisioner.completeWithNewCode(prior, code);
      return { esim, confirmationCode: code, replayed: true };
    }
    if (es2 && prior.status === 'provisioning') {
      return {
        esim: await es2.provisioner.complete(prior, null, true),
        confirmationCode: null,
        replayed: true,
      };
    }
    return { esim: prior, confirmationCode: null, replayed: true };
  }

  private async issueIn(
    tx: Tx,
    userId: string,
    { label, eid }: NewEsim,
    key: string | undefined,
    hash: string | null,
    meta: RequestMeta,
  ): Promise<Issued> {
    const now = this.clock.now();
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
    const confirmationCode = this.opts.confirmationCode ? newConfirmationCode() : null;
    const id = newId();
    const es2 = this.opts.es2;
    let esim = await esimsRepo.insert(tx, {
      id,
      user_id: userId,
      label,
      iccid: es2 ? null : this.opts.newIccid(),
      eid,
      status: es2 ? 'provisioning' : 'released',
      smdp_address: this.opts.smdpAddress,
      matching_id: this.opts.newMatchingId(),
      // SHA-256 of the code is what SGP.22's SM-DP+ verifies against (Hashed CC); the plain code is not kept
      confirmation_code_hash: confirmationCode === null ? null : sha256(confirmationCode),
      created_at: now,
      updated_at: now,
      deleted_at: null,
      profile_type: es2?.profileType ?? null,
      idempotency_key: key ?? null,
      request_hash: hash,
    });
    if (es2 && (await es2.stock.usesStock(tx, es2.profileType))) {
      // our own stock: the profile is taken in this transaction (the row exists first for its reference)
      const iccid = await es2.stock.allocate(tx, es2.profileType, id);
      if (iccid === undefined) throw noStock(es2.profileType);
      esim = (await esimsRepo.setIccid(tx, id, iccid)) ?? esim;
    }
    await recordEsimChange(tx, this.activity, now, {
      esim,
      from: null,
      actor: { type: 'user', id: userId },
      meta,
      action: 'esim.created',
    });
    return { esim, confirmationCode, replayed: false };
  }
}

function newConfirmationCode(): string {
  return String(randomInt(10 ** CONFIRMATION_CODE_DIGITS)).padStart(CONFIRMATION_CODE_DIGITS, '0');
}

function noStock(profileType: string): AppError {
  const detail = `No eSIM profile of type ${profileType} is left in stock; try again later`;
  return new AppError(503, 'NO_PROFILES_AVAILABLE', detail, undefined, { 'retry-after': '60' });
}
