/**
 * HandleDownloadProgressInfo (SM-DP+ → us, SGP.22 v2.2 §5.3.5), read leniently: `timestamp` or
 * `timeStamp`, an integer or a numeric string point id, an ICCID padded with `F`. Mapped as ES2PLUS.md §4
 * recommends: point 3 success → downloaded, 4 success → installed, a Failed point 1–4 → error (the status
 * kept in smdp_status), the agreed custom points → enabled / disabled / deleted.
 *
 * Idempotent and monotonic: a duplicate or a late callback changes nothing (callbackMoves), yet every
 * callback is one esim_events row with its raw point and status. The EID is stored when first seen. An
 * unknown ICCID is answered like any other (the SM-DP+ cannot fix it), logged and counted.
 */
import { transaction, type Db } from '../../../db/index.js';
import type { EsimRow, EsimStatus } from '../../../db/types.js';
import type { Clock } from '../../../lib/clock.js';
import { isValidEid } from '../../../lib/eid.js';
import type { ActivityService } from '../../activity/service.js';
import { SYSTEM_META, moveEsim, recordEsimChange } from '../history.js';
import { callbackMoves, type EsimActor } from '../lifecycle.js';
import { esimsRepo } from '../repository.js';
import type { Es2Logger } from './client.js';

export interface CallbackPoints {
  enabled: number;
  disabled: number;
  deleted: number;
}

export interface ProgressInfo {
  iccid: string;
  eid: string | null;
  point: number;
  success: boolean;
  /** `Executed-Success`, or `Failed 8.2.7/6.4` (status and codes as received). */
  status: string;
  requester: string;
}

export type CallbackOutcome = 'moved' | 'unchanged' | 'unknown_iccid';

export class CallbackError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The notification's facts, or a CallbackError naming the first field that cannot be read. */
export function parseProgressInfo(body: unknown): ProgressInfo {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const rawIccid = str(b.iccid)?.trim() ?? '';
  const iccid = /^[0-9]{19}[fF]$/.test(rawIccid) ? rawIccid.slice(0, -1) : rawIccid;
  if (!/^[0-9]{19,20}$/.test(iccid)) throw new CallbackError('iccid is missing or not 19-20 digits');
  const rawPoint = b.notificationPointId;
  const point = typeof rawPoint === 'string' && /^[0-9]{1,9}$/.test(rawPoint) ? Number(rawPoint) : rawPoint;
  if (typeof point !== 'number' || !Number.isInteger(point) || point < 0 || point > 1e9) {
    throw new CallbackError('notificationPointId is missing or not an integer');
  }
  const ps = b.notificationPointStatus as Record<string, unknown> | undefined;
  const s = str(ps?.status);
  if (!s) throw new CallbackError('notificationPointStatus.status is missing');
  const data = ps?.statusCodeData as Record<string, unknown> | undefined;
  const codes = data ? ` ${String(data.subjectCode ?? '')}/${String(data.reasonCode ?? '')}` : '';
  const header = b.header as Record<string, unknown> | undefined;
  const eid = str(b.eid)?.trim();
  return {
    iccid,
    eid: eid && isValidEid(eid) ? eid : null,
    point,
    success: s === 'Executed-Success' || s === 'Executed-WithWarning',
    status: `${s.slice(0, 40)}${codes.slice(0, 60)}`,
    requester: (str(header?.functionRequesterIdentifier) ?? 'smdp').slice(0, 128),
  };
}

export class CallbackHandler {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly points: CallbackPoints,
    private readonly log: Es2Logger,
    /** Counts each callback's outcome (the es2_callbacks_total metric). */
    readonly count: (outcome: CallbackOutcome | 'invalid') => void = () => undefined,
  ) {}

  /** Where the callback takes the eSIM (undefined: it reports nothing that moves it). */
  target(info: ProgressInfo): EsimStatus | undefined {
    if (!info.success) return info.point >= 1 && info.point <= 4 ? 'error' : undefined;
    if (info.point === 3) return 'downloaded';
    if (info.point === 4) return 'installed';
    if (info.point === this.points.enabled) return 'enabled';
    if (info.point === this.points.disabled) return 'disabled';
    if (info.point === this.points.deleted) return 'deleted';
    return undefined;
  }

  async handle(info: ProgressInfo): Promise<CallbackOutcome> {
    const to = this.target(info);
    const actor: EsimActor = { type: 'smdp', id: info.requester };
    const callback = { point: info.point, status: info.status };
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await transaction(this.db, async (tx): Promise<CallbackOutcome | 'raced'> => {
        const esim = await esimsRepo.findByIccid(tx, info.iccid);
        if (!esim) return 'unknown_iccid';
        const now = this.clock.now();
        const eid = esim.eid === null && info.eid ? { eid: info.eid } : {};
        if (to !== undefined && callbackMoves(esim.status, to)) {
          const set = {
            ...eid,
            ...(to === 'error' ? { smdp_status: `point ${info.point} ${info.status}` } : {}),
          };
          const moved = await moveEsim(tx, this.activity, now, {
            esim,
            to,
            set,
            actor,
            meta: SYSTEM_META,
            callback,
          });
          return moved ? 'moved' : 'raced';
        }
        let current: EsimRow = esim;
        if (eid.eid) {
          const set = { status: esim.status, updated_at: now, ...eid };
          current = (await esimsRepo.moveStatus(tx, esim.id, esim.status, set)) ?? esim;
        }
        await recordEsimChange(tx, this.activity, now, {
          esim: current,
          from: esim.status,
          actor,
          meta: SYSTEM_META,
          action: 'esim.smdp_notified',
          callback,
        });
        return 'unchanged';
      });
      if (outcome === 'unknown_iccid') {
        this.log.warn({ iccid: info.iccid, point: info.point }, 'SM-DP+ callback for an unknown ICCID');
      }
      if (outcome !== 'raced') {
        this.count(outcome);
        return outcome;
      }
    }
    this.count('unchanged');
    return 'unchanged';
  }
}
