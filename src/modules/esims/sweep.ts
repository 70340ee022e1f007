/**
 * The eSIMs' part of the periodic sweep (src/jobs.ts every SWEEP_INTERVAL_S; `npm run cli -- sweep`):
 * Idempotency-Keys of eSIM creations are kept for ESIM_KEY_WINDOW_MS (24 h, as for pack orders), then
 * freed, so the unique (user_id, idempotency_key) index does not grow forever and a key can name a new
 * eSIM. An order still `provisioning` keeps its key: a retry with it is how the order is completed.
 * One UPDATE, safe to run twice or on two instances at once (it re-checks its condition).
 */
import type { Db } from '../../db/index.js';
import { DAY_MS } from '../../lib/clock.js';
import { esimsRepo } from './repository.js';

/** How long the same Idempotency-Key answers the same eSIM. */
export const ESIM_KEY_WINDOW_MS = DAY_MS;

/** Frees the keys of eSIMs created more than ESIM_KEY_WINDOW_MS before `now`; how many. */
export function clearOldEsimKeys(db: Db, now: number): Promise<number> {
  return esimsRepo.clearKeysBefore(db, now - ESIM_KEY_WINDOW_MS, now);
}
