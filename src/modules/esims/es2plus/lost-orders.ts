/**
 * Orders whose answer never came (SMDP_MODE=es2plus): what the row records about them and the alert when
 * one is ordered again. A DownloadOrder by profile type that got no answer may have reserved a profile
 * that SGP.22 v2.2 gives no way to find, so it is noted on the row (`ORDER_LOST`), and ordering it again
 * raises one admin alert naming the order, to be matched against the SM-DP+'s records and cancelled there.
 */
import type { Db } from '../../../db/index.js';
import type { EsimRow } from '../../../db/types.js';
import type { Clock } from '../../../lib/clock.js';
import { alertsRepo } from '../../alerts/repository.js';
import { esimsRepo } from '../repository.js';
import { Es2Unavailable, type Es2Logger } from './client.js';

/** smdp_status of a row whose DownloadOrder by profile type got no answer (it may have been carried out). */
export const ORDER_LOST = 'DownloadOrder answer lost';
/** smdp_status of an order with a confirmation code that the reconciler cancels (see `reconcile`). */
export const CODE_LOST = 'cancelled by the reconciler: its confirmation code was only in the failed answer';
/** smdp_status of a row whose DownloadOrder surely never reached the SM-DP+ (no connection, breaker open). */
export const ORDER_NOT_SENT = 'DownloadOrder not sent';

/** What the functions below need of the provisioner. */
export interface LostOrders {
  db: Db;
  clock: Clock;
  log: Es2Logger;
}

/** A DownloadOrder by type that may have been carried out without our hearing of it is noted on the row. */
export async function noteLost(ctx: LostOrders, r: EsimRow, err: unknown): Promise<void> {
  if (!(err instanceof Es2Unavailable) || r.smdp_status === ORDER_LOST) return;
  const status = err.mayHaveRun ? ORDER_LOST : ORDER_NOT_SENT;
  if (r.smdp_status !== status) await esimsRepo.setProvisioningStatus(ctx.db, r.id, status, ctx.clock.now());
  if (err.mayHaveRun) ctx.log.warn({ esim_id: r.id, err: err.message }, 'DownloadOrder by type: no answer');
}

/** A DownloadOrder by type sent again for a row whose earlier one may have reserved a profile. */
export async function alertPossibleOrphan(ctx: LostOrders, r: EsimRow): Promise<void> {
  const when = new Date(r.created_at).toISOString();
  await alertsRepo.raise(ctx.db, {
    kind: 'esim.order_unknown',
    message:
      `A DownloadOrder of profile type ${r.profile_type ?? '?'} for eSIM ${r.id} (created ${when}) got no ` +
      `answer, so it was ordered again. The SM-DP+ may hold a second profile reserved for us that we do ` +
      `not know: look for a profile of that type left Allocated without a matching ID and cancel it there.`,
    refType: 'esim',
    refId: r.id,
    dedupeKey: `esim.order_unknown:${r.id}`,
    at: ctx.clock.now(),
  });
}
