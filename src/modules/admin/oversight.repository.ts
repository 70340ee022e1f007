/**
 * SQL for the operators' lists of everyone's packs and eSIMs (read-only over the packs and esims tables,
 * which their own modules write). Newest first by id, `limit + 1` rows per page.
 */
import type { Executor } from '../../db/index.js';
import type { EsimRow, EsimStatus, PackRow, PackStatus } from '../../db/types.js';

export interface PackListFilter {
  userId?: string;
  status?: PackStatus;
  planId?: string;
  esimId?: string;
  before?: string;
  limit: number;
  /** An active pack past its expiry is expired on read, so the status filter needs the time. */
  now: number;
}

export interface EsimListFilter {
  userId?: string;
  status?: EsimStatus;
  iccid?: string;
  before?: string;
  limit: number;
}

export const oversightRepo = {
  listPacks(db: Executor, f: PackListFilter): Promise<PackRow[]> {
    let q = db.selectFrom('packs').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.planId) q = q.where('plan_id', '=', f.planId);
    if (f.esimId) q = q.where('esim_id', '=', f.esimId);
    if (f.status === 'active') {
      q = q
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', f.now)]));
    } else if (f.status === 'expired') {
      q = q.where((eb) =>
        eb.or([
          eb('status', '=', 'expired'),
          eb.and([eb('status', '=', 'active'), eb('expires_at', '<=', f.now)]),
        ]),
      );
    } else if (f.status) {
      q = q.where('status', '=', f.status);
    }
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  listEsims(db: Executor, f: EsimListFilter): Promise<EsimRow[]> {
    let q = db.selectFrom('esims').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.iccid) q = q.where('iccid', '=', f.iccid);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },
};
