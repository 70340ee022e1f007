/**
 * Retention of the outboxes (the periodic sweep, src/jobs.ts; `npm run cli -- sweep`): events, the webhook
 * deliveries made from them (with their attempt logs) and the e-mails sent are kept OUTBOX_RETENTION_DAYS,
 * then deleted, so these tables do not grow forever. Nothing still waiting is deleted: an event whose
 * webhook delivery is pending stays with it, and so does a pending e-mail. Each batch is one transaction
 * (deliveries first, then their events), at most `batches` batches per run so a sweep stays short; what is
 * left goes at the next run. Safe on several instances at once: a row deleted twice is simply not there.
 */
import { transaction, type Db } from '../../db/index.js';
import { DAY_MS } from '../../lib/clock.js';
import { mailRepo } from '../mail/repository.js';
import { deliveriesRepo } from '../webhooks/deliveries.repository.js';
import { eventsRepo } from './repository.js';

export interface PruneResult {
  events: number;
  deliveries: number;
  mails: number;
}

export async function pruneOutboxes(
  db: Db,
  now: number,
  retentionDays: number,
  opts: { batch?: number; batches?: number } = {},
): Promise<PruneResult> {
  const batch = opts.batch ?? 1000;
  const batches = opts.batches ?? 20;
  const before = now - retentionDays * DAY_MS;
  const out: PruneResult = { events: 0, deliveries: 0, mails: 0 };
  for (let i = 0; i < batches; i++) {
    const n = await transaction(db, async (tx) => {
      const ids = await eventsRepo.idsToPrune(tx, before, batch);
      out.deliveries += await deliveriesRepo.deleteFinishedOf(tx, ids);
      const deleted = await eventsRepo.deleteMany(tx, ids);
      out.events += deleted;
      return ids.length;
    });
    if (n < batch) break;
  }
  for (let i = 0; i < batches; i++) {
    const n = await mailRepo.deleteDoneBefore(db, before, batch);
    out.mails += n;
    if (n < batch) break;
  }
  return out;
}
